import type { Deviation, OwaspNhiCategory } from '../../../contracts/src/telemetry';
import type { Criticality, ExceptionKind, Sensitivity } from '../../../contracts/src/vocabulary';
import type { Baseline } from '../baseline/baseline';
import type { RateStats } from '../baseline/rate';
import { storableText, storableValue } from '../baseline/event-view';
import type { BaselineDimension } from '../baseline/types';

/** The kinds the event detectors raise; sweeps and reporters raise the others. */
export const DETECTOR_KINDS = [
  'novel_scope',
  'novel_tool',
  'novel_resource',
  'rate_spike',
  'off_hours',
  'privilege_elevation',
  'rotation_outside_window',
  'renewal_outside_window',
  'rotation_overdue',
  'policy_violation',
  'unusual_record_set',
  'human_use',
  'credential_reuse',
  'cross_environment',
  'unclassified_identity',
] as const satisfies readonly ExceptionKind[];
export type DetectorKind = (typeof DETECTOR_KINDS)[number];

export interface DetectorMeta {
  readonly owasp: OwaspNhiCategory;
  /** NIST CSF 2.0 subcategory the detector serves. */
  readonly nist: string;
}

/**
 * OWASP NHI Top 10 (2025) and NIST CSF 2.0 mapping. PR.AA-01: identities and credentials
 * managed; PR.AA-05: access permissions enforced with least privilege; PR.IR-01:
 * environments protected from unauthorised logical access; DE.CM-01: networks monitored;
 * DE.CM-03: personnel activity and technology usage monitored; DE.CM-06: external service
 * provider activity monitored; DE.CM-09: computing runtime environments monitored.
 */
export const DETECTOR_META: Readonly<Record<DetectorKind, DetectorMeta>> = {
  novel_scope: { owasp: 'NHI5', nist: 'PR.AA-05' },
  novel_tool: { owasp: 'NHI5', nist: 'DE.CM-09' },
  novel_resource: { owasp: 'NHI5', nist: 'DE.CM-03' },
  rate_spike: { owasp: 'NHI2', nist: 'DE.CM-03' },
  off_hours: { owasp: 'NHI2', nist: 'DE.CM-03' },
  privilege_elevation: { owasp: 'NHI5', nist: 'PR.AA-05' },
  rotation_outside_window: { owasp: 'NHI7', nist: 'PR.AA-01' },
  renewal_outside_window: { owasp: 'NHI7', nist: 'PR.AA-01' },
  rotation_overdue: { owasp: 'NHI7', nist: 'PR.AA-01' },
  policy_violation: { owasp: 'NHI5', nist: 'PR.AA-05' },
  unusual_record_set: { owasp: 'NHI3', nist: 'DE.CM-06' },
  human_use: { owasp: 'NHI10', nist: 'DE.CM-03' },
  credential_reuse: { owasp: 'NHI9', nist: 'DE.CM-01' },
  cross_environment: { owasp: 'NHI8', nist: 'PR.IR-01' },
  unclassified_identity: { owasp: 'NHI1', nist: 'PR.AA-01' },
};

/** Detectors do not report scores below this: damped to nothing, not worth an object. */
export const MIN_REPORTED_SCORE = 0.05;

/** The lowest score worth building a deviation for, in this context. */
export function floorFor(
  ctx: { readonly thresholds?: Readonly<Partial<Record<ExceptionKind, number>>> },
  kind: DetectorKind,
): number {
  const threshold = ctx.thresholds?.[kind];
  return threshold !== undefined && threshold > MIN_REPORTED_SCORE ? threshold : MIN_REPORTED_SCORE;
}

export function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

function scrubbed(evidence: Record<string, unknown>): Record<string, unknown> {
  for (const key of Object.keys(evidence)) {
    const v = evidence[key];
    if (typeof v === 'string') evidence[key] = storableText(v);
    else if (Array.isArray(v)) {
      evidence[key] = v.map((item: unknown) =>
        typeof item === 'string' ? storableText(item) : item,
      );
    }
  }
  return evidence;
}

/**
 * A deviation as the case store receives it. Event values reach detectors raw, so the
 * value, the reason and the evidence's strings are made storable here (deviations are
 * rare; events are not).
 */
export function deviation(
  kind: DetectorKind,
  score: number,
  reason: string,
  value: string,
  evidence: Record<string, unknown>,
  policyViolation = false,
): Deviation {
  const meta = DETECTOR_META[kind];
  return {
    kind,
    score: Math.round(clamp01(score) * 1000) / 1000,
    reason: storableText(reason),
    value: storableValue(value),
    evidence: scrubbed(evidence),
    owasp: meta.owasp,
    nist: meta.nist,
    policyViolation,
  };
}

/*
 * How much harm a deviation could do, for detectors that weigh it into their score.
 * Undeclared resources are 'low': an owner who never tiered a resource gets novelty cases
 * only where the identity's criticality alone justifies them.
 */
export const SENSITIVITY_WEIGHT: Readonly<Record<Sensitivity, number>> = {
  low: 0.1,
  medium: 0.45,
  high: 0.8,
  critical: 1,
};
export const CRITICALITY_WEIGHT: Readonly<Record<Criticality, number>> = {
  low: 0.35,
  medium: 0.6,
  high: 0.85,
  critical: 1,
};

