/**
 * Detection quality on a realistic stream: a seeded routine stream (bench/generator.ts)
 * with labelled anomalies of each worked-example type injected (bench/anomalies.ts), run
 * through the in-process pipeline exactly as ingest runs it (per identity a Baseline,
 * processEvent in time order), raised exceptions de-duplicated by fingerprint into cases
 * (one case per fingerprint, as the case workflow's signal-with-start does while a case
 * is open). Prints one JSON object: recall (overall and per type), precision, cases per
 * anomaly, exceptions per million events, the share of events that raised nothing,
 * per-detector counts, and examples of false positives and misses for detector owners.
 *
 * A case explains an anomaly when any event it was raised on (its opening event or an
 * occurrence) is one of the anomaly's injected events; a case that explains none is a
 * false positive. Cases never close within the run: a long-open case absorbs repeats,
 * which is what an analyst queue that is not worked through would do.
 *
 *   npx tsc -p tsconfig.bench.json && npx tsc-alias -p tsconfig.bench.json
 *   node dist-bench/bench/quality.js [events] [identities] [days] [anomaliesPerType] [seed]
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Identity, RaisedException, TelemetryEvent } from '../libs/contracts/src/telemetry';
import { Baseline } from '../libs/domain/src/baseline/baseline';
import { contextFor } from '../libs/domain/src/detection/context';
import {
  DEFAULT_DETECTION_SETTINGS,
  detect,
  processEvent,
} from '../libs/domain/src/detection/engine';
import { ANOMALY_TYPES, injectAnomalies, type AnomalyLabel, type AnomalyType } from './anomalies';
import { generateStream } from './generator';
import { runTuningRounds } from './tuning-rounds';

const EVENTS = Number(process.argv[2] ?? 1_000_000);
const IDENTITIES = Number(process.argv[3] ?? 1_000);
const DAYS = Number(process.argv[4] ?? 28);
const PER_TYPE = Number(process.argv[5] ?? 25);
const SEED = Number(process.argv[6] ?? 20261124);
const TARGETS = { recall: 0.95, maxCasesPerAnomaly: 1.5 };
/** After tuning: false-positive cases at most this share of the first pass, recall held. */
const TUNING_TARGETS = { maxFalsePositiveRatio: 0.5, minRecall: 0.95 };
const TUNING_ROUNDS = 3;
/** Examples printed per detector (false positives) and per type (misses). */
const EXAMPLES = 3;

interface Case {
  readonly fingerprint: string;
  readonly first: RaisedException;
  readonly firstEvent: TelemetryEvent;
  readonly eventIds: string[];
  /** Whether the identity's baseline was still learning when the case opened. */
  readonly openedWhileLearning: boolean;
}

const round = (x: number, places = 4): number => Math.round(x * 10 ** places) / 10 ** places;

function increment(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

/** Evidence cut to what a reader needs: no long samples. */
function brief(evidence: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(evidence)) {
    out[k] = Array.isArray(v) && v.length > 5 ? [...v.slice(0, 5), `…${v.length - 5} more`] : v;
  }
  return out;
}

function eventSummary(e: TelemetryEvent): Record<string, unknown> {
  return {
    id: e.id,
    time: e.time,
    type: e.type,
    action: e.action,
    resource: e.resource,
    scope: e.scope,
    tool: e.attributes.tool,
    userAgent: e.source.userAgent,
  };
}

