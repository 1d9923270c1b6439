import type { Deviation } from '../../../contracts/src/telemetry';
import { DAY_MS } from '../baseline/event-view';
import { RATE_BUCKET_MS } from '../baseline/types';
import type { DetectionContext } from './context';
import {
  CRITICALITY_WEIGHT,
  EVIDENCE_SAMPLE,
  burstScore,
  burstThreshold,
  crossesLevel,
  deviation,
  floorFor,
  impactOf,
  isoDay,
  isoTime,
  noveltySurprise,
  round,
  sample,
  type BurstRule,
} from './scoring';

const CONSOLE_LOGIN_TYPES = new Set(['console', 'interactive', 'web']);

/**
 * A non-human identity driven by a person (OWASP NHI10): an interactive session
 * (`attributes.interactive === true`), a console login (an `auth.*` event carrying MFA or
 * console markers), or a browser's user agent. OAuth apps are exempt from the browser
 * rule only: they legitimately act from their users' browsers. Browser use reports once a
 * day per user agent; sessions and logins report every time (they are rare and each one
 * matters). Score 0.7 + 0.25 × criticality weight.
 */
export function humanUse(ctx: DetectionContext): Deviation | null {
  const view = ctx.view;
  const attributes = ctx.event.attributes;
  let value: string;
  let signal: string;
  if (attributes.interactive === true) {
    value = 'interactive';
    signal = 'an interactive session';
  } else if (
    view.type.startsWith('auth.') &&
    (attributes.mfa !== undefined ||
      attributes.console === true ||
      CONSOLE_LOGIN_TYPES.has(String(attributes.loginType)))
  ) {
    value = 'console-login';
    signal = 'a console login';
  } else if (view.browser && ctx.identity.kind !== 'oauth_app' && view.userAgent !== null) {
    const known = ctx.baseline.seen('user_agent', view.userAgent);
    if (known !== undefined && Math.floor(known.lastSeen / DAY_MS) >= view.day) return null;
    value = `browser:${view.userAgent}`;
    signal = 'a web browser';
  } else {
    return null;
  }
  return deviation(
    'human_use',
    0.7 + 0.25 * CRITICALITY_WEIGHT[ctx.identity.criticality],
    `${ctx.identity.id} is a ${ctx.identity.kind.replace('_', ' ')} but was used from ` +
      `${signal}. A person is using a machine credential: find who, give them their own ` +
      `access, and rotate this credential.`,
    value,
    {
      signal: value,
      userAgent: ctx.event.source.userAgent ?? null,
      sourceIp: view.sourceIp,
      host: view.host,
      eventType: view.type,
    },
  );
}

export const RECORD_VOLUME_RULE: BurstRule = {
  minCount: 500,
  zMin: 4,
  peakRatio: 2,
  minSpanHours: 48,
  minBuckets: 6,
};

/**
 * A third-party app (an OAuth app, or any identity with a vendor) reading records it does
 * not normally read (DESIGN example 3, vendor oversight): a record set it has never read,
 * once it has a record history, or an hourly record volume (the sum of
 * `attributes.recordCount`) far above its norm. A vendor reaching into a new object type
 * matters even when nobody tiered it, so the impact floor is higher than plain novelty:
 * score = surprise × (0.55 + 0.45 × impact). Volume uses the rate_spike burst rule.
 */
export function unusualRecordSet(ctx: DetectionContext): Deviation | null {
  const view = ctx.view;
  if (view.type !== 'record.accessed') return null;
  const identity = ctx.identity;
  if (
    identity.kind !== 'oauth_app' &&
    (identity.vendor === null || identity.vendor === undefined)
  ) {
    return null;
  }
  return novelRecordSet(ctx) ?? recordVolume(ctx);
}

function vendorEvidence(ctx: DetectionContext): Record<string, unknown> {
  return {
    vendor: ctx.identity.vendor,
    owner: ctx.identity.owner,
    team: ctx.identity.team,
  };
}

function vendorName(ctx: DetectionContext): string {
  return ctx.identity.vendor !== null && ctx.identity.vendor !== undefined
    ? `${ctx.identity.id} (vendor ${ctx.identity.vendor})`
    : ctx.identity.id;
}

function novelRecordSet(ctx: DetectionContext): Deviation | null {
  const set = ctx.view.recordSet;
  const baseline = ctx.baseline;
  if (set === null || baseline.observations('record_set') === 0) return null;
  const saturated = baseline.isSaturated('record_set');
  if (!saturated && baseline.seen('record_set', set) !== undefined) return null;
  const surprise = noveltySurprise(baseline, 'record_set', ctx.eventTimeMs);
  const score = surprise * (0.55 + 0.45 * impactOf(ctx.sensitivity, ctx.identity.criticality));
  if (score < floorFor(ctx, 'unusual_record_set')) return null;
  if (saturated && baseline.seen('record_set', set) !== undefined) return null;
  const known = sample(baseline.values('record_set'), EVIDENCE_SAMPLE);
  return deviation(
    'unusual_record_set',
    score,
    `${vendorName(ctx)} read "${set}" records for the first time; it normally reads ` +
      `${known.map((k) => `"${k}"`).join(', ')}. Ask the vendor's owner whether the ` +
      `integration's scope changed.`,
    set,
    {
      ...vendorEvidence(ctx),
      recordSet: set,
      resource: ctx.view.resource,
      knownRecordSets: known,
      knownCount: baseline.distinct('record_set'),
      surprise: round(surprise, 3),
      sensitivity: ctx.sensitivity,
      firstSeen: true,
    },
  );
}

function recordVolume(ctx: DetectionContext): Deviation | null {
  const view = ctx.view;
  const added = view.recordCount;
  if (ctx.baseline.recordVolumeCountInHour(view.hour) + added < RECORD_VOLUME_RULE.minCount) {
    return null;
  }
  const stats = ctx.baseline.recordVolumeInHour(view.hour);
  if (stats === undefined) return null;
  const threshold = burstThreshold(stats, RECORD_VOLUME_RULE);
  const count = stats.current + added;
  if (!crossesLevel(stats.current, count, threshold)) return null;
  return deviation(
    'unusual_record_set',
    burstScore(count, threshold),
    `${vendorName(ctx)} read ${count} records in the hour from ` +
      `${isoTime(view.hour * RATE_BUCKET_MS)}, against a typical ${round(stats.mean, 1)} ` +
      `and a recent peak of ${stats.peak}. Ask the vendor's owner whether a bulk export ` +
      `was expected.`,
    `volume-${isoDay(ctx.eventTimeMs)}`,
    {
      ...vendorEvidence(ctx),
      recordSet: view.recordSet,
      recordsThisHour: count,
      threshold,
      ewmaMean: round(stats.mean),
      recentPeak: stats.peak,
      hourStart: isoTime(view.hour * RATE_BUCKET_MS),
    },
  );
}
