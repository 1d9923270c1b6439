import type { Deviation } from '../../../contracts/src/telemetry';
import { DAY_MS } from '../baseline/event-view';
import { HOURS_PER_WEEK, RATE_BUCKET_MS } from '../baseline/types';
import type { DetectionContext } from './context';
import {
  burstScore,
  burstThreshold,
  crossesLevel,
  deviation,
  isoTime,
  round,
  sigmaOf,
  type BurstRule,
} from './scoring';

export const RATE_SPIKE_RULE: BurstRule = {
  minCount: 25,
  zMin: 4,
  peakRatio: 1.5,
  minSpanHours: 48,
  minBuckets: 6,
};

/** This hour's count for the event's action far above its EWMA and its busiest recent hour. */
export function rateSpike(ctx: DetectionContext): Deviation | null {
  const view = ctx.view;
  if (ctx.baseline.countInHour(view.rateKey, view.hour) + 1 < RATE_SPIKE_RULE.minCount) return null;
  const stats = ctx.baseline.rateInHour(view.rateKey, view.hour);
  if (stats === undefined) return null;
  const threshold = burstThreshold(stats, RATE_SPIKE_RULE);
  const count = stats.current + 1;
  if (!crossesLevel(stats.current, count, threshold)) return null;
  const sigma = sigmaOf(stats);
  return deviation(
    'rate_spike',
    burstScore(count, threshold),
    `${ctx.identity.id} made ${count} "${view.rateKey}" calls in the hour from ` +
      `${isoTime(view.hour * RATE_BUCKET_MS)}, against a typical ${round(stats.mean, 1)} ` +
      `and a recent peak of ${stats.peak}. Check whether a job changed or the credential ` +
      `is being abused.`,
    view.rateKey,
    {
      action: view.rateKey,
      count,
      threshold,
      ewmaMean: round(stats.mean),
      ewmaStdDev: round(sigma),
      zScore: round((count - stats.mean) / sigma),
      recentPeak: stats.peak,
      historyHours: stats.spanHours,
      hourStart: isoTime(view.hour * RATE_BUCKET_MS),
    },
  );
}

export const OFF_HOURS_RULE = {
  /** The histogram must cover every hour of the week at least once. */
  minSpanDays: 7,
  /** Above this many past events in the ±1-hour window the slot is not off-hours. */
  maxWindowCount: 5,
  /** Largest Poisson tail probability still called off-hours. */
  maxProbability: 1e-3,
  /** Events a slot counts, at most, per week of history. */
  perSlotWeeklyCap: 10,
};

const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const LOG10_MAX_PROBABILITY = Math.log10(OFF_HOURS_RULE.maxProbability);

/** log10 P(X ≤ k) for X ~ Poisson(mean), in log space: e^-mean underflows for busy identities. */
export function poissonLog10Cdf(k: number, mean: number): number {
  let term = 1;
  let sum = 1;
  for (let i = 1; i <= k; i++) {
    term *= mean / i;
    sum += term;
  }
  return (-mean + Math.log(sum)) / Math.LN10;
}

/**
 * Activity in an hour-of-week slot (±1 hour, for jitter) where the identity has (almost)
 * never been active. "Almost never" is a Poisson tail: if its past activity were spread
 * evenly over the week, how unlikely would so little in this window be? That needs no
 * tuned share, and it stays silent for identities whose history is too thin to show a
 * rhythm. Each slot counts at most perSlotWeeklyCap events per week of history: NHI
 * traffic is bursty (a nightly batch makes hundreds of calls in one hour), and uncapped
 * counts would make every quiet hour of a bursty identity look off-hours. Capped, the
 * test measures how much of the week the identity regularly covers. Score 0.6 at
 * p = 10⁻³, +0.05 per further decade, at most 0.95.
 */
