/**
 * Tuning rounds for the quality benchmark: after the first pass over the stream, analysts'
 * verdicts are simulated from the labels, a tuning run (the same planning and allowance
 * code the baselineTuning workflow runs) turns them into thresholds and allowances, and the
 * stream is run again with them, three times. Each round reports recall, precision and case
 * volume, and the false-positive cases against the first pass.
 *
 * Verdicts: a case that explains an injected anomaly is a true positive; any other case is
 * judged benign-expected (routine work the identity does: it becomes an allowance) or a
 * false positive (the detector misjudged: it moves the threshold), half and half by a seeded
 * draw per case. A case judged in an earlier round is not judged again.
 *
 * Every round replays the same stream, the one the verdicts were given on: the figures show
 * how much of the analysts' feedback the tuning absorbs while it holds recall, not how it
 * generalises to new data.
 */
import type { Identity, RaisedException, TelemetryEvent } from '../libs/contracts/src/telemetry';
import type { Verdict } from '../libs/contracts/src/tuning';
import type { Disposition, ExceptionKind } from '../libs/contracts/src/vocabulary';
import { Baseline, DEFAULT_LEARNING } from '../libs/domain/src/baseline/baseline';
import { DEFAULT_THRESHOLDS, processEvent } from '../libs/domain/src/detection/engine';
import {
  AllowanceIndex,
  allowanceRules,
  allowancesFromVerdicts,
  deviationDimension,
} from '../libs/domain/src/tuning/allowances';
import { thresholdsFor } from '../libs/domain/src/tuning/replay';
import {
  DEFAULT_TUNING_POLICY,
  planThresholds,
  VERDICT_ALLOWANCE_DAYS,
  type ThresholdTable,
} from '../libs/domain/src/tuning/thresholds';
import type { Allowance } from '../libs/contracts/src/tuning';
import type { AnomalyLabel } from './anomalies';

export interface RoundFigures {
  readonly round: number;
  readonly cases: number;
  readonly truePositiveCases: number;
  readonly falsePositiveCases: number;
  readonly recall: number;
  readonly precision: number;
  /** False-positive cases against the first pass (1 = as many). */
  readonly falsePositiveRatio: number;
  readonly thresholdsMoved: number;
  readonly allowances: number;
  readonly verdicts: { readonly new: number; readonly total: number };
}

export interface TuningRoundsInput {
  readonly events: readonly TelemetryEvent[];
  readonly times: readonly number[];
  readonly identities: readonly Identity[];
  readonly anomalies: readonly AnomalyLabel[];
  readonly rounds: number;
  readonly seed: number;
}

interface PassCase {
  readonly first: RaisedException;
  readonly eventIds: string[];
}

const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;

/** A small deterministic hash → [0, 1), for the seeded verdict draw. */
function draw(seed: number, key: string): number {
  let h = seed ^ 0x9e3779b9;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4_294_967_296;
}

