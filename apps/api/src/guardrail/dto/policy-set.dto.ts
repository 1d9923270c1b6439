import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { AuthorizeRequestDto } from './authorize.dto';

export const MAX_POLICY_TEXT = 256 * 1024;

export class PolicyDiagnosticDto {
  @ApiProperty({ enum: ['schema', 'policies'] })
  part!: 'schema' | 'policies';

  @ApiProperty({ type: String, nullable: true, example: 'agent-refund-limit' })
  policyId!: string | null;

  @ApiProperty({ example: 'unexpected type: expected Long but saw decimal' })
  message!: string;

  @ApiProperty({ type: String, nullable: true })
  help!: string | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description: '1-based line in the schema or policy text.',
  })
  line!: number | null;

  @ApiProperty({ type: Number, nullable: true })
  column!: number | null;
}

export class PublishPolicySetDto {
  @ApiProperty({ description: 'Cedar schema (human-readable syntax).' })
  @IsString()
  @MaxLength(MAX_POLICY_TEXT, { message: `schema must be at most ${MAX_POLICY_TEXT} characters` })
  schema!: string;

  @ApiProperty({
    description:
      'Cedar policies; `@id("…")` names a policy, `@reason("…")` explains its decisions.',
  })
  @IsString()
  @MaxLength(MAX_POLICY_TEXT, { message: `policies must be at most ${MAX_POLICY_TEXT} characters` })
  policies!: string;

  @ApiPropertyOptional({ example: 'refund limit down to 500' })
  @IsOptional()
  @IsString()
  @MaxLength(500, { message: 'comment must be at most 500 characters' })
  comment?: string;

  @ApiPropertyOptional({ default: true, description: 'Make the new version the active one.' })
  @IsOptional()
  @IsBoolean({ message: 'activate must be true or false' })
  activate?: boolean;
}

export class PolicySetSummaryDto {
  @ApiProperty({ example: 2 })
  version!: number;

  @ApiProperty({ example: 'v2', description: 'As `policyVersion` in authorization answers.' })
  policyVersion!: string;

  @ApiProperty({ description: 'SHA-256 of schema and policies.' })
  digest!: string;

  @ApiProperty()
  comment!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty()
  createdBy!: string;

  @ApiProperty()
  active!: boolean;
}

export class PolicySetDto extends PolicySetSummaryDto {
  @ApiProperty()
  schema!: string;

  @ApiProperty()
  policies!: string;

  @ApiProperty({ type: [String], description: 'Ids of the policies in the set.' })
  policyIds!: string[];

  @ApiProperty({ type: [PolicyDiagnosticDto], description: "Cedar's validation warnings." })
  warnings!: PolicyDiagnosticDto[];
}

export class PolicySetListDto {
  @ApiProperty({ type: Number, nullable: true, example: 2 })
  activeVersion!: number | null;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  activatedAt!: string | null;

  @ApiProperty({ type: String, nullable: true })
  activatedBy!: string | null;

  @ApiProperty({ type: [PolicySetSummaryDto], description: 'Newest first.' })
  items!: PolicySetSummaryDto[];
}

export class PolicyVersionParam {
  @Type(() => Number)
  @IsInt({ message: 'version must be a whole number' })
  @Min(1, { message: 'version must be at least 1' })
  version!: number;
}

export class EvaluatePolicyDto {
  @ApiProperty({ type: AuthorizeRequestDto })
  @IsObject({ message: 'request must be an object with agentId and tool' })
  @ValidateNested()
  @Type(() => AuthorizeRequestDto)
  request!: AuthorizeRequestDto;

  @ApiPropertyOptional({
    description: 'Candidate schema; with `policies`. Default: the active set.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_POLICY_TEXT, { message: `schema must be at most ${MAX_POLICY_TEXT} characters` })
  schema?: string;

  @ApiPropertyOptional({ description: 'Candidate policies; with `schema`.' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_POLICY_TEXT, { message: `policies must be at most ${MAX_POLICY_TEXT} characters` })
  policies?: string;

  @ApiPropertyOptional({ description: 'A stored version to evaluate instead of the active one.' })
  @IsOptional()
  @IsInt({ message: 'version must be a whole number' })
  @Min(1, { message: 'version must be at least 1' })
  version?: number;
}

export class EvaluationDto {
  @ApiProperty({ enum: ['allow', 'deny'] })
  decision!: 'allow' | 'deny';

  @ApiProperty({ type: [String] })
  reasons!: string[];

  @ApiProperty({ type: [String] })
  policies!: string[];

  @ApiProperty()
  evaluated!: boolean;

  @ApiProperty({
    example: 'candidate',
    description: '`candidate`, or the stored version evaluated.',
  })
  policyVersion!: string;

  @ApiProperty({
    type: [String],
    description: 'Context keys the schema does not declare (not evaluated).',
  })
  ignoredContext!: string[];

  @ApiProperty({ type: [PolicyDiagnosticDto] })
  warnings!: PolicyDiagnosticDto[];
}
