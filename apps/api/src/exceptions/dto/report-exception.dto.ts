import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsObject, IsOptional, IsString, Matches } from 'class-validator';
import {
  EXCEPTION_KINDS,
  SEVERITIES,
  type Evidence,
  type ExceptionKind,
  type ReportExceptionResponse,
  type Severity,
} from '@vigil/contracts';
import { FINGERPRINT_PATTERN, IDENTITY_ID_PATTERN } from '@vigil/domain';
import { MaxJsonSize } from '../../common/max-json-size';

export const MAX_EVIDENCE_BYTES = 64 * 1024;

export class ReportExceptionDto {
  @ApiProperty({ example: 'svc-payments', pattern: IDENTITY_ID_PATTERN.source })
  @IsString()
  @Matches(IDENTITY_ID_PATTERN, {
    message:
      'identityId must be 1-200 characters: letters, digits and . _ : @ -, starting with a letter or digit',
  })
  identityId!: string;

  @ApiProperty({ enum: EXCEPTION_KINDS, example: 'novel_scope' })
  @IsIn(EXCEPTION_KINDS, { message: `kind must be one of ${EXCEPTION_KINDS.join(', ')}` })
  kind!: ExceptionKind;

  @ApiProperty({ enum: SEVERITIES, example: 'high' })
  @IsIn(SEVERITIES, { message: `severity must be one of ${SEVERITIES.join(', ')}` })
  severity!: Severity;

  @ApiPropertyOptional({
    description:
      'Dedup key: reports with the same fingerprint join one open case. Default: `<identityId>.<kind>`.',
    pattern: FINGERPRINT_PATTERN.source,
    example: 'svc-payments.novel_scope.secrets-write',
  })
  @IsOptional()
  @IsString()
  @Matches(FINGERPRINT_PATTERN, {
    message:
      'fingerprint must be 1-200 characters: letters, digits and . _ : @ -, starting with a letter or digit',
  })
  fingerprint?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: `What was observed; any JSON object up to ${MAX_EVIDENCE_BYTES / 1024} KiB.`,
    example: { scope: 'secrets:write:vault/prod/*', usualScopes: ['secrets:read:payments/*'] },
  })
  @IsOptional()
  @IsObject({ message: 'evidence must be a JSON object' })
  @MaxJsonSize(MAX_EVIDENCE_BYTES)
  evidence?: Evidence;
}

export class ReportExceptionResponseDto implements ReportExceptionResponse {
  @ApiProperty({ description: 'Id of the case handling this exception.' })
  caseId!: string;

  @ApiProperty({ example: 'case-svc-payments.novel_scope' })
  workflowId!: string;

  @ApiProperty({ description: 'True when the report joined an open case as an occurrence.' })
  deduplicated!: boolean;
}
