import type { ThresholdChange, Verdict, VerdictCounts } from '../../../contracts/src/tuning';
import type { ExceptionKind, IdentityKind } from '../../../contracts/src/vocabulary';

/**
 * Threshold tuning from analyst verdicts.
 *
 * A detector's precision is the share of its judged cases that analysts confirmed (true
 * positive against false positive; benign-expected verdicts become allowances instead, and
 * undetermined ones say nothing). When precision falls short of the target, the threshold
 * rises to just above the scores of the false positives it can shed, but:
 *   - by at most `maxStep` per run, so one bad batch of verdicts cannot blind a detector;
 *   - never above the score that keeps `recallFloor` of the confirmed cases (the floor that
 *     protects recall), nor above `ceiling`;
 *   - only with at least `minVerdicts` judged cases, and only when new verdicts arrived
 *     since the previous run (a reverted run is not silently redone).
 * When precision is well above the target, a raised threshold relaxes back toward its
 * default by half a step, returning recall the earlier raises may have cost.
 *
 * Per identity kind: a kind with `minKindVerdicts` judged cases of its own gets its own
 * threshold, tuned the same way from the detector's; others follow the detector's.
 */
export interface TuningPolicy {
  readonly targetPrecision: number;
  readonly maxStep: number;
  readonly recallFloor: number;
  readonly ceiling: number;
  readonly minVerdicts: number;
  readonly minKindVerdicts: number;
  /** Precision this far above the target lets a raised threshold relax. */
  readonly relaxMargin: number;
}

export const DEFAULT_TUNING_POLICY: TuningPolicy = {
  targetPrecision: 0.8,
  maxStep: 0.1,
  recallFloor: 0.95,
  ceiling: 0.95,
  minVerdicts: 5,
  minKindVerdicts: 10,
  relaxMargin: 0.1,
};

/** Thresholds in force: per detector, and per identity kind where one has its own. */
export interface ThresholdTable {
  readonly global: Readonly<Record<ExceptionKind, number>>;
  readonly byIdentityKind: Readonly<
    Partial<Record<IdentityKind, Readonly<Partial<Record<ExceptionKind, number>>>>>
  >;
}

export interface ThresholdPlan {
  readonly changes: ThresholdChange[];
  readonly unchanged: ThresholdChange[];
}

/** Thresholds are kept to three decimals; a raise clears a score by this much. */
const STEP = 0.001;

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

export function countVerdicts(verdicts: readonly Verdict[]): VerdictCounts {
  let truePositive = 0;
  let falsePositive = 0;
  let benignExpected = 0;
  let undetermined = 0;
  for (const v of verdicts) {
    if (v.disposition === 'true_positive') truePositive += 1;
    else if (v.disposition === 'false_positive') falsePositive += 1;
    else if (v.disposition === 'benign_expected') benignExpected += 1;
    else undetermined += 1;
  }
  return { truePositive, falsePositive, benignExpected, undetermined };
}

/** Confirmed share of the judged verdicts scoring at or above `threshold`; null if none. */
export function precisionAt(verdicts: readonly Verdict[], threshold: number): number | null {
  let tp = 0;
  let fp = 0;
  for (const v of verdicts) {
    if (v.score !== null && v.score < threshold) continue;
    if (v.disposition === 'true_positive') tp += 1;
    else if (v.disposition === 'false_positive') fp += 1;
  }
  return tp + fp === 0 ? null : tp / (tp + fp);
}

interface GroupDecision {
  readonly after: number;
  readonly precision: number | null;
  readonly reason: string;
}

const pct = (x: number): string => `${Math.round(x * 100)}%`;

