import type { Identity, TelemetryEvent } from '../../../contracts/src/telemetry';
import type { ExceptionKind, IdentityKind } from '../../../contracts/src/vocabulary';
import { DEFAULT_LEARNING, type Baseline } from '../baseline/baseline';
import { emptyView, fillView } from '../baseline/event-view';
import { eventSensitivity, type DetectionContext } from '../detection/context';
import { DEFAULT_THRESHOLDS, detect, raise } from '../detection/engine';
import { compilePolicy } from '../detection/glob';
import { parseEventTime } from '../detection/time';
import type { AllowanceIndex } from './allowances';
import type { ThresholdTable } from './thresholds';

/** Complete thresholds for an identity kind under a table. */
export function thresholdsFor(
  table: ThresholdTable,
  kind: IdentityKind,
): Readonly<Record<ExceptionKind, number>> {
  const own = table.byIdentityKind[kind];
  return own ? { ...table.global, ...own } : table.global;
}

/** A candidate set applied over the current table: what is named replaces what is in force. */
export function overlayThresholds(
  current: ThresholdTable,
  candidate: {
    readonly global: Partial<Record<ExceptionKind, number>>;
    readonly byIdentityKind?: Partial<Record<IdentityKind, Partial<Record<ExceptionKind, number>>>>;
  },
): ThresholdTable {
  const global = { ...current.global, ...candidate.global };
  const byIdentityKind: Partial<Record<IdentityKind, Partial<Record<ExceptionKind, number>>>> = {};
  for (const [kind, own] of Object.entries(current.byIdentityKind)) {
    byIdentityKind[kind as IdentityKind] = { ...own };
  }
  for (const [kind, own] of Object.entries(candidate.byIdentityKind ?? {})) {
    byIdentityKind[kind as IdentityKind] = { ...byIdentityKind[kind as IdentityKind], ...own };
  }
  return { global, byIdentityKind };
}

export interface ReplayDetectorResult {
  readonly detector: ExceptionKind;
  /** Distinct cases (fingerprints) each threshold set would have opened. */
  readonly current: number;
  readonly candidate: number;
  readonly difference: number;
}

/**
 * Runs recorded events through detection once and counts, for two threshold sets at once,
 * the cases each would have opened. Scores do not depend on thresholds, so every deviation
 * is computed once (with no threshold floor) and raised against each set; the baselines
 * evolve as they did at ingest (each event absorbed after it is judged).
 */
export class WhatIfReplay {
  private readonly currentCases = new Map<ExceptionKind, Set<string>>();
  private readonly candidateCases = new Map<ExceptionKind, Set<string>>();
  private readonly view = emptyView();
  private processed = 0;

  constructor(
    private readonly current: ThresholdTable,
    private readonly candidate: ThresholdTable,
    private readonly allowances?: AllowanceIndex,
  ) {}

  get eventsProcessed(): number {
    return this.processed;
  }

  feed(event: TelemetryEvent, identity: Identity, baseline: Baseline): void {
    const eventTimeMs = parseEventTime(event.time);
    if (Number.isNaN(eventTimeMs)) return;
    const view = fillView(this.view, event, eventTimeMs);
    const policy = compilePolicy(identity.policy);
    const sensitivity = eventSensitivity(policy, view);
    const ctx: DetectionContext = {
      event,
      eventTimeMs,
      identity,
      baseline,
      sensitivity,
      view,
      policy,
    };
    const learning = baseline.isLearning(DEFAULT_LEARNING);
    const deviations = detect(ctx, { thresholds: DEFAULT_THRESHOLDS, learning: DEFAULT_LEARNING });
    if (deviations.length > 0) {
      const base = {
        learning,
        identity,
        sensitivity,
        eventId: event.id,
        eventTimeMs,
        allowances: this.allowances,
      };
      const current = raise(deviations, {
        ...base,
        thresholds: thresholdsFor(this.current, identity.kind),
      });
      const candidate = raise(deviations, {
        ...base,
        thresholds: thresholdsFor(this.candidate, identity.kind),
      });
      for (const e of current) add(this.currentCases, e.deviation.kind, e.fingerprint);
      for (const e of candidate) add(this.candidateCases, e.deviation.kind, e.fingerprint);
    }
    baseline.absorbView(view);
    this.processed += 1;
  }

  /** Per detector that raised under either set, in detector order. */
  results(): ReplayDetectorResult[] {
    const detectors = new Set([...this.currentCases.keys(), ...this.candidateCases.keys()]);
    return [...detectors].sort().map((detector) => {
      const current = this.currentCases.get(detector)?.size ?? 0;
      const candidate = this.candidateCases.get(detector)?.size ?? 0;
      return { detector, current, candidate, difference: candidate - current };
    });
  }

  raisedByCurrent(fingerprint: string, detector: ExceptionKind): boolean {
    return this.currentCases.get(detector)?.has(fingerprint) ?? false;
  }

  raisedByCandidate(fingerprint: string, detector: ExceptionKind): boolean {
    return this.candidateCases.get(detector)?.has(fingerprint) ?? false;
  }
}

function add(map: Map<ExceptionKind, Set<string>>, kind: ExceptionKind, fingerprint: string): void {
  const set = map.get(kind);
  if (set) set.add(fingerprint);
  else map.set(kind, new Set([fingerprint]));
}
