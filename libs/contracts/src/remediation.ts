import type { Criticality, ExceptionKind, IdentityKind, Severity } from './vocabulary';

/** What a remediation step does to an identity. */
export const REMEDIATION_ACTIONS = [
  'rotate_credential',
  'revoke_scope',
  'suspend_identity',
  'block_tool',
  'realign_rotation_schedule',
  'notify_vendor_owner',
] as const;
export type RemediationAction = (typeof REMEDIATION_ACTIONS)[number];

/**
 * Where a step is carried out: `internal` acts on Vigil's own inventory (suspension, blocked
 * tools, revoked scopes); `webhook` POSTs the action to
 * the configured remediation endpoint, signed per the Standard Webhooks spec.
 */
export const CONNECTOR_KINDS = ['internal', 'webhook'] as const;
export type ConnectorKind = (typeof CONNECTOR_KINDS)[number];

export interface PlaybookStep {
  /** Unique within the playbook; with the case id it is the step's idempotency key. */
  readonly name: string;
  readonly action: RemediationAction;
  readonly connector: ConnectorKind;
  /**
   * The action's target, each value a literal or a `{{path}}` into the case:
   * `{{identityId}}`, `{{value}}` (the deviating value), `{{evidence.<key>}}`,
   * `{{identity.<field>}}`.
   */
  readonly params: Readonly<Record<string, string>>;
  /** Read the effect back after the step; an unverified step fails the remediation. */
  readonly verify: boolean;
  /** Undo the step when a later step fails; false for effects that cannot be undone. */
  readonly compensate: boolean;
}

/** The most a case may be for a playbook to run without a human. */
export interface AutoCeiling {
  readonly maxSeverity: Severity;
  readonly maxCriticality: Criticality;
}

export interface Playbook {
  readonly id: string;
  readonly version: number;
  readonly title: string;
  readonly description: string;
  /** The exceptions it remediates: these kinds, on these identity kinds (empty: any). */
  readonly matches: {
    readonly kinds: readonly ExceptionKind[];
    readonly identityKinds: readonly IdentityKind[];
    /**
     * The deviating value must be of one of these dimensions (`scope`, `tool`, `resource`,
     * `decision`, …), as the exception's kind and evidence tell; absent or empty: any.
     */
    readonly dimensions?: readonly string[];
  };
  readonly steps: readonly PlaybookStep[];
  /** null: never automatic; the playbook runs only when an analyst approves it. */
  readonly autoCeiling: AutoCeiling | null;
  /** Also the containment for the identity when an analyst decides `contain`. */
  readonly containment: boolean;
}

/** One step as a connector receives it: resolved parameters and the idempotency key. */
export interface RemediationStepRequest {
  readonly caseId: string;
  readonly playbookId: string;
  readonly playbookVersion: number;
  readonly step: string;
  /** `<caseId>:<step>`: the same key on every retry, so the effect happens once. */
  readonly idempotencyKey: string;
  readonly action: RemediationAction;
  readonly connector: ConnectorKind;
  readonly identityId: string;
  readonly params: Readonly<Record<string, string>>;
}

export interface RemediationStepResult {
  /** `applied`: done now; `already_applied`: an earlier attempt with the same key did it. */
  readonly status: 'applied' | 'already_applied';
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface VerificationResult {
  readonly verified: boolean;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** Failure types of remediation activities; the workflow treats them as permanent. */
export const REMEDIATION_FAILURES = {
  /** The target refused the action (unknown identity, forbidden, invalid request). */
  rejected: 'RemediationRejected',
  /** No connector is configured for the step. */
  notConfigured: 'ConnectorNotConfigured',
} as const;

/** What a remediation run did, step by step; kept on the case. */
export interface RemediationReport {
  readonly playbookId: string;
  readonly playbookVersion: number;
  readonly trigger: 'automatic' | 'approved' | 'containment';
  readonly outcome: 'succeeded' | 'failed' | 'unverified';
  readonly steps: readonly {
    readonly step: string;
    readonly action: RemediationAction;
    readonly status: 'applied' | 'already_applied' | 'failed' | 'compensated' | 'not_compensated';
    readonly detail: Readonly<Record<string, unknown>>;
  }[];
  /** The failure that stopped the run, when it failed. */
  readonly failure: {
    readonly step: string;
    readonly message: string;
    readonly type: string;
  } | null;
}

/** A dry run: what the playbook would do for this case, resolved, without doing it. */
export interface PlaybookPreview {
  readonly playbookId: string;
  readonly playbookVersion: number;
  readonly automatic: boolean;
  /** Why it would (not) run on its own: the ceiling against the case. */
  readonly ceiling: string;
  readonly steps: readonly (Omit<RemediationStepRequest, 'caseId' | 'idempotencyKey'> & {
    readonly verify: boolean;
    readonly compensate: boolean;
  })[];
}
