import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  CRITICALITIES,
  IDENTITY_KINDS,
  IDENTITY_STATUSES,
  SENSITIVITIES,
  type Criticality,
  type IdentityKind,
  type IdentityStatus,
  type Sensitivity,
} from '@vigil/contracts';
import { IDENTITY_ID_PATTERN } from '@vigil/domain';

const NAME_LENGTH = 200;
const PATTERN_LENGTH = 300;
const MAX_PATTERNS = 500;

export class ResourceSensitivityDto {
  @ApiProperty({ example: 'vault:prod/*' })
  @IsString()
  @Length(1, PATTERN_LENGTH)
  pattern!: string;

  @ApiProperty({ enum: SENSITIVITIES, example: 'critical' })
  @IsIn(SENSITIVITIES, { message: `sensitivity must be one of ${SENSITIVITIES.join(', ')}` })
  sensitivity!: Sensitivity;
}

export class IdentityPolicyDto {
  @ApiPropertyOptional({ nullable: true, type: Number, example: 90, minimum: 1, maximum: 3650 })
  @IsOptional()
  @IsInt({ message: 'rotationPeriodDays must be a whole number of days' })
  @Min(1)
  @Max(3650)
  rotationPeriodDays?: number | null;

  @ApiPropertyOptional({ nullable: true, type: Number, example: 7, minimum: 0, maximum: 365 })
  @IsOptional()
  @IsInt({ message: 'rotationToleranceDays must be a whole number of days' })
  @Min(0)
  @Max(365)
  rotationToleranceDays?: number | null;

  @ApiPropertyOptional({
    nullable: true,
    type: Number,
    example: 90,
    minimum: 1,
    maximum: 3650,
    description:
      'Validity of a certificate issued to the identity, in days. Its expiry is the last ' +
      'observed renewal (else its first event) plus this; the certificate sweep flags it ' +
      'within a third of this (at most 30 days) of expiry without a renewal.',
  })
  @IsOptional()
  @IsInt({ message: 'certificateValidityDays must be a whole number of days' })
  @Min(1)
  @Max(3650)
  certificateValidityDays?: number | null;

  @ApiPropertyOptional({ type: [String], example: ['secrets:read:payments/*'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_PATTERNS)
  @IsString({ each: true })
  @Length(1, PATTERN_LENGTH, { each: true })
  allowedScopes?: string[];

  @ApiPropertyOptional({ type: [String], example: ['crm.lookup', 'tickets.*'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_PATTERNS)
  @IsString({ each: true })
  @Length(1, PATTERN_LENGTH, { each: true })
  allowedTools?: string[];

  @ApiPropertyOptional({ type: [ResourceSensitivityDto] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_PATTERNS)
  @ValidateNested({ each: true })
  @Type(() => ResourceSensitivityDto)
  resourceSensitivity?: ResourceSensitivityDto[];
}

/** `PUT /v1/identities/:id`: the whole declared identity. */
export class IdentityDto {
  @ApiProperty({ enum: IDENTITY_KINDS, example: 'service_account' })
  @IsIn(IDENTITY_KINDS, { message: `kind must be one of ${IDENTITY_KINDS.join(', ')}` })
  kind!: IdentityKind;

  @ApiPropertyOptional({ nullable: true, type: String, example: 'alice@example.com' })
  @IsOptional()
  @IsString()
  @MaxLength(NAME_LENGTH)
  owner?: string | null;

  @ApiPropertyOptional({ nullable: true, type: String, example: 'payments' })
  @IsOptional()
  @IsString()
  @MaxLength(NAME_LENGTH)
  team?: string | null;

  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description: 'Third-party vendor, for OAuth apps.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(NAME_LENGTH)
  vendor?: string | null;

  @ApiProperty({ enum: CRITICALITIES, example: 'high' })
  @IsIn(CRITICALITIES, { message: `criticality must be one of ${CRITICALITIES.join(', ')}` })
  criticality!: Criticality;

  @ApiPropertyOptional({ nullable: true, type: String, example: 'prod' })
  @IsOptional()
  @IsString()
  @MaxLength(NAME_LENGTH)
  environment?: string | null;

  @ApiPropertyOptional({ type: IdentityPolicyDto })
  @IsOptional()
  @ValidateNested()
  @Type(() => IdentityPolicyDto)
  policy?: IdentityPolicyDto;

  @ApiPropertyOptional({ enum: IDENTITY_STATUSES, default: 'active' })
  @IsOptional()
  @IsIn(IDENTITY_STATUSES, { message: `status must be one of ${IDENTITY_STATUSES.join(', ')}` })
  status?: IdentityStatus;
}

/** One line of a bulk import: the identity with its id. */
export class IdentityImportDto extends IdentityDto {
  @ApiProperty({ example: 'svc-payments', pattern: IDENTITY_ID_PATTERN.source })
  @IsString()
  @Matches(IDENTITY_ID_PATTERN, { message: 'id is not a valid identity id' })
  id!: string;
}
