import { DAY_MS } from '../baseline/event-view';
import { isoDay, isoTime, round } from '../detection/scoring';
import { activeHours, HOUR_MS } from './history';
import type { SweepFinding, SweepSettings, SweepSubject } from './types';

/**
 * That an identity went dormant: recorded by a sweep when it saw the identity silent for
 * `dormancyDays`, so that its next activity can be recognised as a wake-up even though the
 * baseline (which only knows the latest event) has moved on by then.
 */
export interface DormancyMark {
  readonly identityId: string;
  /** The identity's last event before it went quiet, epoch ms. */
  readonly lastEventAt: number;
  /** When a sweep recorded it, epoch ms. */
  readonly markedAt: number;
}

/** What a dormancy sweep does for one identity: maybe a finding, and its mark. */
export interface DormancyStep {
  readonly finding: SweepFinding | null;
  /** `set`: record `mark`; `clear`: remove the identity's mark; `keep`: leave it. */
  readonly mark: 'set' | 'clear' | 'keep';
  readonly markValue: DormancyMark | null;
}

const KEEP: DormancyStep = { finding: null, mark: 'keep', markValue: null };

/**
 * Improper offboarding shows up two ways:
 * - a suspended or retired identity acting after its status changed (the identity's latest
 *   declaration is the best record of when): its credentials still work;
 * - an identity silent for `dormancyDays` that acts again: marked dormant by one sweep,
 *   reported by the first sweep that sees newer activity. A dormant identity woken up is
 *   what an attacker holding a forgotten credential looks like.
 * The value names the episode (the status change, or the start of the dormancy).
 */
export function dormancyStep(
  subject: SweepSubject,
  mark: DormancyMark | null,
  asOf: number,
  settings: SweepSettings,
): DormancyStep {
  const { identity, baseline } = subject;
  const last = baseline.lastEventAt;
  if (last === null) return KEEP;
  if (identity.status !== 'active') {
    if (last <= identity.updatedAt) return KEEP;
    return {
      finding: {
        identityId: identity.id,
        kind: 'dormant_identity',
        score: 0.9,
        reason:
          `${identity.id} is ${identity.status} since ${isoTime(identity.updatedAt)} but acted ` +
          `at ${isoTime(last)}: its credentials still work. Revoke them at the provider and ` +
          `find out who used them.`,
        value: `${identity.status}-${isoTime(identity.updatedAt)}`,
        sensitivity: 'low',
        details: {
          status: identity.status,
          statusSince: isoTime(identity.updatedAt),
          lastEventAt: isoTime(last),
          eventCount: baseline.eventCount,
        },
      },
      mark: 'keep',
      markValue: null,
    };
  }
  if (mark !== null && last > mark.lastEventAt) {
    const wokeAt = firstActivityAfter(subject, mark.lastEventAt) ?? last;
    const dormantDays = (wokeAt - mark.lastEventAt) / DAY_MS;
    const beyond = (dormantDays - settings.dormancyDays) / (2 * settings.dormancyDays);
    return {
      finding: {
        identityId: identity.id,
        kind: 'dormant_identity',
        score: 0.65 + 0.25 * Math.min(1, Math.max(0, beyond)),
        reason:
          `${identity.id} was silent for ${round(dormantDays, 1)} days (since ` +
          `${isoTime(mark.lastEventAt)}) and became active again around ${isoTime(wokeAt)}: ` +
          `confirm its owner expected this, or contain it (a forgotten credential in new hands ` +
          `looks exactly like this).`,
        value: `dormant-since-${isoDay(mark.lastEventAt)}`,
        sensitivity: 'low',
        details: {
          dormantSince: isoTime(mark.lastEventAt),
          reactivatedAt: isoTime(wokeAt),
          dormantDays: round(dormantDays, 1),
          dormancyThresholdDays: settings.dormancyDays,
          lastEventAt: isoTime(last),
          markedDormantAt: isoTime(mark.markedAt),
        },
      },
      mark: 'clear',
      markValue: null,
    };
  }
  if (asOf - last >= settings.dormancyDays * DAY_MS && mark?.lastEventAt !== last) {
    return {
      finding: null,
      mark: 'set',
      markValue: { identityId: identity.id, lastEventAt: last, markedAt: asOf },
    };
  }
  return KEEP;
}

/** The start of the first active hour after `after`, from the baseline's rate buckets. */
function firstActivityAfter(subject: SweepSubject, after: number): number | null {
  const afterHour = Math.floor(after / HOUR_MS) * HOUR_MS;
  for (const hour of activeHours(subject.baseline)) if (hour > afterHour) return hour;
  return null;
}
