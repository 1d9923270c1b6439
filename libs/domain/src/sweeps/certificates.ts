import { DAY_MS } from '../baseline/event-view';
import { isoDay, isoTime, round } from '../detection/scoring';
import { lastMomentOf } from './history';
import type { SweepFinding, SweepSettings, SweepSubject } from './types';

/** The renewal window of a certificate valid `validityDays`: a third of it, capped. */
export function renewBeforeDays(validityDays: number, settings: SweepSettings): number {
  return Math.max(
    1,
    Math.min(settings.certificateRenewBeforeMaxDays, Math.round(validityDays / 3)),
  );
}

/**
 * A certificate inside its renewal window, or past its expiry, with no renewal since it was
 * issued. Its expiry is the last observed renewal plus the declared validity; never renewed,
 * the identity's first event (else its declaration) stands for the issue date, which errs
 * towards warning early rather than late. The expiry date is the value: every sweep of one
 * certificate joins one case, and a renewal (a new expiry) starts afresh.
 */
export function certificateExpiringFinding(
  subject: SweepSubject,
  asOf: number,
  settings: SweepSettings,
): SweepFinding | null {
  const { identity, baseline } = subject;
  const validity = identity.policy.certificateValidityDays;
  if (
    identity.status !== 'active' ||
    validity === null ||
    validity === undefined ||
    validity <= 0
  ) {
    return null;
  }
  const renewedAt = lastMomentOf(baseline, 'renewal');
  const issuedAt = renewedAt ?? baseline.firstEventAt ?? identity.createdAt;
  const expiresAt = issuedAt + validity * DAY_MS;
  const window = renewBeforeDays(validity, settings);
  const windowOpensAt = expiresAt - window * DAY_MS;
  if (asOf < windowOpensAt) return null;
  const daysLeft = (expiresAt - asOf) / DAY_MS;
  const expired = daysLeft <= 0;
  const score = expired ? 1 : 0.5 + 0.45 * Math.min(1, 1 - daysLeft / window);
  const left = round(Math.abs(daysLeft), 1);
  return {
    identityId: identity.id,
    kind: 'certificate_expiring',
    score,
    reason: expired
      ? `${identity.id}'s certificate expired ${left} days ago (${isoDay(expiresAt)}) and no ` +
        `renewal was observed: renew it now, or retire the identity if it is no longer used.`
      : `${identity.id}'s certificate expires in ${left} days (${isoDay(expiresAt)}) and no ` +
        `renewal was observed inside its ${window}-day renewal window: check the renewal automation.`,
    value: `expires-${isoDay(expiresAt)}`,
    sensitivity: 'low',
    details: {
      lastRenewalAt: renewedAt === null ? null : isoTime(renewedAt),
      issuedAt: isoTime(issuedAt),
      issuedAtSource:
        renewedAt !== null
          ? 'renewal'
          : baseline.firstEventAt !== null
            ? 'first_event'
            : 'declaration',
      certificateValidityDays: validity,
      expiresAt: isoTime(expiresAt),
      renewBeforeDays: window,
      daysLeft: round(daysLeft, 1),
      expired,
    },
  };
}
