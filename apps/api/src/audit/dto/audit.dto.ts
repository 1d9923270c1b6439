import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import {
  DISPOSITIONS,
  EXCEPTION_KINDS,
  IDENTITY_KINDS,
  RESOLUTIONS,
  SEVERITIES,
  CASE_STATUSES,
  DECISIONS,
} from '@vigil/contracts';

const HASH = { example: 'a3f1…', description: 'SHA-256, hex.' };

export class BrokenLinkDto {
  @ApiProperty({ description: 'Sequence number where the chain first breaks.' })
  seq!: number;

  @ApiProperty({ description: 'The hash the chain expects there.' })
  expectedHash!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The hash found instead; null when the row is missing.',
  })
  actualHash!: string | null;

  @ApiProperty({
    enum: ['hash_mismatch', 'prev_hash_mismatch', 'missing_row', 'head_mismatch'],
    description:
      'hash_mismatch: the row was edited; prev_hash_mismatch: the row does not link to the one before (replaced or reordered); missing_row: a sequence number is missing (a row was deleted); head_mismatch: the chain ends before the recorded head (newest rows deleted).',
  })
  reason!: string;
}

export class AuditVerificationDto {
  @ApiProperty({ description: 'True when every row hashes and links as recorded.' })
  ok!: boolean;

  @ApiProperty({ description: 'Rows walked (up to the first broken link).' })
  rows!: number;

  @ApiPropertyOptional({ type: BrokenLinkDto })
  firstBrokenLink?: BrokenLinkDto;

  @ApiProperty({ ...HASH, description: 'Hash of the newest row (64 zeros when empty).' })
  headHash!: string;

  @ApiProperty({ description: 'Sequence number of the newest row (0 when empty).' })
  headSeq!: number;
}

export class AuditRecordDto {
  @ApiProperty() seq!: number;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty() actor!: string;
  @ApiProperty({ example: 'case.decided' }) action!: string;
  @ApiProperty({ example: 'case' }) subjectType!: string;
  @ApiProperty() subjectId!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) details!: Record<string, unknown>;
  @ApiProperty({ type: String, nullable: true }) idempotencyKey!: string | null;
  @ApiProperty(HASH) prevHash!: string;
  @ApiProperty(HASH) hash!: string;
}

export class AuditPageDto {
  @ApiProperty({ type: [AuditRecordDto] }) items!: AuditRecordDto[];
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'Pass as `after` for the next page; null at the end.',
  })
  nextAfter!: number | null;
}

export class AuditPageQuery {
  @ApiPropertyOptional({ description: 'Rows after this sequence number.', default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'after must be an integer' })
  @Min(0, { message: 'after must be at least 0' })
  after?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 200 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be an integer' })
  @Min(1, { message: 'limit must be at least 1' })
  @Max(1000, { message: 'limit must be at most 1000' })
  limit?: number;
}

export class ExceptionEvidenceDto {
  @ApiProperty({ type: String, nullable: true }) reason!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The deviating value.' })
  value!: string | null;
  @ApiProperty({ type: [String], description: 'Events that raised the case (first few).' })
  eventIds!: string[];
  @ApiProperty({ type: String, nullable: true }) eventTime!: string | null;
}

export class ExceptionRowDto {
  @ApiProperty() caseId!: string;
  @ApiProperty() workflowId!: string;
  @ApiProperty({ format: 'date-time' }) openedAt!: string;
  @ApiProperty({ enum: EXCEPTION_KINDS, description: 'The detector (or sweep) that raised it.' })
  detector!: string;
  @ApiProperty() identityId!: string;
  @ApiProperty({ enum: IDENTITY_KINDS, nullable: true }) identityKind!: string | null;
  @ApiProperty({ type: String, nullable: true }) identityOwner!: string | null;
  @ApiProperty({ enum: SEVERITIES }) severity!: string;
  @ApiProperty({ type: Number, nullable: true, description: 'Detector score in [0, 1].' })
  score!: number | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'The threshold the score crossed.',
  })
  threshold!: number | null;
  @ApiProperty({ type: String, nullable: true, example: 'NHI5' }) owasp!: string | null;
  @ApiProperty({ type: String, nullable: true, example: 'PR.AA-05' }) nist!: string | null;
  @ApiProperty({ description: 'One line: why it was raised, and on what.' })
  evidenceSummary!: string;
  @ApiProperty({ type: ExceptionEvidenceDto }) evidence!: ExceptionEvidenceDto;
  @ApiProperty() occurrences!: number;
  @ApiProperty({ enum: CASE_STATUSES }) status!: string;
  @ApiProperty({ description: 'Went to a person for a decision.' }) escalated!: boolean;
  @ApiProperty({ enum: RESOLUTIONS, nullable: true }) resolution!: string | null;
  @ApiProperty({ enum: DISPOSITIONS, nullable: true }) disposition!: string | null;
  @ApiProperty({ enum: DECISIONS, nullable: true }) decision!: string | null;
  @ApiProperty({ type: String, nullable: true }) decidedBy!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) decidedAt!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) resolvedAt!: string | null;
  @ApiProperty({ type: Number, nullable: true }) timeToResolveMs!: number | null;
}

export class ExceptionsPageDto {
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
  @ApiProperty({ type: [ExceptionRowDto] }) items!: ExceptionRowDto[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor; null at the end.' })
  nextCursor!: string | null;
}
