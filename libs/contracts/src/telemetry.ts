import type {
  Criticality,
  ExceptionKind,
  IdentityKind,
  IdentityStatus,
  Sensitivity,
  Severity,
} from './vocabulary';

/** Event types Vigil's detectors understand; other dotted types are kept and baselined too. */
export const KNOWN_EVENT_TYPES = [
  'token.used',
  'credential.rotated',
  'certificate.renewed',
  'tool.invoked',
  'privilege.elevated',
  'secret.accessed',
  'scope.requested',
  'record.accessed',
  'policy.decision',
  'auth.failed',
  'api.called',
] as const;
export type KnownEventType = (typeof KNOWN_EVENT_TYPES)[number];

export const EVENT_OUTCOMES = ['allowed', 'denied', 'error'] as const;
export type EventOutcome = (typeof EVENT_OUTCOMES)[number];

export interface EventSource {
  readonly ip?: string;
  readonly userAgent?: string;
  /** Host or workload the call came from (node name, pod, instance id). */
  readonly host?: string;
  /** Environment the call came from (prod, staging, …), when the shipper knows it. */
  readonly environment?: string;
}

/** One piece of NHI telemetry, as `POST /v1/events` takes it (after validation). */
export interface TelemetryEvent {
  /** Unique per event: a resent event is counted once. */
  readonly id: string;
  /** ISO-8601 with a time zone. */
  readonly time: string;
  readonly identityId: string;
  readonly type: string;
  readonly action: string | null;
  readonly resource: string | null;
  readonly scope: string | null;
  readonly source: EventSource;
  readonly outcome: EventOutcome | null;
  readonly attributes: Readonly<Record<string, unknown>>;
}

export interface ResourceSensitivityTier {
  /** Glob over resource names: `*` matches any run of characters. */
  readonly pattern: string;
  readonly sensitivity: Sensitivity;
}

/** What the identity's owner declared it may do. */
export interface IdentityPolicy {
  readonly rotationPeriodDays: number | null;
  readonly rotationToleranceDays: number | null;
  /**
   * How long a certificate issued to this identity is valid, in days. Its expiry is the
   * last observed renewal (`certificate.renewed`; never renewed: its first event, else its
   * declaration) plus this; the certificate sweep flags it inside its renewal window.
   * Absent or null: no expiry is tracked.
   */
  readonly certificateValidityDays?: number | null;
  /** Globs; empty means no declaration (nothing is a policy violation). */
  readonly allowedScopes: readonly string[];
  readonly allowedTools: readonly string[];
  readonly resourceSensitivity: readonly ResourceSensitivityTier[];
}

export interface Identity {
  readonly id: string;
  readonly kind: IdentityKind;
  readonly owner: string | null;
  readonly team: string | null;
  /** Third-party vendor for OAuth apps and vendor-run integrations. */
  readonly vendor: string | null;
  readonly criticality: Criticality;
  readonly environment: string | null;
  readonly policy: IdentityPolicy;
  readonly status: IdentityStatus;
}

/** OWASP Top 10 for Non-Human Identities (2025). */
export const OWASP_NHI = {
  NHI1: 'Improper Offboarding',
  NHI2: 'Secret Leakage',
  NHI3: 'Vulnerable Third-Party NHI',
  NHI4: 'Insecure Authentication',
  NHI5: 'Overprivileged NHI',
  NHI6: 'Insecure Cloud Deployment Configurations',
  NHI7: 'Long-Lived Secrets',
  NHI8: 'Environment Isolation',
  NHI9: 'NHI Reuse',
  NHI10: 'Human Use of NHI',
} as const;
export type OwaspNhiCategory = keyof typeof OWASP_NHI;

/** A detector's finding on one event: what deviated, how much, and why. */
export interface Deviation {
  readonly kind: ExceptionKind;
  /** In [0, 1]: how far outside the baseline or policy. */
  readonly score: number;
  readonly reason: string;
  /** The deviating value (a scope, a tool, a host…), part of the fingerprint. */
  readonly value: string;
  readonly evidence: Readonly<Record<string, unknown>>;
  readonly owasp: OwaspNhiCategory;
  /** NIST CSF 2.0 subcategory, e.g. `DE.CM-09`. */
  readonly nist: string;
  /** Policy violations escalate even while an identity's baseline is still learning. */
  readonly policyViolation: boolean;
}

/** A deviation that passed its detector's threshold: it becomes a case. */
export interface RaisedException {
  readonly deviation: Deviation;
  readonly identityId: string;
  readonly severity: Severity;
  readonly fingerprint: string;
  readonly eventId: string;
  /** The detector's threshold the score crossed, as in force for this identity. */
  readonly threshold?: number;
}
