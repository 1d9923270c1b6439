import type { Decision, Severity } from './vocabulary';

/** Who a tier notifies and assigns the case to. */
export const ESCALATION_ROUTES = ['owner', 'team', 'soc_tier1', 'soc_tier2'] as const;
export type EscalationRoute = (typeof ESCALATION_ROUTES)[number];

export interface EscalationTier {
  /**
   * `owner`: the identity's owner, or the vendor relationship's owner for a third-party
   * app; `team`: the identity's team; `soc_tier1` / `soc_tier2`: the SOC's queues.
   */
  readonly route: EscalationRoute;
  /** How long the tier has to decide, in minutes. */
  readonly deadlineMinutes: number;
  /** A reminder this many minutes before the deadline; null: none. */
  readonly reminderMinutes: number | null;
}

/** What the case does when nobody decided by the last deadline. */
export interface FailSafe {
  readonly decision: Extract<Decision, 'contain' | 'accept_risk' | 'reject'>;
  /** For `accept_risk`: how long the acceptance lasts before the case comes back. */
  readonly acceptRiskDays: number | null;
}

export interface EscalationPolicy {
  readonly severity: Severity;
  readonly tier1: EscalationTier;
  readonly tier2: EscalationTier;
  readonly failSafe: FailSafe;
}

export const NOTIFICATION_TYPES = [
  'case_escalated',
  'case_reminder',
  'case_re_escalated',
  'case_expired_default',
  'remediation_failed',
  'vendor_notice',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/** One notification of a case, sent to the configured webhook and Slack-compatible endpoints. */
export interface CaseNotification {
  /** `<caseId>:<event>`: the webhook-id, so a retried send is recognisable as a repeat. */
  readonly idempotencyKey: string;
  readonly type: NotificationType;
  readonly caseId: string;
  readonly workflowId: string;
  readonly identityId: string;
  readonly kind: string;
  readonly severity: Severity;
  readonly tier: 1 | 2 | null;
  /** Who it is for: an address (owner, vendor owner) or a queue name. */
  readonly recipient: string;
  readonly summary: string;
  /** ISO-8601 deadline of the current tier, when there is one. */
  readonly deadline: string | null;
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface NotificationReceipt {
  /** Channels that accepted it; a channel that is not configured is skipped, not failed. */
  readonly delivered: readonly ('webhook' | 'slack')[];
  readonly skipped: readonly ('webhook' | 'slack')[];
}
