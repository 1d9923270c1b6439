import type {
  CaseStatus,
  Decision,
  Disposition,
  ExceptionKind,
  Resolution,
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
}

export const TIMELINE_ENTRY_TYPES = [
  'opened',
  'occurrence',
  'severity_raised',
  'status_changed',
  'decision',
  'resolved',
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
  readonly comment?: string;
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
}

/** Failure types the `decide` validator uses; the API maps them to HTTP statuses. */
export const DECISION_REJECTIONS = {
  notAwaitingDecision: 'CaseNotAwaitingDecision',
  notAllowed: 'DecisionNotAllowed',
  invalid: 'InvalidDecision',
} as const;
export type DecisionRejection = (typeof DECISION_REJECTIONS)[keyof typeof DECISION_REJECTIONS];
