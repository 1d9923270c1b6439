import { rotationDue, overdueRotation } from '../detection/lifecycle';
import { lastMomentOf } from './history';
import type { SweepFinding, SweepSubject } from './types';

/**
 * Credentials past their declared rotation period plus tolerance at `asOf`, used or not: the
 * event detector only sees an overdue credential when it is used; an idle long-lived secret
 * is as much a risk. Same deadline, score and value as the detector, so both join one case.
 * Only active identities: a suspended or retired credential is not rotated, it is gone.
 */
export function rotationOverdueFinding(subject: SweepSubject, asOf: number): SweepFinding | null {
  const { identity, baseline } = subject;
  if (identity.status !== 'active') return null;
  const due = rotationDue(identity.policy, {
    lastRotation: lastMomentOf(baseline, 'rotation'),
    lastRenewal: lastMomentOf(baseline, 'renewal'),
    firstEventAt: baseline.firstEventAt,
  });
  if (due === null || asOf <= due.dueAt) return null;
  const overdue = overdueRotation(identity.id, due, asOf);
  return {
    identityId: identity.id,
    kind: 'rotation_overdue',
    score: overdue.score,
    reason: overdue.reason,
    value: overdue.value,
    sensitivity: 'low',
    details: { ...overdue.evidence, lastEventAt: isoOrNull(baseline.lastEventAt) },
  };
}

function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
