import {
  DECISION_REJECTIONS,
  type DecisionInput,
  type DecisionRejection,
} from '../../contracts/src/case';
import {
  DECISIONS,
  isOneOf,
  type CaseStatus,
  type Decision,
  type Disposition,
  type Resolution,
} from '../../contracts/src/vocabulary';

/** Status changes a case may make; anything else is a programming error. */
const TRANSITIONS: Readonly<Record<CaseStatus, readonly CaseStatus[]>> = {
  open: ['triaging', 'remediating', 'awaiting_decision', 'resolved'],
  triaging: ['remediating', 'awaiting_decision', 'resolved'],
  remediating: ['awaiting_decision', 'resolved'],
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

/**
 * Why a decision cannot be taken now, or null when it can. Runs in the update validator,
 * so it must be pure: a refused decision never reaches the workflow's history.
 */
export function refuseDecision(
  status: CaseStatus,
  capabilities: DecisionCapabilities,
  input: unknown,
): DecisionRefusal | null {
  const shapeProblem = checkDecisionShape(input);
  if (shapeProblem) return { type: DECISION_REJECTIONS.invalid, message: shapeProblem };
  const { decision } = input as DecisionInput;
  if (!isAwaitingDecision(status)) {
    return {
      type: DECISION_REJECTIONS.notAwaitingDecision,
      message: `case is ${status}, not awaiting a decision`,
    };
  }
  if (!allowedDecisions(status, capabilities).includes(decision)) {
    const reason =
      decision === 'approve_remediation'
        ? 'no remediation has been proposed for this case'
        : 'no containment action is available for this identity';
    return { type: DECISION_REJECTIONS.notAllowed, message: `${decision}: ${reason}` };
  }
  return null;
}

function checkDecisionShape(input: unknown): string | null {
  if (typeof input !== 'object' || input === null) return 'decision input must be an object';
  const { decision, actor, comment } = input as Record<string, unknown>;
  if (!isOneOf(DECISIONS, decision)) {
    return `decision must be one of ${DECISIONS.join(', ')}`;
  }
  if (typeof actor !== 'string' || actor.trim() === '' || actor.length > MAX_ACTOR_LENGTH) {
    return `actor must be a non-empty string of at most ${MAX_ACTOR_LENGTH} characters`;
  }
  if (
    comment !== undefined &&
    (typeof comment !== 'string' || comment.length > MAX_COMMENT_LENGTH)
  ) {
    return `comment must be a string of at most ${MAX_COMMENT_LENGTH} characters`;
  }
  return null;
}