export function runTuningRounds(input: TuningRoundsInput): {
  rounds: RoundFigures[];
  finalThresholds: Record<string, number>;
} {
  const anomalyOfEvent = new Map<string, AnomalyLabel>();
  for (const a of input.anomalies) {
    for (const id of a.contextEventIds) anomalyOfEvent.set(id, a);
    for (const id of a.eventIds) anomalyOfEvent.set(id, a);
  }
  const identityKind = new Map(input.identities.map((i) => [i.id, i.kind]));
  const end = new Date(input.times.reduce((a, b) => (b > a ? b : a), 0) + 1);

  let table: ThresholdTable = { global: DEFAULT_THRESHOLDS, byIdentityKind: {} };
  let allowances: Allowance[] = [];
  const verdicts: Array<Verdict & { readonly round: number }> = [];
  const judged = new Set<string>();
  const figures: RoundFigures[] = [];
  let firstFalse = 0;

  for (let r = 0; r <= input.rounds; r++) {
    const cases = pass(input, table, new AllowanceIndex(allowanceRules(allowances)));
    let explained = 0;
    const detected = new Set<string>();
    let fresh = 0;
    for (const [fingerprint, c] of cases) {
      const kind = c.first.deviation.kind;
      const explains = new Set<AnomalyLabel>();
      for (const id of c.eventIds) {
        const a = anomalyOfEvent.get(id);
        if (a !== undefined && (a.eventIds.includes(id) || a.contextKind === kind)) explains.add(a);
      }
      for (const a of explains) detected.add(a.anomalyId);
      if (explains.size > 0) explained++;
      if (judged.has(fingerprint)) continue;
      judged.add(fingerprint);
      fresh++;
      const disposition: Disposition =
        explains.size > 0
          ? 'true_positive'
          : draw(input.seed, fingerprint) < 0.5
            ? 'benign_expected'
            : 'false_positive';
      verdicts.push({
        caseId: fingerprint,
        detector: kind,
        identityId: c.first.identityId,
        identityKind: identityKind.get(c.first.identityId) ?? null,
        disposition,
        score: c.first.deviation.score,
        dimension: deviationDimension(c.first.deviation),
        value: c.first.deviation.value,
        at: end.toISOString(),
        round: r,
      });
    }
    const falsePositives = cases.size - explained;
    if (r === 0) firstFalse = falsePositives;

    // The tuning run after this round's verdicts (not after the last round).
    let moved = 0;
    if (r < input.rounds) {
      const plan = planThresholds(
        verdicts,
        table,
        DEFAULT_THRESHOLDS,
        (v) => v.round === r,
        DEFAULT_TUNING_POLICY,
      );
      moved = plan.changes.length;
      const global: Record<ExceptionKind, number> = { ...table.global };
      const byIdentityKind = JSON.parse(JSON.stringify(table.byIdentityKind)) as Record<
        string,
        Record<string, number>
      >;
      for (const change of plan.changes) {
        if (change.identityKind === null) {
          global[change.detector] = change.after ?? DEFAULT_THRESHOLDS[change.detector];
        } else if (change.after === null) {
          delete byIdentityKind[change.identityKind]?.[change.detector];
        } else {
          (byIdentityKind[change.identityKind] ??= {})[change.detector] = change.after;
        }
      }
      table = { global, byIdentityKind };
      const taken = new Set(allowances.map((a) => a.caseId!));
      allowances = [
        ...allowances,
        ...allowancesFromVerdicts(
          verdicts.filter((v) => v.round === r),
          taken,
          `round-${r + 1}`,
          end,
          VERDICT_ALLOWANCE_DAYS,
        ),
      ];
    }
    figures.push({
      round: r,
      cases: cases.size,
      truePositiveCases: explained,
      falsePositiveCases: falsePositives,
      recall: input.anomalies.length === 0 ? 1 : round4(detected.size / input.anomalies.length),
      precision: cases.size === 0 ? 1 : round4(explained / cases.size),
      falsePositiveRatio: firstFalse === 0 ? 0 : round4(falsePositives / firstFalse),
      thresholdsMoved: moved,
      allowances: allowances.length,
      verdicts: { new: fresh, total: verdicts.length },
    });
  }
  const finalThresholds: Record<string, number> = {};
  for (const [kind, value] of Object.entries(table.global)) {
    if (value !== DEFAULT_THRESHOLDS[kind as ExceptionKind]) finalThresholds[kind] = value;
  }
  return { rounds: figures, finalThresholds };
}

/** One pass over the stream with fresh baselines, as ingest would run it with these settings. */
function pass(
  input: TuningRoundsInput,
  table: ThresholdTable,
  allowances: AllowanceIndex,
): Map<string, PassCase> {
  const entries = new Map(
    input.identities.map((identity) => [
      identity.id,
      { identity, baseline: new Baseline(identity.id) },
    ]),
  );
  const thresholdsByIdentityKind: Partial<Record<string, Readonly<Record<ExceptionKind, number>>>> =
    {};
  for (const kind of Object.keys(table.byIdentityKind)) {
    thresholdsByIdentityKind[kind] = thresholdsFor(table, kind as Identity['kind']);
  }
  const settings = {
    thresholds: table.global,
    thresholdsByIdentityKind,
    allowances,
    learning: DEFAULT_LEARNING,
  };
  const cases = new Map<string, PassCase>();
  for (let i = 0; i < input.events.length; i++) {
    const event = input.events[i];
    const entry = entries.get(event.identityId)!;
    const raised = processEvent(event, entry.identity, entry.baseline, settings, input.times[i]);
    for (const r of raised) {
      const open = cases.get(r.fingerprint);
      if (open === undefined) cases.set(r.fingerprint, { first: r, eventIds: [event.id] });
      else open.eventIds.push(event.id);
    }
  }
  return cases;
}
