import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  CASE_STATUSES,
  DECISIONS,
  DISPOSITIONS,
  EXCEPTION_KINDS,
  RESOLUTIONS,
  SEVERITIES,
  TIMELINE_ENTRY_TYPES,
  ROLES,
  type Approval,
  type CaseContext,
  type CaseList,
  type CaseReview,
  type EscalationState,
  type ProposedRemediation,
  type RemediationReport,
  type RiskAssessment,
  type Role,
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
  @ApiProperty({ enum: ROLES }) role!: Role;
  @ApiPropertyOptional() acceptRiskDays?: number;
  @ApiPropertyOptional() comment?: string;
  @ApiProperty({ format: 'date-time' }) decidedAt!: string;
}

export class ApprovalDto implements Approval {
  @ApiProperty({ enum: DECISIONS }) decision!: Decision;
  @ApiProperty() actor!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
}

export class EscalationStateDto implements EscalationState {
  @ApiProperty({ enum: [1, 2], nullable: true, type: Number }) tier!: 1 | 2 | null;
  @ApiProperty({ nullable: true, type: String, example: 'owner' }) route!: EscalationState['route'];
  @ApiProperty({ nullable: true, type: String, description: 'Person, team or SOC queue.' })
  assignee!: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) deadline!: string | null;
  @ApiProperty({
    enum: DECISIONS,
    nullable: true,
    description: 'Applied when every deadline passes.',
  })
  failSafe!: Decision | null;
}

const OBJECT = { type: 'object', additionalProperties: true, nullable: true } as const;

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
  @ApiProperty({
    ...OBJECT,
    description:
      'The identity, credential age, granted vs used scopes and tools, recent events, baseline and related cases, gathered when the case opened.',
  })
  context!: CaseContext | null;
  @ApiProperty({ ...OBJECT, description: 'Score, severity and the factors that moved them.' })
  risk!: RiskAssessment | null;
  @ApiProperty({ ...OBJECT, description: 'The playbook on offer for approval, with its dry run.' })
  proposedRemediation!: ProposedRemediation | null;
  @ApiProperty({ ...OBJECT, description: 'The last remediation run, step by step.' })
  remediation!: RemediationReport | null;
  @ApiProperty({ type: [ApprovalDto] }) approvals!: Approval[];
  @ApiProperty({ type: EscalationStateDto }) escalation!: EscalationState;
  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  acceptedUntil!: string | null;
  @ApiProperty({ ...OBJECT, description: 'Set on a review of an expired accepted risk.' })
  review!: CaseReview | null;
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
