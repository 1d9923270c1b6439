import type { CaseContext, RiskAssessment } from './context';
import type { EscalationRoute } from './escalation';
import type { PlaybookPreview, RemediationReport } from './remediation';
import type {
  CaseStatus,
  Decision,
  Disposition,
  ExceptionKind,
  Resolution,
  Role,
  Severity,
} from './vocabulary';

export type Evidence = Record<string, unknown>;

/** One report of an exception: the first starts the case, repeats join it as occurrences. */
export interface ExceptionReport {
  /** Unique per report; a report delivered twice is counted once. */
  readonly reportId: string;
  readonly identityId: string;
  readonly kind: ExceptionKind;
  readonly severity: Severity;
  readonly fingerprint: string;
  readonly evidence: Evidence;
  /** ISO-8601 time the report was received. */
  readonly reportedAt: string;
}

/** Start argument of the `exceptionCase` workflow. */
export interface CaseInput {
  readonly report: ExceptionReport;
  /**
   * Set when the case is a review that follows an earlier case of the same fingerprint in
   * the same workflow (an accepted risk that expired): the review's own case id and what it
   * reviews. Absent, the case id is the workflow's first run id.
   */
  readonly review?: CaseReview;
}

export interface CaseReview {
  readonly caseId: string;
  readonly previousCaseId: string;
  readonly reason: string;
  readonly acceptedBy: string;
  readonly acceptedAt: string;
  readonly expiredAt: string;
}

export const TIMELINE_ENTRY_TYPES = [
  'opened',
  'occurrence',
  'severity_raised',
  'status_changed',
  'context_gathered',
  'risk_assessed',
  'remediation_proposed',
  'remediation_started',
  'remediation_step',
  'remediation_finished',
  'escalated',
  'reminder',
  'notification_failed',
  'comment',
  'approval',
  'decision',
  'resolved',
  'risk_accepted_until',
  'reopened',
] as const;
export type TimelineEntryType = (typeof TIMELINE_ENTRY_TYPES)[number];

export interface TimelineEntry {
  /** 1-based, gapless within a case: the key that makes recording it idempotent. */
  readonly seq: number;
  readonly at: string;
  readonly type: TimelineEntryType;
  readonly actor: string;
  readonly summary: string;
  readonly detail: Record<string, unknown>;
}

export interface DecisionInput {
  readonly decision: Decision;
  /** Who decided: an analyst's e-mail or user name. */
  readonly actor: string;
  /** The actor's role; only `analyst` and `admin` decide. */
  readonly role: Role;
  /**
   * The id of the actor's API key (`vgl_<id>_…`). The case checks it against the key store
   * before applying the decision: the key must be active, name the actor and hold the role.
   */
  readonly keyId?: string;
  readonly comment?: string;
  /** For `accept_risk`: days until the acceptance expires and the case comes back. */
  readonly acceptRiskDays?: number;
  /**
   * For `false_positive`: the case came from bad data (a misattributed or corrupt event),
   * not from the detector's judgement, so tuning leaves the verdict out.
   */
  readonly excludeFromLearning?: boolean;
}

/** A proposal to run a playbook on the case; whoever requests it cannot approve it. */
export interface RemediationRequestInput {
  readonly playbookId: string;
  readonly actor: string;
  readonly role: Role;
  /** As on a decision: checked against the key store before the proposal is recorded. */
  readonly keyId?: string;
  readonly comment?: string;
}

export interface CommentInput {
  readonly actor: string;
  readonly text: string;
}

/** The remediation on offer for approval. */
export interface ProposedRemediation {
  readonly playbookId: string;
  readonly playbookVersion: number;
  readonly requestedBy: string;
  readonly requestedAt: string;
  readonly preview: PlaybookPreview;
}

/** One approval of a decision that needs two people. */
export interface Approval {
  readonly decision: Decision;
  readonly actor: string;
  readonly at: string;
}

/** Where the case stands in its escalation. */
export interface EscalationState {
  readonly tier: 1 | 2 | null;
  readonly route: EscalationRoute | null;
  readonly assignee: string | null;
  readonly deadline: string | null;
  readonly failSafe: Decision | null;
}

export interface RecordedDecision extends DecisionInput {
  readonly decidedAt: string;
}

/** The case as the workflow holds it; returned by the `state` query and the `decide` update. */
export interface CaseState {
  readonly caseId: string;
  readonly workflowId: string;
  readonly fingerprint: string;
  readonly identityId: string;
  readonly kind: ExceptionKind;
  readonly severity: Severity;
  readonly status: CaseStatus;
  readonly occurrences: number;
  readonly evidence: Evidence;
  readonly openedAt: string;
  readonly lastOccurrenceAt: string;
  readonly resolvedAt: string | null;
  readonly resolution: Resolution | null;
  readonly disposition: Disposition | null;
  readonly decision: RecordedDecision | null;
  /** Decisions the case accepts in its current state. */
  readonly allowedDecisions: readonly Decision[];
  readonly context: CaseContext | null;
  readonly risk: RiskAssessment | null;
  readonly proposedRemediation: ProposedRemediation | null;
  readonly remediation: RemediationReport | null;
  readonly approvals: readonly Approval[];
  readonly escalation: EscalationState;
  /** For an accepted risk: when it expires and the case comes back for review. */
  readonly acceptedUntil: string | null;
  readonly review: CaseReview | null;
  readonly timeline: readonly TimelineEntry[];
}

/** What the case workflow returns when it closes. */
export interface CaseOutcome {
  readonly caseId: string;
  readonly resolution: Resolution;
  readonly disposition: Disposition;
  readonly decidedBy: string;
  readonly openedAt: string;
  readonly resolvedAt: string;
  readonly occurrences: number;
  /** When a person first acted on the case (comment, approval or decision); null: nobody. */
  readonly acknowledgedAt: string | null;
  /** Feedback for the detector that raised the case, for tuning. */
  readonly feedback: DetectorFeedback;
  /** For an accepted risk: when the acceptance (and its allowance) ends. */
  readonly acceptedUntil?: string | null;
}

/** A labelled verdict on one detector's call, from a resolved case. */
export interface DetectorFeedback {
  readonly caseId: string;
  readonly detector: ExceptionKind;
  readonly identityId: string;
  readonly identityKind: string | null;
  readonly disposition: Disposition;
  readonly resolution: Resolution;
  readonly severity: Severity;
  readonly score: number | null;
  readonly value: string | null;
  /** The baseline dimension of `value`, or the detector's kind. */
  readonly dimension?: string | null;
  /** Left out of tuning (bad data), with the reason. */
  readonly excluded?: boolean;
  readonly reason: string;
  readonly decidedBy: string;
  readonly at: string;
}

/** Failure types the `decide` validator uses; the API maps them to HTTP statuses. */
export const DECISION_REJECTIONS = {
  notAwaitingDecision: 'CaseNotAwaitingDecision',
  notAllowed: 'DecisionNotAllowed',
  invalid: 'InvalidDecision',
  /** The actor's role may not take this decision. */
  roleNotAllowed: 'DecisionRoleNotAllowed',
  /** The actor requested the remediation, or already gave the first of two approvals. */
  sameActor: 'DecisionSameActor',
  /** The key store does not know the actor's key as active, naming the actor, in that role. */
  actorUnverified: 'DecisionActorUnverified',
} as const;
export type DecisionRejection = (typeof DECISION_REJECTIONS)[keyof typeof DECISION_REJECTIONS];
