/**
 * In-process detection throughput, single core: per event, detect on the baseline, raise,
 * absorb (processEvent). Next to it, a floor measured in the same run on the same events:
 * JSON.parse of each event's JSON plus one Map lookup. Prints one JSON object.
 *
 * Two modes per phase:
 * - detectAbsorb: processEvent for every event; the deltas are taken once, at the end
 *   (inside the timed run). Its warm figure is the headline.
 * - withDeltaFlush: as ingest runs it today, the touched baselines' deltas are taken
 *   after every 1,000-event batch. Each delta is a set of row objects for the store, so
 *   this costs more the fewer events each identity has per batch.
 * Two phases, over a generated stream (bench/generator.ts) covering 2 × `days`:
 * - warm: baselines built from the first half (restored from their snapshots before each
 *   run), events of the second half: the steady state of an ingest process whose
 *   baselines are loaded from the store;
 * - cold: empty baselines, events of the first half: every identity's cold start,
 *   first-seen values and learning period fall inside the timed run.
 * Each run detects on freshly parsed events (parsed before the clock starts), so no
 * string has been hashed by an earlier run. Medians of the runs are reported, by wall
 * clock and by the main thread's CPU time (which a busy shared machine inflates less).
 *
 * Then HTTP batch ingest (bench/ingest-http.ts, its default sizes) in child processes, one
 * per database, since a process's column types follow its DATABASE_URL: on a fresh SQLite
 * file, and on PostgreSQL when BENCH_POSTGRES_URL names a server (a scratch database is
 * created there and dropped). Their results are the `ingestHttp` part of the one JSON
 * object printed; their own output goes to stderr.
 *
 *   npm run bench:detect -- [eventsPerPhase] [identities] [daysPerPhase]
 *   BENCH_POSTGRES_URL=postgres://… npm run bench:detect
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Identity, TelemetryEvent } from '../libs/contracts/src/telemetry';
import { Baseline } from '../libs/domain/src/baseline/baseline';
import type { BaselineSnapshot } from '../libs/domain/src/baseline/types';
import { DEFAULT_DETECTION_SETTINGS, processEvent } from '../libs/domain/src/detection/engine';
import { generateStream } from './generator';

const EVENTS = Number(process.argv[2] ?? 250_000);
const IDENTITIES = Number(process.argv[3] ?? 1_000);
// A week per phase: the shortest history on which every detector is live (off-hours needs
// one), and with the event budget fixed, per-identity activity nearer real NHI volumes.
const DAYS = Number(process.argv[4] ?? 7);
const SEED = 20261124;
const RUNS = 7;
/** Events per ingest batch: after each, the touched baselines' deltas are taken. */
const BATCH = 1_000;

/** What ingest keeps per identity: its registration and its cached baseline. */
interface Entry {
  readonly identity: Identity;
  baseline: Baseline;
  batch: number;
}

/** Wall-clock and main-thread CPU seconds of one timed run. */
interface Timing {
  readonly wall: number;
  /** NaN where the thread's CPU clock cannot be read. */
  readonly cpu: number;
}

