import type { Deviation, IdentityPolicy } from '../../../contracts/src/telemetry';
import { DAY_MS } from '../baseline/event-view';
import type { LifecycleKind } from '../baseline/types';
import type { DetectionContext } from './context';
import { deviation, isoDay, isoTime, round } from './scoring';

/** When a policy declares a period but no tolerance: 10% of the period, at least a day. */
export function rotationToleranceDays(policy: IdentityPolicy): number {
  const period = policy.rotationPeriodDays ?? 0;
  const declared = policy.rotationToleranceDays;
  if (declared !== null && declared !== undefined && declared >= 0) return declared;
  return Math.max(1, period * 0.1);
}

function declaredPeriodDays(policy: IdentityPolicy): number | null {
  const period = policy.rotationPeriodDays;
  return period !== null && period !== undefined && period > 0 ? period : null;
}

const WORDS: Record<LifecycleKind, { noun: string; verb: string }> = {
  rotation: { noun: 'rotation', verb: 'rotated' },
  renewal: { noun: 'renewal', verb: 'renewed' },
};

/**
 * A rotation or renewal whose distance from the previous one falls outside the declared
 * period ± tolerance, or, with no declaration, outside the learned (median) interval
 * ± half of it (at least a day). Too early suggests a manual or unauthorised intervention;
 * too late, automation drift. The first observed moment only sets the reference.
 * Against a declared period this is a policy violation (it escalates while learning);
 * against a learned interval it is not.
 */
function outsideWindow(
  ctx: DetectionContext,
  kind: LifecycleKind,
  exceptionKind: 'rotation_outside_window' | 'renewal_outside_window',
): Deviation | null {
  if (ctx.view.lifecycle !== kind) return null;
  const previous = ctx.baseline.lastMoment(kind);
  const t = ctx.eventTimeMs;
  if (previous === null || t <= previous) return null;
  const interval = t - previous;
  const policy = ctx.identity.policy;
  const declared = declaredPeriodDays(policy);
  let expected: number;
  let tolerance: number;
  if (declared !== null) {
    expected = declared * DAY_MS;
    tolerance = rotationToleranceDays(policy) * DAY_MS;
  } else {
    const typical = ctx.baseline.typicalInterval(kind);
    if (typical === null) return null;
    expected = typical;
    tolerance = Math.max(typical / 2, DAY_MS);
  }
  const low = expected - tolerance;
  const high = expected + tolerance;
  if (interval >= low && interval <= high) return null;
  const early = interval < low;
  const excess = early ? low - interval : interval - high;
  const base = declared !== null ? 0.6 : 0.5;
  const score = base + 0.4 * Math.min(1, excess / expected);
  const { noun, verb } = WORDS[kind];
  const days = round(interval / DAY_MS, 1);
  const window = `${round(low / DAY_MS, 1)}–${round(high / DAY_MS, 1)} days`;
  const source = declared !== null ? 'declared' : 'learned';
  const reason = early
    ? `${ctx.identity.id} was ${verb} ${days} days after its previous ${noun}, earlier than ` +
      `its ${source} window of ${window}: confirm who ${verb} it and why (an unplanned ` +
      `${noun} can be an intervention outside the automation).`
    : `${ctx.identity.id} was ${verb} ${days} days after its previous ${noun}, later than ` +
      `its ${source} window of ${window}: the ${noun} automation may be drifting or failing.`;
  return deviation(
    exceptionKind,
    score,
    reason,
    isoDay(t),
    {
      kind,
      at: isoTime(t),
      previousAt: isoTime(previous),
      intervalDays: days,
      expectedDays: round(expected / DAY_MS, 1),
      toleranceDays: round(tolerance / DAY_MS, 1),
      direction: early ? 'early' : 'late',
      expectation: source,
    },
    declared !== null,
  );
}

export function rotationOutsideWindow(ctx: DetectionContext): Deviation | null {
  return outsideWindow(ctx, 'rotation', 'rotation_outside_window');
}

export function renewalOutsideWindow(ctx: DetectionContext): Deviation | null {
  return outsideWindow(ctx, 'renewal', 'renewal_outside_window');
}