function main(): void {
  const startedAll = performance.now();
  const stream = generateStream({
    seed: SEED,
    identities: IDENTITIES,
    days: DAYS,
    maxEvents: EVENTS,
  });
  const generatedAt = performance.now();
  const injected = injectAnomalies(stream, { seed: SEED ^ 0x5eed, perType: PER_TYPE });
  const { events, anomalies } = injected;

  const anomalyOfEvent = new Map<string, AnomalyLabel>();
  for (const a of anomalies) {
    for (const id of a.contextEventIds) anomalyOfEvent.set(id, a);
    for (const id of a.eventIds) anomalyOfEvent.set(id, a);
  }
  const injectedEvents = anomalies.reduce((n, a) => n + a.eventIds.length, 0);
  const entries = new Map<string, { identity: Identity; baseline: Baseline }>(
    injected.identities.map((identity) => [
      identity.id,
      { identity, baseline: new Baseline(identity.id) },
    ]),
  );
  const times = events.map((e) => Date.parse(e.time));

  // Every deviation any detector saw on an anomaly's events (thresholds and cold start
  // aside), to explain misses. Only anomaly events are diagnosed: it costs nothing.
  const diagnosis = new Map<string, Array<Record<string, unknown>>>();
  const learningAtInjection = new Map<string, boolean>();
  const cases = new Map<string, Case>();
  let raisedExceptions = 0;
  let silentEvents = 0;
  const loopStarted = performance.now();
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    const entry = entries.get(event.identityId);
    if (entry === undefined) throw new Error(`no identity ${event.identityId}`);
    const anomaly = anomalyOfEvent.get(event.id);
    const learning = entry.baseline.isLearning(DEFAULT_DETECTION_SETTINGS.learning);
    if (anomaly !== undefined && anomaly.eventIds.includes(event.id)) {
      if (anomaly.eventIds[0] === event.id) learningAtInjection.set(anomaly.anomalyId, learning);
      const ctx = contextFor(event, entry.identity, entry.baseline, times[i]);
      const seen = diagnosis.get(anomaly.anomalyId) ?? [];
      for (const d of detect(ctx)) {
        const same = seen.find((s) => s.kind === d.kind);
        if (same === undefined)
          seen.push({ kind: d.kind, score: round(d.score, 3), value: d.value });
        else if ((same.score as number) < d.score) same.score = round(d.score, 3);
      }
      diagnosis.set(anomaly.anomalyId, seen);
    }
    const raised = processEvent(
      event,
      entry.identity,
      entry.baseline,
      DEFAULT_DETECTION_SETTINGS,
      times[i],
    );
    if (raised.length === 0) {
      silentEvents++;
      continue;
    }
    raisedExceptions += raised.length;
    for (const r of raised) {
      const open = cases.get(r.fingerprint);
      if (open === undefined) {
        cases.set(r.fingerprint, {
          fingerprint: r.fingerprint,
          first: r,
          firstEvent: event,
          openedWhileLearning: learning,
          eventIds: [event.id],
        });
      } else {
        open.eventIds.push(event.id);
      }
    }
  }
  // Includes the diagnosis of the few anomaly events: negligible next to the stream.
  const detectSeconds = (performance.now() - loopStarted) / 1000;

  const detected = new Set<string>();
  const openedByAnomaly = new Set<string>();
  const perDetector = new Map<string, number>();
  const falseByDetector = new Map<string, number>();
  const falseWhileLearning = new Map<string, number>();
  const coldStartByIdentity = new Map<string, number>();
  let coldStartOnFirstValue = 0;
  const falseByDetectorAndKind = new Map<string, number>();
  const falseExamples = new Map<string, Array<Record<string, unknown>>>();
  const detectorsByType = new Map<AnomalyType, Map<string, number>>();
  let explained = 0;
  for (const c of cases.values()) {
    const kind = c.first.deviation.kind;
    increment(perDetector, kind);
    const explains = new Set<AnomalyLabel>();
    for (const id of c.eventIds) {
      const a = anomalyOfEvent.get(id);
      // A routine event of an anomaly's window explains only the finding the window is
      // about (a rate spike in the burst hour), not whatever else it happens to raise.
      if (a !== undefined && (a.eventIds.includes(id) || a.contextKind === kind)) explains.add(a);
    }
    if (explains.size > 0) {
      explained++;
      for (const a of explains) {
        detected.add(a.anomalyId);
        if (anomalyOfEvent.get(c.first.eventId) === a) openedByAnomaly.add(a.anomalyId);
        let m = detectorsByType.get(a.type);
        if (m === undefined) detectorsByType.set(a.type, (m = new Map()));
        increment(m, kind);
      }
      continue;
    }
    const identity = entries.get(c.first.identityId)!.identity;
    increment(falseByDetector, kind);
    if (c.openedWhileLearning) {
      increment(falseWhileLearning, kind);
      increment(coldStartByIdentity, identity.id);
      if (c.first.deviation.evidence.knownCount === 0) coldStartOnFirstValue++;
    }
    increment(falseByDetectorAndKind, `${kind} on ${identity.kind}`);
    // Examples of both phases: cold-start findings and findings on a learned baseline
    // usually need different fixes.
    const key = `${kind}${c.openedWhileLearning ? ' (learning)' : ' (learned)'}`;
    const examples = falseExamples.get(key) ?? [];
    if (examples.length < EXAMPLES) {
      examples.push({
        identityId: identity.id,
        identityKind: identity.kind,
        criticality: identity.criticality,
        occurrences: c.eventIds.length,
        openedWhileLearning: c.openedWhileLearning,
        event: eventSummary(c.firstEvent),
        reason: c.first.deviation.reason,
        evidence: brief(c.first.deviation.evidence),
      });
      falseExamples.set(key, examples);
    }
  }

  const perType: Record<string, unknown> = {};
  for (const type of ANOMALY_TYPES) {
    const ofType = anomalies.filter((a) => a.type === type);
    const hits = ofType.filter((a) => detected.has(a.anomalyId));
    const missed = ofType.filter((a) => !detected.has(a.anomalyId));
    perType[type] = {
      injected: ofType.length,
      detected: hits.length,
      recall: ofType.length === 0 ? null : round(hits.length / ofType.length),
      detectedOnOpeningEvent: hits.filter((a) => openedByAnomaly.has(a.anomalyId)).length,
      byDetector: Object.fromEntries(detectorsByType.get(type) ?? []),
      missedExamples: missed.slice(0, EXAMPLES).map((a) => ({
        anomalyId: a.anomalyId,
        identityId: a.identityId,
        identityKind: a.identityKind,
        note: a.note,
        learningAtInjection: learningAtInjection.get(a.anomalyId) ?? null,
        deviationsSeen: diagnosis.get(a.anomalyId) ?? [],
      })),
    };
  }

  const caseCount = cases.size;
  const recall = anomalies.length === 0 ? 0 : detected.size / anomalies.length;
  const precision = caseCount === 0 ? 1 : explained / caseCount;
  const casesPerAnomaly = anomalies.length === 0 ? null : caseCount / anomalies.length;
  const met =
    recall >= TARGETS.recall &&
    casesPerAnomaly !== null &&
    casesPerAnomaly <= TARGETS.maxCasesPerAnomaly;
  const coldStart = [...falseWhileLearning.values()].reduce((a, b) => a + b, 0);
  const perIdentity = [...coldStartByIdentity.values()].sort((a, b) => a - b);
  const kinds = new Map<string, number>();
  for (const i of injected.identities) increment(kinds, i.kind);
  const learningAtEnd = [...entries.values()].filter((e) => e.baseline.isLearning()).length;

  const tuningStarted = performance.now();
  const tuning = runTuningRounds({
    events,
    times,
    identities: injected.identities,
    anomalies,
    rounds: TUNING_ROUNDS,
    seed: SEED,
  });
  const lastRound = tuning.rounds[tuning.rounds.length - 1];

  console.log(
    JSON.stringify(
      {
        benchmark: 'quality',
        seed: SEED,
        identities: injected.identities.length,
        identityKinds: Object.fromEntries(kinds),
        identitiesStillLearningAtEnd: learningAtEnd,
        days: DAYS,
        events: events.length,
        routineEvents: events.length - injectedEvents,
        injectedEvents,
        routineEventsInAnomalyWindows: anomalyOfEvent.size - injectedEvents,
        suppressedRoutineEvents: anomalies.reduce((n, a) => n + a.suppressedEventIds.length, 0),
        injectedAnomalies: anomalies.length,
        raisedExceptions,
        cases: caseCount,
        explainedCases: explained,
        falsePositiveCases: caseCount - explained,
        recall: round(recall),
        precision: round(precision),
        casesPerAnomaly: casesPerAnomaly === null ? null : round(casesPerAnomaly, 3),
        exceptionsPerMillionEvents: round((raisedExceptions / events.length) * 1e6, 1),
        casesPerMillionEvents: round((caseCount / events.length) * 1e6, 1),
        falsePositiveCasesPerMillionEvents: round(
          ((caseCount - explained) / events.length) * 1e6,
          1,
        ),
        silentEventShare: round(silentEvents / events.length, 6),
        targets: TARGETS,
        met,
        perType,
        casesByDetector: Object.fromEntries([...perDetector].sort((a, b) => b[1] - a[1])),
        falsePositivesByDetector: Object.fromEntries(
          [...falseByDetector].sort((a, b) => b[1] - a[1]),
        ),
        falsePositivesOpenedWhileLearningByDetector: Object.fromEntries(
          [...falseWhileLearning].sort((a, b) => b[1] - a[1]),
        ),
        // Diagnostic only, for the cold-start rule's owners: the false positives opened
        // while an identity was still learning, and the ratio the run would have without
        // them. Not a target figure: the pipeline did raise them.
        coldStart: {
          falsePositiveCases: coldStart,
          identities: perIdentity.length,
          medianPerIdentity: perIdentity.length === 0 ? 0 : perIdentity[perIdentity.length >> 1],
          maxPerIdentity: perIdentity.length === 0 ? 0 : perIdentity[perIdentity.length - 1],
          onFirstValueOfItsDimension: coldStartOnFirstValue,
          casesPerAnomalyWithout:
            anomalies.length === 0 ? null : round((caseCount - coldStart) / anomalies.length, 3),
        },
        falsePositivesByDetectorAndIdentityKind: Object.fromEntries(
          [...falseByDetectorAndKind].sort((a, b) => b[1] - a[1]),
        ),
        falsePositiveExamples: Object.fromEntries(falseExamples),
        tuning: {
          rounds: tuning.rounds,
          finalThresholds: tuning.finalThresholds,
          targets: TUNING_TARGETS,
          met:
            lastRound.falsePositiveRatio <= TUNING_TARGETS.maxFalsePositiveRatio &&
            lastRound.recall >= TUNING_TARGETS.minRecall,
          seconds: round((performance.now() - tuningStarted) / 1000, 2),
        },
        runtime: {
          generateSeconds: round((generatedAt - startedAll) / 1000, 2),
          detectSeconds: round(detectSeconds, 2),
          detectEventsPerSecond: Math.round(events.length / detectSeconds),
          totalSeconds: round((performance.now() - startedAll) / 1000, 2),
        },
        node: process.version,
        cpu: cpus()[0]?.model ?? 'unknown',
        cores: cpus().length,
      },
      null,
      2,
    ),
  );
}

main();
