import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  CASE_STATUSES,
  DECISIONS,
  DISPOSITIONS,
  EXCEPTION_KINDS,
  RESOLUTIONS,
  SEVERITIES,
  TIMELINE_ENTRY_TYPES,
  type CaseList,
  type CaseStatus,
  type CaseSummary,
  type CaseView,
  type Decision,
  type Disposition,
  type ExceptionKind,
  type RecordedDecision,
  type Resolution,
  type Severity,
  type TimelineEntry,
  type TimelineEntryType,
} from '@vigil/contracts';

export class TimelineEntryDto implements TimelineEntry {
  @ApiProperty() seq!: number;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ enum: TIMELINE_ENTRY_TYPES }) type!: TimelineEntryType;
  @ApiProperty() actor!: string;
  @ApiProperty() summary!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) detail!: Record<string, unknown>;
}

export class RecordedDecisionDto implements RecordedDecision {
  @ApiProperty({ enum: DECISIONS }) decision!: Decision;
  @ApiProperty() actor!: string;
  @ApiPropertyOptional() comment?: string;
  @ApiProperty({ format: 'date-time' }) decidedAt!: string;
}

export class CaseSummaryDto implements CaseSummary {
  @ApiProperty() id!: string;
  @ApiProperty() workflowId!: string;
  @ApiProperty() identityId!: string;
  @ApiProperty({ enum: EXCEPTION_KINDS }) kind!: string;
  @ApiProperty({ enum: SEVERITIES }) severity!: string;
  @ApiProperty({ enum: CASE_STATUSES }) status!: string;
  @ApiProperty() occurrences!: number;
  @ApiProperty({ enum: RESOLUTIONS, nullable: true, type: String }) resolution!: string | null;
  @ApiProperty({ format: 'date-time' }) openedAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class CaseListDto implements CaseList {
  @ApiProperty({ type: [CaseSummaryDto] }) items!: CaseSummaryDto[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class CaseDto implements CaseView {
  @ApiProperty() id!: string;
  @ApiProperty() workflowId!: string;
  @ApiProperty() fingerprint!: string;
  @ApiProperty() identityId!: string;
  @ApiProperty({ enum: EXCEPTION_KINDS }) kind!: ExceptionKind;
  @ApiProperty({ enum: SEVERITIES }) severity!: Severity;
  @ApiProperty({ enum: CASE_STATUSES }) status!: CaseStatus;
  @ApiProperty() occurrences!: number;
  @ApiProperty({ type: 'object', additionalProperties: true }) evidence!: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true })
  context!: Record<string, unknown> | null;
  @ApiProperty({ format: 'date-time' }) openedAt!: string;
  @ApiProperty({ format: 'date-time' }) lastOccurrenceAt!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) resolvedAt!: string | null;
  @ApiProperty({ enum: RESOLUTIONS, nullable: true }) resolution!: Resolution | null;
  @ApiProperty({ enum: DISPOSITIONS, nullable: true }) disposition!: Disposition | null;
  @ApiProperty({ type: RecordedDecisionDto, nullable: true }) decision!: RecordedDecision | null;
  @ApiProperty({ enum: DECISIONS, isArray: true }) allowedDecisions!: Decision[];
  @ApiProperty({ type: [TimelineEntryDto] }) timeline!: TimelineEntry[];
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}