/** When a credential falls due for rotation under its declared policy. */
export interface RotationDue {
  readonly periodDays: number;
  readonly toleranceDays: number;
  /** The latest rotation or renewal; null when none was ever observed. */
  readonly lastRotationAt: number | null;
  /** What the period counts from: the last rotation, else the identity's first event. */
  readonly referenceAt: number;
  /** Reference + period + tolerance: later than this, the credential is overdue. */
  readonly dueAt: number;
}

/**
 * The rotation deadline of an identity with a declared period, from its last rotation or
 * renewal (never rotated: its first event); null without a declared period or any history.
 * Shared by the event detector (on use) and the rotation sweep (on a timer).
 */
export function rotationDue(
  policy: IdentityPolicy,
  history: {
    readonly lastRotation: number | null;
    readonly lastRenewal: number | null;
    readonly firstEventAt: number | null;
  },
): RotationDue | null {
  const period = declaredPeriodDays(policy);
  if (period === null) return null;
  const { lastRotation: rotated, lastRenewal: renewed } = history;
  const last = rotated === null ? renewed : renewed === null ? rotated : Math.max(rotated, renewed);
  const reference = last ?? history.firstEventAt;
  if (reference === null) return null;
  const tolerance = rotationToleranceDays(policy);
  return {
    periodDays: period,
    toleranceDays: tolerance,
    lastRotationAt: last,
    referenceAt: reference,
    dueAt: reference + (period + tolerance) * DAY_MS,
  };
}

/** What a credential overdue at `t` is reported with: score, reason, value and evidence. */
export interface OverdueRotation {
  readonly score: number;
  readonly reason: string;
  /** The reference date: one case per overdue credential, a rotation starts afresh. */
  readonly value: string;
  readonly evidence: Record<string, unknown>;
}

export function overdueRotation(identityId: string, due: RotationDue, t: number): OverdueRotation {
  const { periodDays: period, toleranceDays: tolerance, lastRotationAt: last } = due;
  const overdueDays = (t - due.dueAt) / DAY_MS;
  const ageDays = round((t - due.referenceAt) / DAY_MS, 1);
  return {
    score: 0.6 + 0.4 * Math.min(1, overdueDays / period),
    reason:
      last !== null
        ? `${identityId} is still in use ${ageDays} days after its last rotation; its ` +
          `policy requires rotation every ${period} days (±${tolerance}). Rotate it.`
        : `${identityId} has been in use for ${ageDays} days without a recorded rotation; ` +
          `its policy requires rotation every ${period} days (±${tolerance}). Rotate it.`,
    value: `${last !== null ? 'rotated' : 'since'}-${isoDay(due.referenceAt)}`,
    evidence: {
      lastRotationAt: last === null ? null : isoTime(last),
      referenceAt: isoTime(due.referenceAt),
      dueAt: isoTime(due.dueAt),
      ageDays,
      overdueDays: round(overdueDays, 1),
      rotationPeriodDays: period,
      rotationToleranceDays: tolerance,
    },
  };
}

/**
 * Any activity by an identity whose last rotation (or renewal) is older than its declared
 * period plus tolerance; never rotated, the reference is its first event. The value is
 * the reference date, so every event of one overdue credential joins one case, and a
 * rotation (a new reference) starts afresh. Reports at most once per identity per day:
 * the first event after it became due, then the first event of each later day.
 */
export function rotationOverdue(ctx: DetectionContext): Deviation | null {
  const view = ctx.view;
  if (view.lifecycle !== null) return null;
  const baseline = ctx.baseline;
  const due = rotationDue(ctx.identity.policy, {
    lastRotation: baseline.lastMoment('rotation'),
    lastRenewal: baseline.lastMoment('renewal'),
    firstEventAt: baseline.firstEventAt,
  });
  if (due === null) return null;
  const t = ctx.eventTimeMs;
  if (t <= due.dueAt) return null;
  const previous = baseline.lastEventAt;
  if (previous !== null && previous > due.dueAt && Math.floor(previous / DAY_MS) === view.day) {
    return null;
  }
  const overdue = overdueRotation(ctx.identity.id, due, t);
  return deviation(
    'rotation_overdue',
    overdue.score,
    overdue.reason,
    overdue.value,
    overdue.evidence,
    true,
  );
}
