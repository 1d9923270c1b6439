import type { CaseOutcome, CaseState, ExceptionReport, TimelineEntry } from './case';
import type { CaseContext } from './context';
import type { CaseNotification, EscalationPolicy, NotificationReceipt } from './escalation';
import type {
  Playbook,
  RemediationStepRequest,
  RemediationStepResult,
  VerificationResult,
} from './remediation';
import type { Role, Severity } from './vocabulary';

/** The case row as the read model stores it: the workflow state without the timeline. */
export type CaseSnapshot = Omit<CaseState, 'timeline'> & {
  /** Counts every change the workflow made to the case; rows only ever move forward. */
  readonly revision: number;
};

/**
 * What the journal records. Its `snapshot.context` is sent once, in the first snapshot after
 * the context is gathered, and null afterwards: null leaves the recorded context as it is.
 */
export interface RecordCaseProgressInput {
  readonly snapshot: CaseSnapshot;
  readonly entries: readonly TimelineEntry[];
}

export interface GatherContextInput {
  readonly caseId: string;
  readonly workflowId: string;
  readonly report: ExceptionReport;
}

export interface CasePlanInput {
  readonly caseId: string;
  readonly report: ExceptionReport;
  readonly severity: Severity;
  readonly identityKind: string | null;
}

/** The playbook that matches the case (if any) and the escalation policy for its severity. */
export interface CasePlan {
  readonly playbook: Playbook | null;
  /** The identity's containment playbook, offered as `contain`; null when none applies. */
  readonly containment: Playbook | null;
  readonly escalation: EscalationPolicy;
}

/**
 * Activities the case workflow calls. Implementations live in activities/; workflows only
 * see this interface through proxyActivities.
 */
/** Who a decision or proposal says acts: a name, a role and the id of their API key. */
export interface ActorClaim {
  readonly actor: string;
  readonly role: Role;
  readonly keyId: string;
}

export interface CaseActivities {
  recordCaseProgress(input: RecordCaseProgressInput): Promise<void>;
  recordCaseOutcome(outcome: CaseOutcome): Promise<void>;
  gatherCaseContext(input: GatherContextInput): Promise<CaseContext>;
  planCase(input: CasePlanInput): Promise<CasePlan>;
  /** A playbook by id: the given version, or the active one when version is null. */
  loadPlaybook(input: { id: string; version: number | null }): Promise<Playbook | null>;
  executeRemediationStep(request: RemediationStepRequest): Promise<RemediationStepResult>;
  verifyRemediationStep(request: RemediationStepRequest): Promise<VerificationResult>;
  compensateRemediationStep(request: RemediationStepRequest): Promise<RemediationStepResult>;
  notifyCase(notification: CaseNotification): Promise<NotificationReceipt>;
  /** Ends the allowances a case's accepted risk put in the baseline; returns how many. */
  lapseAllowances(input: { caseId: string }): Promise<number>;
  /**
   * Checks who claims to act on a case against the API key store: null when the key is
   * active, names the actor and holds the role; otherwise why not.
   */
  verifyActor(claim: ActorClaim): Promise<string | null>;
}