/** One detector (or detector × identity kind): where its threshold should go, and why. */
export function tuneThreshold(
  verdicts: readonly Verdict[],
  current: number,
  relaxTo: number,
  policy: TuningPolicy,
  minVerdicts: number,
): GroupDecision {
  const judged = verdicts.filter(
    (v) => v.disposition === 'true_positive' || v.disposition === 'false_positive',
  );
  if (judged.length < minVerdicts) {
    return {
      after: current,
      precision: precisionAt(judged, -Infinity),
      reason: `${judged.length} judged case(s); at least ${minVerdicts} needed to tune`,
    };
  }
  const precision = precisionAt(judged, current) ?? precisionAt(judged, -Infinity)!;
  const target = policy.targetPrecision;

  if (precision < target) {
    const tpScores = judged
      .filter((v) => v.disposition === 'true_positive' && v.score !== null)
      .map((v) => v.score!)
      .sort((a, b) => a - b);
    // The highest threshold that still keeps recallFloor of the confirmed cases.
    const mayLose = tpScores.length - Math.ceil(policy.recallFloor * tpScores.length);
    const recallCap = tpScores.length === 0 ? policy.ceiling : tpScores[mayLose];
    const upper = round3(Math.min(current + policy.maxStep, recallCap, policy.ceiling));
    if (upper <= current) {
      return {
        after: current,
        precision,
        reason:
          `precision ${pct(precision)} below the ${pct(target)} target, but a higher ` +
          `threshold would drop confirmed cases (recall floor ${pct(policy.recallFloor)})`,
      };
    }
    const fpScores = judged
      .filter((v) => v.disposition === 'false_positive' && v.score !== null && v.score >= current)
      .map((v) => v.score!);
    const candidates = [
      ...new Set(fpScores.map((s) => round3(Math.ceil((s + STEP) * 1000) / 1000))),
    ]
      .filter((t) => t > current && t <= upper)
      .sort((a, b) => a - b);
    const reaching = candidates.find((t) => (precisionAt(judged, t) ?? 1) >= target);
    const beyondStep = fpScores.some((s) => s >= upper && s < recallCap);
    const after =
      reaching ??
      (candidates.length > 0 ? candidates[candidates.length - 1] : beyondStep ? upper : null);
    if (after === null) {
      return {
        after: current,
        precision,
        reason: `precision ${pct(precision)} below target, but no false positive can be shed without losing confirmed cases`,
      };
    }
    const reached = precisionAt(judged, after);
    return {
      after,
      precision,
      reason:
        `precision ${pct(precision)} below the ${pct(target)} target: raised to ${after}` +
        (reaching !== undefined
          ? ` (${pct(reached ?? 1)} of the judged cases above it confirmed)`
          : ` (step-limited; ${reached === null ? 'no' : pct(reached)} confirmed above it)`),
    };
  }

  if (precision >= target + policy.relaxMargin && current > relaxTo) {
    const after = round3(Math.max(relaxTo, current - policy.maxStep / 2));
    return {
      after,
      precision,
      reason: `precision ${pct(precision)} well above the ${pct(target)} target: relaxed toward ${relaxTo}`,
    };
  }
  return {
    after: current,
    precision,
    reason: `precision ${pct(precision)} meets the ${pct(target)} target`,
  };
}

/**
 * The run's threshold plan over the window's verdicts. Only detectors (and identity kinds)
 * with a new verdict since the previous run move.
 */
export function planThresholds<V extends Verdict>(
  verdicts: readonly V[],
  current: ThresholdTable,
  defaults: Readonly<Record<ExceptionKind, number>>,
  isNew: (verdict: V) => boolean,
  policy: TuningPolicy = DEFAULT_TUNING_POLICY,
): ThresholdPlan {
  const byDetector = new Map<ExceptionKind, V[]>();
  for (const v of verdicts) {
    const list = byDetector.get(v.detector);
    if (list) list.push(v);
    else byDetector.set(v.detector, [v]);
  }
  const changes: ThresholdChange[] = [];
  const unchanged: ThresholdChange[] = [];
  const detectors = [...byDetector.keys()].sort();
  for (const detector of detectors) {
    const all = byDetector.get(detector)!;
    const before = current.global[detector] ?? defaults[detector];
    let globalAfter = before;
    if (all.some(isNew)) {
      const decision = tuneThreshold(all, before, defaults[detector], policy, policy.minVerdicts);
      globalAfter = decision.after;
      const change: ThresholdChange = {
        detector,
        identityKind: null,
        before,
        after: decision.after,
        precision: decision.precision,
        verdicts: countVerdicts(all),
        reason: decision.reason,
      };
      (decision.after !== before ? changes : unchanged).push(change);
    }

    const byKind = new Map<IdentityKind, V[]>();
    for (const v of all) {
      if (v.identityKind === null) continue;
      const list = byKind.get(v.identityKind);
      if (list) list.push(v);
      else byKind.set(v.identityKind, [v]);
    }
    for (const kind of [...byKind.keys()].sort()) {
      const own = byKind.get(kind)!;
      const kindBefore = current.byIdentityKind[kind]?.[detector] ?? null;
      if (!own.some(isNew)) continue;
      const judged = own.filter(
        (v) => v.disposition === 'true_positive' || v.disposition === 'false_positive',
      ).length;
      if (judged < policy.minKindVerdicts) continue;
      const decision = tuneThreshold(
        own,
        kindBefore ?? globalAfter,
        globalAfter,
        policy,
        policy.minKindVerdicts,
      );
      // A kind whose tuned threshold lands on the detector's needs none of its own.
      const after = decision.after === globalAfter ? null : decision.after;
      const change: ThresholdChange = {
        detector,
        identityKind: kind,
        before: kindBefore,
        after,
        precision: decision.precision,
        verdicts: countVerdicts(own),
        reason: `${kind}: ${decision.reason}`,
      };
      (after !== kindBefore ? changes : unchanged).push(change);
    }
  }
  return { changes, unchanged };
}

/** Days of verdicts a tuning run reads. */
export const TUNING_WINDOW_DAYS = 30;
/** How long an allowance from a benign-expected verdict lasts before it is judged again. */
export const VERDICT_ALLOWANCE_DAYS = 30;
