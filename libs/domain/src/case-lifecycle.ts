import {
  DECISION_REJECTIONS,
  type Approval,
  type DecisionInput,
  type DecisionRejection,
} from '../../contracts/src/case';
import {
  DECISIONS,
  ROLES,
  isOneOf,
  type CaseStatus,
  type Decision,
  type Disposition,
  type Resolution,
  type Role,
  type Severity,
} from '../../contracts/src/vocabulary';

/** Status changes a case may make; anything else is a programming error. */
const TRANSITIONS: Readonly<Record<CaseStatus, readonly CaseStatus[]>> = {
  open: ['triaging', 'remediating', 'awaiting_decision', 'resolved'],
  triaging: ['remediating', 'awaiting_decision', 'resolved'],
  remediating: ['awaiting_decision', 'escalated', 'resolved'],
  awaiting_decision: ['escalated', 'remediating', 'resolved'],
  escalated: ['remediating', 'resolved'],
  resolved: [],
};

export function canTransition(from: CaseStatus, to: CaseStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isAwaitingDecision(status: CaseStatus): boolean {
  return status === 'awaiting_decision' || status === 'escalated';
}

/** What each decision resolves the case as, and what it says about the detector's call. */
const DECISION_OUTCOMES: Readonly<
  Record<Decision, { resolution: Resolution; disposition: Disposition }>
> = {
  approve_remediation: { resolution: 'remediated_on_approval', disposition: 'true_positive' },
  contain: { resolution: 'contained', disposition: 'true_positive' },
  reject: { resolution: 'rejected', disposition: 'undetermined' },
  accept_risk: { resolution: 'accepted_risk', disposition: 'benign_expected' },
  false_positive: { resolution: 'false_positive', disposition: 'false_positive' },
};

export function outcomeOf(decision: Decision): {
  resolution: Resolution;
  disposition: Disposition;
} {
  return DECISION_OUTCOMES[decision];
}

/** What the case can act on: which responses exist for it at all. */
export interface DecisionCapabilities {
  /** A remediation has been proposed for approval. */
  readonly remediationProposed: boolean;
  /** A containment action exists for the identity. */
  readonly containmentAvailable: boolean;
}

export function allowedDecisions(
  status: CaseStatus,
  capabilities: DecisionCapabilities,
): Decision[] {
  if (!isAwaitingDecision(status)) return [];
  return DECISIONS.filter((decision) => {
    if (decision === 'approve_remediation') return capabilities.remediationProposed;
    if (decision === 'contain') return capabilities.containmentAvailable;
    return true;
  });
}

export interface DecisionRefusal {
  readonly type: DecisionRejection;
  readonly message: string;
}

export const MAX_ACTOR_LENGTH = 200;
export const MAX_COMMENT_LENGTH = 4000;
export const MAX_ACCEPT_RISK_DAYS = 365;

/** What the validator needs to know about the case to judge a decision. */
export interface DecisionFacts {
  readonly status: CaseStatus;
  readonly severity: Severity;
  readonly capabilities: DecisionCapabilities;
  /** Who asked for the remediation on offer ('vigil' when a playbook matched on its own). */
  readonly remediationRequestedBy: string | null;
  /** First approvals already given to decisions that need two people. */
  readonly approvals: readonly Approval[];
}

/** Roles that decide cases: analysts, and admins (who may do everything). */
export const DECIDING_ROLES: readonly Role[] = ['analyst', 'admin'];

/**
 * Decisions that act on an identity need a second person on a critical case: one approval
 * is recorded, a different actor's completes it.
 */
export function approvalsNeeded(severity: Severity, decision: Decision): 1 | 2 {
  return severity === 'critical' && (decision === 'approve_remediation' || decision === 'contain')
    ? 2
    : 1;
}

/**
 * Why a decision cannot be taken now, or null when it can. Runs in the update validator,
 * so it must be pure: a refused decision never reaches the workflow's history. The rules:
 * - only a case awaiting a decision (or escalated) takes one, and only a decision the case
 *   has something for (a proposed remediation; a containment for the identity);
 * - only `analyst` and `admin` decide; accepting the risk of a critical case is `admin`'s;
 * - whoever requested a remediation cannot approve it;
 * - on a critical case, approving a remediation or containing needs two distinct people.
 */
export function refuseDecision(
  facts: DecisionFacts,
  input: unknown,
  /**
   * Whether the input must name the actor's key. Validators require it; a handler judging a
   * decision again later does not, since decisions accepted before keys existed replay
   * through it.
   */
  options: { readonly requireKey: boolean } = { requireKey: true },
): DecisionRefusal | null {
  const shapeProblem = checkDecisionShape(input, options.requireKey);
  if (shapeProblem) return { type: DECISION_REJECTIONS.invalid, message: shapeProblem };
  const { decision, actor, role } = input as DecisionInput;
  if (!isAwaitingDecision(facts.status)) {
    return {
      type: DECISION_REJECTIONS.notAwaitingDecision,
      message: `case is ${facts.status}, not awaiting a decision`,
    };
  }
  if (!allowedDecisions(facts.status, facts.capabilities).includes(decision)) {
    const reason =
      decision === 'approve_remediation'
        ? 'no remediation has been proposed for this case'
        : 'no containment action is available for this identity';
    return { type: DECISION_REJECTIONS.notAllowed, message: `${decision}: ${reason}` };
  }
  if (!DECIDING_ROLES.includes(role)) {
    return {
      type: DECISION_REJECTIONS.roleNotAllowed,
      message: `role ${role} cannot decide cases; analysts and admins can`,
    };
  }
  if (decision === 'accept_risk' && facts.severity === 'critical' && role !== 'admin') {
    return {
      type: DECISION_REJECTIONS.roleNotAllowed,
      message: 'accepting the risk of a critical case needs the admin role',
    };
  }
  if (decision === 'approve_remediation' && facts.remediationRequestedBy === actor) {
    return {
      type: DECISION_REJECTIONS.sameActor,
      message: `${actor} requested this remediation and cannot also approve it`,
    };
  }
  if (
    approvalsNeeded(facts.severity, decision) === 2 &&
    facts.approvals.some((a) => a.decision === decision && a.actor === actor)
  ) {
    return {
      type: DECISION_REJECTIONS.sameActor,
      message: `${decision} on a critical case needs a second person; ${actor} already approved`,
    };
  }
  return null;
}

/** Why a remediation request cannot be taken now, or null. */
export function refuseRemediationRequest(
  status: CaseStatus,
  input: unknown,
): DecisionRefusal | null {
  if (typeof input !== 'object' || input === null) {
    return { type: DECISION_REJECTIONS.invalid, message: 'request must be an object' };
  }
  const { playbookId, actor, role, keyId, comment } = input as Record<string, unknown>;
  if (typeof playbookId !== 'string' || !/^[a-z0-9-]{1,64}$/.test(playbookId)) {
    return { type: DECISION_REJECTIONS.invalid, message: 'playbookId must name a playbook' };
  }
  const actorProblem = checkActor(actor, role, keyId, comment);
  if (actorProblem) return { type: DECISION_REJECTIONS.invalid, message: actorProblem };
  if (!DECIDING_ROLES.includes(role as Role)) {
    return {
      type: DECISION_REJECTIONS.roleNotAllowed,
      message: `role ${String(role)} cannot request remediations; analysts and admins can`,
    };
  }
  if (!isAwaitingDecision(status)) {
    return {
      type: DECISION_REJECTIONS.notAwaitingDecision,
      message: `case is ${status}, not awaiting a decision`,
    };
  }
  return null;
}

/** The id part of an API key, `vgl_<id>_<secret>`. */
const KEY_ID_PATTERN = /^[a-z0-9]{8,32}$/;

function checkActor(
  actor: unknown,
  role: unknown,
  keyId: unknown,
  comment: unknown,
  requireKey = true,
): string | null {
  if (typeof actor !== 'string' || actor.trim() === '' || actor.length > MAX_ACTOR_LENGTH) {
    return `actor must be a non-empty string of at most ${MAX_ACTOR_LENGTH} characters`;
  }
  if (!isOneOf(ROLES, role)) return `role must be one of ${ROLES.join(', ')}`;
  const keyGiven = typeof keyId === 'string' && KEY_ID_PATTERN.test(keyId);
  if (!keyGiven && (requireKey || keyId !== undefined)) {
    return 'keyId must be the id of the actor’s API key (the <id> of vgl_<id>_<secret>)';
  }
  if (
    comment !== undefined &&
    (typeof comment !== 'string' || comment.length > MAX_COMMENT_LENGTH)
  ) {
    return `comment must be a string of at most ${MAX_COMMENT_LENGTH} characters`;
  }
  return null;
}

function checkDecisionShape(input: unknown, requireKey: boolean): string | null {
  if (typeof input !== 'object' || input === null) return 'decision input must be an object';
  const { decision, actor, role, keyId, comment, acceptRiskDays, excludeFromLearning } =
    input as Record<string, unknown>;
  if (!isOneOf(DECISIONS, decision)) {
    return `decision must be one of ${DECISIONS.join(', ')}`;
  }
  const actorProblem = checkActor(actor, role, keyId, comment, requireKey);
  if (actorProblem) return actorProblem;
  if (acceptRiskDays !== undefined) {
    if (decision !== 'accept_risk') return 'acceptRiskDays applies to accept_risk only';
    if (
      typeof acceptRiskDays !== 'number' ||
      !Number.isInteger(acceptRiskDays) ||
      acceptRiskDays < 1 ||
      acceptRiskDays > MAX_ACCEPT_RISK_DAYS
    ) {
      return `acceptRiskDays must be a whole number of days from 1 to ${MAX_ACCEPT_RISK_DAYS}`;
    }
  }
  if (excludeFromLearning !== undefined) {
    if (typeof excludeFromLearning !== 'boolean') return 'excludeFromLearning must be a boolean';
    if (excludeFromLearning && decision !== 'false_positive') {
      return 'excludeFromLearning applies to false_positive only';
    }
  }
  return null;
}

/** Whether a comment signal is well-formed; malformed ones are dropped with a log line. */
export function checkComment(input: unknown): string | null {
  if (typeof input !== 'object' || input === null) return 'comment must be an object';
  const { actor, text } = input as Record<string, unknown>;
  if (typeof actor !== 'string' || actor.trim() === '' || actor.length > MAX_ACTOR_LENGTH) {
    return `actor must be a non-empty string of at most ${MAX_ACTOR_LENGTH} characters`;
  }
  if (typeof text !== 'string' || text.trim() === '' || text.length > MAX_COMMENT_LENGTH) {
    return `text must be a non-empty string of at most ${MAX_COMMENT_LENGTH} characters`;
  }
  return null;
}