export function offHours(ctx: DetectionContext): Deviation | null {
  const baseline = ctx.baseline;
  const h = ctx.view.hourOfWeek;
  const before = (h + HOURS_PER_WEEK - 1) % HOURS_PER_WEEK;
  const after = (h + 1) % HOURS_PER_WEEK;
  const observed =
    baseline.hourOfWeek(before) + baseline.hourOfWeek(h) + baseline.hourOfWeek(after);
  if (observed > OFF_HOURS_RULE.maxWindowCount) return null;
  const first = baseline.firstEventAt;
  const span = first === null ? 0 : ctx.eventTimeMs - first;
  if (span < OFF_HOURS_RULE.minSpanDays * DAY_MS) return null;
  const cap = OFF_HOURS_RULE.perSlotWeeklyCap * Math.floor(span / (7 * DAY_MS));
  // The capped total is at most min(total, 168 × cap): when even that bound leaves the
  // window unremarkable, skip the pass over the histogram.
  const bound = Math.min(baseline.hourOfWeekTotal, HOURS_PER_WEEK * cap);
  if (poissonLog10Cdf(observed, (3 * bound) / HOURS_PER_WEEK) > LOG10_MAX_PROBABILITY) return null;
  let covered = 0;
  for (let i = 0; i < HOURS_PER_WEEK; i++) covered += Math.min(baseline.hourOfWeek(i), cap);
  const expected = (3 * covered) / HOURS_PER_WEEK;
  const log10p = poissonLog10Cdf(observed, expected);
  if (log10p > LOG10_MAX_PROBABILITY) return null;
  const score = Math.min(0.95, 0.45 + 0.05 * -log10p);
  const dayName = DAY_NAMES[Math.floor(h / 24)];
  const slot = `${dayName} ${String(h % 24).padStart(2, '0')}:00 UTC`;
  return deviation(
    'off_hours',
    score,
    `${ctx.identity.id} was active at ${slot}; in ${Math.floor(span / DAY_MS)} days of ` +
      `history it had been active within an hour of that time ${observed} times, out of ` +
      `${baseline.hourOfWeekTotal} events. Confirm a scheduled job moved, or investigate ` +
      `who is using the credential.`,
    dayName,
    {
      hourOfWeek: h,
      slot,
      windowCount: observed,
      totalEvents: baseline.hourOfWeekTotal,
      expectedIfEven: round(expected, 1),
      log10Probability: round(log10p, 1),
    },
  );
}

export const CREDENTIAL_REUSE_RULE: BurstRule = {
  minCount: 5,
  zMin: 4,
  peakRatio: 2,
  minSpanHours: 48,
  minBuckets: 6,
};

/**
 * One credential used from many more distinct source IPs (or hosts) in an hour than its
 * norm: the distinct-per-hour series counts each address once per hour, when it is first
 * active in that hour, and the same burst rule as rate_spike applies to it. A saturated
 * dimension is not tracked (a fleet that large is its own norm).
 */
export function credentialReuse(ctx: DetectionContext): Deviation | null {
  const view = ctx.view;
  return reuseIn(ctx, 'source_ip', view.sourceIp) ?? reuseIn(ctx, 'host', view.host);
}

function reuseIn(
  ctx: DetectionContext,
  dimension: 'source_ip' | 'host',
  value: string | null,
): Deviation | null {
  if (value === null) return null;
  const baseline = ctx.baseline;
  if (baseline.isSaturated(dimension)) return null;
  const hour = ctx.view.hour;
  if (baseline.distinctCountInHour(dimension, hour) + 1 < CREDENTIAL_REUSE_RULE.minCount) {
    return null;
  }
  const stats = baseline.distinctRateInHour(dimension, hour);
  if (stats === undefined) return null;
  const known = baseline.seen(dimension, value);
  if (known !== undefined && Math.floor(known.lastSeen / RATE_BUCKET_MS) >= hour) return null;
  const threshold = burstThreshold(stats, CREDENTIAL_REUSE_RULE);
  const count = stats.current + 1;
  if (!crossesLevel(stats.current, count, threshold)) return null;
  const noun = dimension === 'source_ip' ? 'source IPs' : 'hosts';
  return deviation(
    'credential_reuse',
    burstScore(count, threshold),
    `${ctx.identity.id} was used from ${count} distinct ${noun} in one hour, against a ` +
      `typical ${round(stats.mean, 1)} and a recent peak of ${stats.peak}. A credential ` +
      `shared or copied beyond its workload: find who else holds it.`,
    dimension,
    {
      dimension,
      distinctThisHour: count,
      latest: value,
      threshold,
      ewmaMean: round(stats.mean),
      recentPeak: stats.peak,
      hourStart: isoTime(hour * RATE_BUCKET_MS),
    },
  );
}
