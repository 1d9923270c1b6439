import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type {
  CaseStatus,
  Decision,
  Disposition,
  Evidence,
  EscalationState,
  ExceptionKind,
  CaseReview,
  Approval,
  ProposedRemediation,
  RemediationReport,
  RiskAssessment,
  RecordedDecision,
  Resolution,
  Severity,
} from '@vigil/contracts';
import { JSON_DOCUMENT, TIMESTAMP } from '../column-types';

export interface CaseRemediationRecord {
  readonly proposed: ProposedRemediation | null;
  readonly approvals: readonly Approval[];
  readonly report: RemediationReport | null;
}

/** The read model of a case: written by the case workflow's activities, read by the API. */
@Entity({ name: 'cases' })
@Index('idx_cases_opened', ['openedAt', 'id'])
export class CaseEntity {
  /** The case id: the run id of the first execution of its workflow. */
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;

  @Index('idx_cases_workflow')
  @Column({ name: 'workflow_id', type: 'varchar', length: 255 })
  workflowId!: string;

  @Column({ type: 'varchar', length: 200 })
  fingerprint!: string;

  @Index('idx_cases_identity')
  @Column({ name: 'identity_id', type: 'varchar', length: 200 })
  identityId!: string;

  @Column({ type: 'varchar', length: 64 })
  kind!: ExceptionKind;

  @Column({ type: 'varchar', length: 16 })
  severity!: Severity;

  @Index('idx_cases_status')
  @Column({ type: 'varchar', length: 32 })
  status!: CaseStatus;

  @Column({ type: 'integer' })
  occurrences!: number;

  @Column({ type: JSON_DOCUMENT })
  evidence!: Evidence;

  @Column({ type: JSON_DOCUMENT, nullable: true })
  context!: Record<string, unknown> | null;

  @Column({ type: 'varchar', length: 32, nullable: true })
  resolution!: Resolution | null;

  @Column({ type: 'varchar', length: 32, nullable: true })
  disposition!: Disposition | null;

  @Column({ type: JSON_DOCUMENT, nullable: true })
  decision!: RecordedDecision | null;

  /** Decisions the case accepts now; empty once it no longer awaits one. */
  @Column({ name: 'allowed_decisions', type: JSON_DOCUMENT })
  allowedDecisions!: Decision[];

  @Column({ name: 'opened_at', type: TIMESTAMP })
  openedAt!: Date;

  @Column({ name: 'last_occurrence_at', type: TIMESTAMP })
  lastOccurrenceAt!: Date;

  @Column({ name: 'resolved_at', type: TIMESTAMP, nullable: true })
  resolvedAt!: Date | null;

  @Column({ name: 'updated_at', type: TIMESTAMP })
  updatedAt!: Date;

  @Column({ type: JSON_DOCUMENT, nullable: true })
  risk!: RiskAssessment | null;

  /** The remediation on offer, the approvals given, and the last run's report. */
  @Column({ type: JSON_DOCUMENT, nullable: true })
  remediation!: CaseRemediationRecord | null;

  @Column({ type: JSON_DOCUMENT, nullable: true })
  escalation!: EscalationState | null;

  @Index('idx_cases_assignee')
  @Column({ type: 'varchar', length: 200, nullable: true })
  assignee!: string | null;

  @Column({ type: TIMESTAMP, nullable: true })
  deadline!: Date | null;

  @Column({ name: 'accepted_until', type: TIMESTAMP, nullable: true })
  acceptedUntil!: Date | null;

  @Column({ type: JSON_DOCUMENT, nullable: true })
  review!: CaseReview | null;

  /** The workflow's revision of this snapshot; an older snapshot never overwrites a newer one. */
  @Column({ type: 'integer' })
  revision!: number;
}