// The main thread's own CPU time (Linux: /proc/<pid>/task/<pid>/schedstat, ns on CPU).
// On a shared machine the wall clock also counts time the thread spent preempted; this
// does not, and GC helper threads are not counted either way.
const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`;
function threadCpuSeconds(): number {
  try {
    return Number(readFileSync(SCHEDSTAT, 'utf8').split(' ')[0]) / 1e9;
  } catch {
    return NaN;
  }
}

function timed(fn: () => void): Timing {
  const cpu = threadCpuSeconds();
  const wall = performance.now();
  fn();
  return { wall: (performance.now() - wall) / 1000, cpu: threadCpuSeconds() - cpu };
}

interface Counts {
  raised: number;
  deltas: number;
}

function detectRun(
  events: readonly TelemetryEvent[],
  entries: Map<string, Entry>,
  batchSize: number,
  counts: Counts,
): void {
  let touched: Baseline[] = [];
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    const entry = entries.get(event.identityId)!;
    counts.raised += processEvent(
      event,
      entry.identity,
      entry.baseline,
      DEFAULT_DETECTION_SETTINGS,
    ).length;
    const batch = (i / batchSize) | 0;
    if (entry.batch !== batch) {
      entry.batch = batch;
      touched.push(entry.baseline);
    }
    if ((i + 1) % batchSize === 0) {
      for (const b of touched) if (b.takeDelta() !== null) counts.deltas++;
      touched = [];
    }
  }
  for (const b of touched) if (b.takeDelta() !== null) counts.deltas++;
}

function floorRun(lines: readonly string[], entries: Map<string, Entry>): void {
  let found = 0;
  for (let i = 0; i < lines.length; i++) {
    const event = JSON.parse(lines[i]) as TelemetryEvent;
    if (entries.get(event.identityId) !== undefined) found++;
  }
  if (found !== lines.length) throw new Error('floor run lost events');
}

// A full collection before each timed run, so no run pays for the garbage of the one
// before it or of the parse that prepared it.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

function parse(lines: readonly string[]): TelemetryEvent[] {
  return lines.map((line) => JSON.parse(line) as TelemetryEvent);
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

const round = (x: number, places = 3): number => Math.round(x * 10 ** places) / 10 ** places;

interface Rates {
  /** Median over the runs, wall clock. */
  readonly eventsPerSecond: number;
  /** Median over the runs, main-thread CPU time. */
  readonly eventsPerCpuSecond: number | null;
  readonly runSeconds: number[];
}

function rates(events: number, runs: readonly Timing[]): Rates {
  const cpu = median(runs.map((r) => r.cpu));
  return {
    eventsPerSecond: Math.round(events / median(runs.map((r) => r.wall))),
    eventsPerCpuSecond: Number.isNaN(cpu) ? null : Math.round(events / cpu),
    runSeconds: runs.map((r) => round(r.wall)),
  };
}

interface Phase {
  readonly events: number;
  readonly detectAbsorb: Rates & Counts;
  readonly withDeltaFlush: Rates & Counts;
  readonly floor: Rates;
  /** Floor events/s over detect+absorb events/s (wall clock; CPU time in brackets). */
  readonly floorToDetectAbsorbRatio: number;
  readonly floorToDetectAbsorbCpuRatio: number | null;
}

function measure(lines: readonly string[], entries: Map<string, Entry>, reset: () => void): Phase {
  const runs = {
    detectAbsorb: [] as Timing[],
    withDeltaFlush: [] as Timing[],
    floor: [] as Timing[],
  };
  const counts = {
    detectAbsorb: { raised: 0, deltas: 0 },
    withDeltaFlush: { raised: 0, deltas: 0 },
  };
  for (let r = 0; r < RUNS; r++) {
    for (const [mode, batch] of [
      ['detectAbsorb', Number.MAX_SAFE_INTEGER],
      ['withDeltaFlush', BATCH],
    ] as const) {
      const events = parse(lines);
      reset();
      collectGarbage();
      const runCounts = { raised: 0, deltas: 0 };
      runs[mode].push(timed(() => detectRun(events, entries, batch, runCounts)));
      counts[mode] = runCounts;
    }
    collectGarbage();
    runs.floor.push(timed(() => floorRun(lines, entries)));
  }
  const detectAbsorb = { ...rates(lines.length, runs.detectAbsorb), ...counts.detectAbsorb };
  const floor = rates(lines.length, runs.floor);
  return {
    events: lines.length,
    detectAbsorb,
    withDeltaFlush: { ...rates(lines.length, runs.withDeltaFlush), ...counts.withDeltaFlush },
    floor,
    floorToDetectAbsorbRatio: round(floor.eventsPerSecond / detectAbsorb.eventsPerSecond, 2),
    floorToDetectAbsorbCpuRatio:
      floor.eventsPerCpuSecond !== null && detectAbsorb.eventsPerCpuSecond !== null
        ? round(floor.eventsPerCpuSecond / detectAbsorb.eventsPerCpuSecond, 2)
        : null,
  };
}

/** One run of bench/ingest-http.ts in a child process; DATABASE_URL selects its database. */
function ingestHttp(databaseUrl: string | undefined): Promise<unknown> {
  const env = { ...process.env };
  delete env.DATABASE_URL;
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  return new Promise((resolve, reject) => {
    let result: unknown;
    const child = fork(path.join(__dirname, 'ingest-http.js'), [], {
      env,
      stdio: ['ignore', process.stderr, process.stderr, 'ipc'],
    });
    child.on('message', (message) => (result = message));
    child.on('error', reject);
    child.on('exit', (code) =>
      result !== undefined
        ? resolve(result)
        : reject(new Error(`ingest-http exited with code ${code} without a result`)),
    );
  });
}

async function ingestHttpRuns(): Promise<Record<string, unknown>> {
  const runs: Record<string, unknown> = {};
  const postgres = process.env.BENCH_POSTGRES_URL;
  for (const [database, url] of [
    ['sqlite', undefined],
    ['postgres', postgres],
  ] as const) {
    if (database === 'postgres' && !url) {
      runs[database] = { skipped: 'set BENCH_POSTGRES_URL=postgres://… to measure it' };
      continue;
    }
    try {
      runs[database] = await ingestHttp(url);
    } catch (error) {
      runs[database] = { error: error instanceof Error ? error.message : String(error) };
      process.exitCode = 1;
    }
  }
  return runs;
}

async function main(): Promise<void> {
  const stream = generateStream({
    seed: SEED,
    identities: IDENTITIES,
    days: 2 * DAYS,
    maxEvents: 2 * EVENTS,
  });
  const split = Date.UTC(2026, 9, 5) + DAYS * 86_400_000;
  const lines = stream.events.map((e) => JSON.stringify(e));
  const cut = stream.events.findIndex((e) => Date.parse(e.time) >= split);
  const firstHalf = lines.slice(0, cut);
  const secondHalf = lines.slice(cut);
  const entries = new Map<string, Entry>(
    stream.identities.map((identity) => [
      identity.id,
      { identity, baseline: new Baseline(identity.id), batch: -1 },
    ]),
  );
  const empty = (): void => {
    for (const entry of entries.values()) {
      entry.baseline = new Baseline(entry.identity.id);
      entry.batch = -1;
    }
  };

  // Warm-up: let the JIT settle on every path before anything is timed.
  empty();
  detectRun(parse(firstHalf.slice(0, 50_000)), entries, BATCH, { raised: 0, deltas: 0 });
  floorRun(firstHalf.slice(0, 50_000), entries);

  const cold = measure(firstHalf, entries, empty);

  // Baselines after the first half, in stored form, restored before each warm run.
  empty();
  detectRun(parse(firstHalf), entries, BATCH, { raised: 0, deltas: 0 });
  const snapshots = new Map<string, BaselineSnapshot>();
  for (const [id, entry] of entries) snapshots.set(id, entry.baseline.toSnapshot());
  const restore = (): void => {
    for (const [id, entry] of entries) {
      entry.baseline = Baseline.fromSnapshot(snapshots.get(id)!);
      entry.batch = -1;
    }
  };
  const warm = measure(secondHalf, entries, restore);

  const kinds = new Map<string, number>();
  for (const i of stream.identities) kinds.set(i.kind, (kinds.get(i.kind) ?? 0) + 1);
  const learning = [...entries.values()].filter((e) => e.baseline.isLearning()).length;
  const loadAverageAtEnd = loadavg().map((x) => round(x, 2));
  const ingest = await ingestHttpRuns();

  console.log(
    JSON.stringify(
      {
        benchmark: 'detect',
        identities: stream.identities.length,
        identityKinds: Object.fromEntries(kinds),
        daysPerPhase: DAYS,
        batchSize: BATCH,
        runsPerPhase: RUNS,
        identitiesStillLearningAtEnd: learning,
        warm,
        cold,
        node: process.version,
        cpu: cpus()[0]?.model ?? 'unknown',
        cores: cpus().length,
        loadAverageAtEnd,
        ingestHttp: ingest,
      },
      null,
      2,
    ),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
