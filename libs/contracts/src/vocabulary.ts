/**
 * The words of the domain, shared by the API, the workflows, the activities, the database
 * and the Temporal search attributes. Each list is the single source of its allowed values.
 */

export const IDENTITY_KINDS = [
  'service_account',
  'api_key',
  'oauth_app',
  'certificate',
  'workload',
  'ai_agent',
  // Seen in telemetry before anyone registered it.
  'unclassified',
] as const;
export type IdentityKind = (typeof IDENTITY_KINDS)[number];

export const IDENTITY_STATUSES = ['active', 'suspended', 'retired'] as const;
export type IdentityStatus = (typeof IDENTITY_STATUSES)[number];

/** How much harm misuse of a resource does; declared per identity as pattern tiers. */
export const SENSITIVITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Sensitivity = (typeof SENSITIVITIES)[number];

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const CRITICALITIES = SEVERITIES;
export type Criticality = Severity;

export const CASE_STATUSES = [
  'open',
  'triaging',
  'remediating',
  'awaiting_decision',
  'escalated',
  'resolved',
] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const RESOLUTIONS = [
  'auto_remediated',
  'remediated_on_approval',
  'contained',
  'accepted_risk',
  'false_positive',
  'rejected',
  'expired_default',
] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

/** What an API key (or a decision's actor) may do; `admin` may do everything. */
export const ROLES = ['ingest', 'analyst', 'admin', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export const DECISIONS = [
  'approve_remediation',
  'reject',
  'contain',
  'accept_risk',
  'false_positive',
] as const;
export type Decision = (typeof DECISIONS)[number];

export const DISPOSITIONS = [
  'true_positive',
  'benign_expected',
  'false_positive',
  'undetermined',
] as const;
export type Disposition = (typeof DISPOSITIONS)[number];

/**
 * Exception kinds: what deviated. Detectors raise the first group; sweeps the second;
 * automation may also report findings of its own as `external_finding`.
 */
export const EXCEPTION_KINDS = [
  'novel_scope',
  'novel_tool',
  'novel_resource',
  'rate_spike',
  'off_hours',
  'privilege_elevation',
  'rotation_outside_window',
  'renewal_outside_window',
  'policy_violation',
  'unusual_record_set',
  'human_use',
  'credential_reuse',
  'cross_environment',
  'unclassified_identity',
  'rotation_overdue',
  'certificate_expiring',
  'telemetry_gap',
  'unused_privilege',
  'dormant_identity',
  'external_finding',
] as const;
export type ExceptionKind = (typeof EXCEPTION_KINDS)[number];

export function isOneOf<T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (values as readonly string[]).includes(value);
}