/** Geometric mean: a critical resource on a trivial identity is not a critical impact. */
export function impactOf(sensitivity: Sensitivity, criticality: Criticality): number {
  return Math.sqrt(SENSITIVITY_WEIGHT[sensitivity] * CRITICALITY_WEIGHT[criticality]);
}

/** A new value this unlikely, or less, is fully surprising (see noveltySurprise). */
export const NOVELTY_CERTAIN_PROBABILITY = 0.01;
const LN_CERTAIN = Math.log(NOVELTY_CERTAIN_PROBABILITY);

/**
 * How surprising a never-seen value is for this identity, in [0, 1], from the probability
 * that its next value is a new one, p = the larger of two estimates:
 * - per event, the Good–Turing missing mass (values seen once / events; I. J. Good,
 *   "The population frequencies of species and the estimation of population parameters",
 *   Biometrika 40, 1953), smoothed with one pseudo-observation that was itself new:
 *   (n₁ + 1) / (n + 1), Laplace's rule of succession applied to "the next value is new".
 *   An identity that writes a new object per call has p near 1. The smoothing decides the
 *   cold start: with nothing observed p = 1 (an identity's first value is its workload,
 *   not a deviation from it), and p falls only as the identity repeats itself;
 * - per day, 1 − e^(−λ) with λ the new values per day lately: an identity that adds one
 *   new resource a day among thousands of routine calls has a tiny missing mass but
 *   p ≈ 0.63 of some new value that day.
 * Surprise is p's information content on a scale where p ≤ 1% is certain: ln p / ln 0.01
 * (p = 10% → 0.5, one in three → 0.24). A linear 1 − p would call a value new one call in
 * three "67% surprising"; a settled identity (fifteen identical calls and no singletons
 * give p = 1/16 → 0.6) reaches the first-seen thresholds, one still spreading over its
 * resources does not.
 */
export function noveltySurprise(
  baseline: Baseline,
  dimension: BaselineDimension,
  nowMs: number,
): number {
  const seen = baseline.observations(dimension);
  const singletons = seen === 0 ? 0 : seen * baseline.missingMass(dimension);
  // Over all the identity's events: an event without a value in the dimension is an
  // observation too, so a tool after a thousand tool-less calls is as new as it gets.
  const missingMass = (singletons + 1) / (baseline.eventCount + 1);
  const daily = 1 - Math.exp(-baseline.newValuesPerDay(dimension, nowMs));
  const p = Math.max(missingMass, daily);
  return p <= NOVELTY_CERTAIN_PROBABILITY ? 1 : Math.log(p) / LN_CERTAIN;
}

export interface BurstRule {
  /** The hour's count must reach this, so tiny numbers never trigger. */
  readonly minCount: number;
  /** …and be this many standard deviations above the EWMA… */
  readonly zMin: number;
  /** …and this many times the busiest retained hour (daily and weekly rhythms). */
  readonly peakRatio: number;
  readonly minSpanHours: number;
  readonly minBuckets: number;
}

/**
 * The smallest hourly count that is a burst under `rule`, or 0 without enough history.
 * σ is floored at the Poisson level (√mean) and at 1: counts are at least that noisy, and
 * a perfectly regular history would otherwise make one extra event a huge z-score.
 */
export function burstThreshold(stats: RateStats, rule: BurstRule): number {
  if (stats.spanHours < rule.minSpanHours || stats.buckets < rule.minBuckets) return 0;
  const sigma = sigmaOf(stats);
  return Math.max(
    rule.minCount,
    Math.ceil(stats.mean + rule.zMin * sigma),
    Math.floor(rule.peakRatio * stats.peak) + 1,
  );
}

/**
 * Whether going from `before` to `after` crosses the threshold or one of its doublings.
 * All conditions are monotone in the count, so a burst reports once when it starts and
 * again each time it doubles, not once per event of a spike hour.
 */
export function crossesLevel(before: number, after: number, threshold: number): boolean {
  if (threshold <= 0 || after < threshold) return false;
  let level = threshold;
  while (level <= before) level *= 2;
  return level <= after;
}

/** Score 0.5 at the burst threshold, 0.75 at twice it, approaching 1 beyond. */
export function burstScore(count: number, threshold: number): number {
  return 1 - (0.5 * threshold) / count;
}

export function sigmaOf(stats: RateStats): number {
  return Math.sqrt(Math.max(stats.variance, stats.mean, 1));
}

export function round(x: number, places = 2): number {
  const f = 10 ** places;
  return Math.round(x * f) / f;
}

export function isoDay(timeMs: number): string {
  return new Date(timeMs).toISOString().slice(0, 10);
}

export function isoTime(timeMs: number): string {
  return new Date(timeMs).toISOString();
}

export function sample(values: Iterable<string>, limit: number): string[] {
  const out: string[] = [];
  for (const v of values) {
    if (out.length >= limit) break;
    out.push(v);
  }
  return out;
}

/** How many known values evidence lists. */
export const EVIDENCE_SAMPLE = 10;
