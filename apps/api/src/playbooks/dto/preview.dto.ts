import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import {
  CONNECTOR_KINDS,
  EXCEPTION_KINDS,
  REMEDIATION_ACTIONS,
  SEVERITIES,
  type ConnectorKind,
  type ExceptionKind,
  type RemediationAction,
  type Severity,
} from '@vigil/contracts';
import { IDENTITY_ID_PATTERN } from '@vigil/domain';

export class PreviewQuery {
  @ApiProperty({ example: 'svc-payments' })
  @IsString({ message: 'identityId is required' })
  @Matches(IDENTITY_ID_PATTERN, { message: 'identityId is not a valid identity id' })
  identityId!: string;

  @ApiProperty({ enum: SEVERITIES, description: "The hypothetical exception's severity." })
  @IsIn(SEVERITIES, { message: `severity must be one of ${SEVERITIES.join(', ')}` })
  severity!: Severity;

  @ApiPropertyOptional({
    enum: EXCEPTION_KINDS,
    description: 'When given, the answer says whether Vigil would pick this playbook for it.',
  })
  @IsOptional()
  @IsIn(EXCEPTION_KINDS, { message: `kind must be one of ${EXCEPTION_KINDS.join(', ')}` })
  kind?: ExceptionKind;

  @ApiPropertyOptional({
    example: 'secrets:admin',
    description: 'The deviating value (`{{value}}`): a scope, a tool…',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === '' ? undefined : value))
  @IsString()
  @Length(1, 500)
  value?: string;

  @ApiPropertyOptional({
    example: 'tool',
    description:
      'What the deviating value is (`scope`, `tool`, `resource`…), for playbooks that match on it; a policy violation names it.',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === '' ? undefined : value))
  @IsString()
  @Matches(/^[a-z_]{1,32}$/, { message: 'dimension must be a word such as scope or tool' })
  dimension?: string;
}

export class PreviewStepDto {
  @ApiProperty() playbookId!: string;
  @ApiProperty() playbookVersion!: number;
  @ApiProperty() step!: string;
  @ApiProperty({ enum: REMEDIATION_ACTIONS }) action!: RemediationAction;
  @ApiProperty({ enum: CONNECTOR_KINDS }) connector!: ConnectorKind;
  @ApiProperty() identityId!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  params!: Record<string, string>;
  @ApiProperty() verify!: boolean;
  @ApiProperty() compensate!: boolean;
}

export class PlaybookPreviewDto {
  @ApiProperty() playbookId!: string;
  @ApiProperty() playbookVersion!: number;
  @ApiProperty({ description: 'Whether it would run without a human.' }) automatic!: boolean;
  @ApiProperty({ description: 'Why it would (not) run on its own.' }) ceiling!: string;
  @ApiProperty({ type: [PreviewStepDto], description: 'The steps, resolved, not carried out.' })
  steps!: PreviewStepDto[];
  @ApiProperty({
    nullable: true,
    type: Boolean,
    description:
      'Whether Vigil picks this playbook for the exception kind on this identity; null when no kind was given.',
  })
  matches!: boolean | null;
}
