import {
  ESCALATION_ROUTES,
  type EscalationPolicy,
  type EscalationRoute,
  type EscalationTier,
  type FailSafe,
} from '../../../contracts/src/escalation';
import { SEVERITIES, isOneOf, type Severity } from '../../../contracts/src/vocabulary';
import { MAX_ACCEPT_RISK_DAYS } from '../case-lifecycle';
import {
  problemCollector,
  isRecord,
  unknownFields,
  type ProblemReport,
  type Validation,
  type ValidationProblem,
} from './validate';

const MINUTE = 1;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Who decides a case of each severity, and by when. Tier 1 is the identity's owner (the
 * vendor relationship's owner for a third-party app); tier 2 a SOC queue. When nobody
 * decided by tier 2's deadline, critical and high cases are contained and medium and low
 * ones accepted as a risk for a while, after which the case comes back for review.
 */
export const DEFAULT_ESCALATION_POLICIES: Readonly<Record<Severity, EscalationPolicy>> = {
  critical: {
    severity: 'critical',
    tier1: { route: 'owner', deadlineMinutes: 15 * MINUTE, reminderMinutes: 5 * MINUTE },
    tier2: { route: 'soc_tier2', deadlineMinutes: 30 * MINUTE, reminderMinutes: 10 * MINUTE },
    failSafe: { decision: 'contain', acceptRiskDays: null },
  },
  high: {
    severity: 'high',
    tier1: { route: 'owner', deadlineMinutes: 4 * HOUR, reminderMinutes: 60 * MINUTE },
    tier2: { route: 'soc_tier2', deadlineMinutes: 8 * HOUR, reminderMinutes: 2 * HOUR },
    failSafe: { decision: 'contain', acceptRiskDays: null },
  },
  medium: {
    severity: 'medium',
    tier1: { route: 'owner', deadlineMinutes: 24 * HOUR, reminderMinutes: 4 * HOUR },
    tier2: { route: 'soc_tier1', deadlineMinutes: 48 * HOUR, reminderMinutes: 8 * HOUR },
    failSafe: { decision: 'accept_risk', acceptRiskDays: 30 },
  },
  low: {
    severity: 'low',
    tier1: { route: 'owner', deadlineMinutes: 72 * HOUR, reminderMinutes: 1 * DAY },
    tier2: { route: 'soc_tier1', deadlineMinutes: 96 * HOUR, reminderMinutes: 1 * DAY },
    failSafe: { decision: 'accept_risk', acceptRiskDays: 90 },
  },
};

/** A tier's deadline is at most 30 days, so a case never waits unattended for longer. */
export const MAX_TIER_DEADLINE_MINUTES = 30 * DAY;
export const FAIL_SAFE_DECISIONS = ['contain', 'accept_risk', 'reject'] as const;

/**
 * Checks an escalation policy document and returns it, or every problem found: a known
 * severity, two tiers each with a known route, a whole number of minutes to decide (1 to
 * MAX_TIER_DEADLINE_MINUTES) and a reminder (null, or fewer minutes than the deadline), and
 * a fail-safe decision; `accept_risk` needs how many days the acceptance lasts, the others
 * none. Fields a policy does not have are refused.
 */
export function validateEscalationPolicy(input: unknown): Validation<EscalationPolicy, 'policy'> {
  const errors: ValidationProblem[] = [];
  const problem = problemCollector(errors);
  if (!isRecord(input)) {
    return { ok: false, errors: [{ field: 'body', message: 'a policy must be a JSON object' }] };
  }
  unknownFields(input, ['severity', 'tier1', 'tier2', 'failSafe'], '', problem);
  if (!isOneOf(SEVERITIES, input.severity)) {
    problem('severity', `severity must be one of ${SEVERITIES.join(', ')}`);
  }
  const tier1 = tierOf(input.tier1, 'tier1', problem);
  const tier2 = tierOf(input.tier2, 'tier2', problem);
  const failSafe = failSafeOf(input.failSafe, problem);
  if (errors.length > 0) return { ok: false, errors };
  return {
    ok: true,
    policy: {
      severity: input.severity as Severity,
      tier1: tier1!,
      tier2: tier2!,
      failSafe: failSafe!,
    },
  };
}

function tierOf(value: unknown, at: string, problem: ProblemReport): EscalationTier | undefined {
  if (!isRecord(value)) {
    problem(at, `${at} must be an object with route, deadlineMinutes and reminderMinutes`);
    return undefined;
  }
  const before = problem.count();
  unknownFields(value, ['route', 'deadlineMinutes', 'reminderMinutes'], at, problem);
  const { route, deadlineMinutes, reminderMinutes } = value;
  if (!isOneOf(ESCALATION_ROUTES, route)) {
    problem(`${at}.route`, `${at}.route must be one of ${ESCALATION_ROUTES.join(', ')}`);
  }
  const deadlineOk = wholeNumber(deadlineMinutes, 1, MAX_TIER_DEADLINE_MINUTES);
  if (!deadlineOk) {
    problem(
      `${at}.deadlineMinutes`,
      `${at}.deadlineMinutes must be a whole number of minutes from 1 to ${MAX_TIER_DEADLINE_MINUTES}`,
    );
  }
  if (reminderMinutes !== null) {
    if (!wholeNumber(reminderMinutes, 1, MAX_TIER_DEADLINE_MINUTES)) {
      problem(
        `${at}.reminderMinutes`,
        `${at}.reminderMinutes must be null or a whole number of minutes from 1`,
      );
    } else if (deadlineOk && (reminderMinutes as number) >= (deadlineMinutes as number)) {
      problem(
        `${at}.reminderMinutes`,
        `${at}.reminderMinutes is minutes before the deadline, so it must be less than deadlineMinutes`,
      );
    }
  }
  if (problem.count() > before) return undefined;
  return {
    route: route as EscalationRoute,
    deadlineMinutes: deadlineMinutes as number,
    reminderMinutes: reminderMinutes as number | null,
  };
}

function failSafeOf(value: unknown, problem: ProblemReport): FailSafe | undefined {
  if (!isRecord(value)) {
    problem('failSafe', 'failSafe must be an object with decision and acceptRiskDays');
    return undefined;
  }
  const before = problem.count();
  unknownFields(value, ['decision', 'acceptRiskDays'], 'failSafe', problem);
  const { decision, acceptRiskDays } = value;
  if (!isOneOf(FAIL_SAFE_DECISIONS, decision)) {
    problem(
      'failSafe.decision',
      `failSafe.decision must be one of ${FAIL_SAFE_DECISIONS.join(', ')}`,
    );
  } else if (decision === 'accept_risk') {
    if (!wholeNumber(acceptRiskDays, 1, MAX_ACCEPT_RISK_DAYS)) {
      problem(
        'failSafe.acceptRiskDays',
        `failSafe.acceptRiskDays must be a whole number of days from 1 to ${MAX_ACCEPT_RISK_DAYS} when the decision is accept_risk`,
      );
    }
  } else if (acceptRiskDays !== null && acceptRiskDays !== undefined) {
    problem(
      'failSafe.acceptRiskDays',
      `failSafe.acceptRiskDays must be null when the decision is ${decision}`,
    );
  }
  if (problem.count() > before) return undefined;
  return {
    decision: decision as FailSafe['decision'],
    acceptRiskDays: decision === 'accept_risk' ? (acceptRiskDays as number) : null,
  };
}

function wholeNumber(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;
}
