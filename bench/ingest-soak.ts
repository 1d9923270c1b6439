/**
 * Sustained HTTP ingest: the API as in production (bench/ingest-http.ts's setup: a real
 * Temporal dev server, a fresh SQLite file or PostgreSQL database) in a process of its own,
 * fed 1,000-event batches at a target rate for a fixed time. Batches leave on a fixed
 * schedule (open loop, at most `concurrency` in flight) for `seconds`: when the API falls
 * behind, the achieved rate shows it and the batches still due at the end are not sent. Every event id is new, so every batch does the full work:
 * validation, the idempotency ledger, detection, baseline absorption, cases.
 *
 * Samples the API process's RSS and heap every few seconds and prints one JSON object:
 * achieved rate, batch latency p50/p99 per 10-second window, memory at start, end and max,
 * and the slope of the heap after warm-up in MB/min — the figure that shows whether memory
 * is stable over the run.
 *
 *   npm run bench:soak -- [seconds=120] [eventsPerSecond=20000] [concurrency=8] [identities=500]
 *   DATABASE_URL=postgres://… npm run bench:soak
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { TelemetryEvent } from '@vigil/contracts';
import {
  benchApiConfig,
  benchDatabase,
  post,
  round,
  startBenchTemporal,
  streamBodies,
} from './ingest-http';
import type { MemorySample, SoakApiMessage } from './soak-api';

const SECONDS = Number(process.argv[2] ?? 120);
const RATE = Number(process.argv[3] ?? 20_000);
const CONCURRENCY = Number(process.argv[4] ?? 8);
const IDENTITIES = Number(process.argv[5] ?? 500);
const BATCH = 1_000;
const WINDOW_MS = 10_000;
const SAMPLE_MS = 5_000;
/** Memory before this is warm-up (caches, JIT, pools) and left out of the slope. */
const WARM_UP_MS = Math.min(30_000, (SECONDS * 1000) / 4);
/** Distinct events replayed with fresh ids; enough to keep every identity busy. */
const TEMPLATE_EVENTS = 100_000;
const MB = 1024 * 1024;

interface Window {
  readonly fromS: number;
  events: number;
  batches: number;
  failed: number;
  readonly latencies: number[];
}

async function main(): Promise<void> {
  const { stream } = streamBodies(TEMPLATE_EVENTS, IDENTITIES);
  const templates = stream.events;
  const temporal = await startBenchTemporal();
  const scratch = await benchDatabase();
  const api = await startApiProcess(benchApiConfig(scratch.settings, temporal.address));
  const loadAtStart = os.loadavg();
  try {
    await post(`${api.url}/v1/identities/import`, JSON.stringify(stream.identities));
    const result = await soak(api, templates);
    console.log(
      JSON.stringify(
        {
          benchmark: 'ingest-soak',
          machine: {
            cpus: os.cpus().length,
            model: os.cpus()[0]?.model,
            node: process.version,
            loadAverageAtStart: loadAtStart.map(round),
            loadAverageAtEnd: os.loadavg().map(round),
          },
          database: scratch.settings.type,
          targetEventsPerSecond: RATE,
          batchSize: BATCH,
          concurrency: CONCURRENCY,
          identities: IDENTITIES,
          ...result,
        },
        null,
        2,
      ),
    );
  } finally {
    await api.stop();
    await scratch.drop();
    await temporal.teardown();
  }
}

interface ApiProcess {
  readonly url: string;
  readonly child: ChildProcess;
  sample(): Promise<MemorySample>;
  stop(): Promise<void>;
}

async function startApiProcess(config: object): Promise<ApiProcess> {
  const child = fork(path.join(__dirname, 'soak-api.js'), [JSON.stringify(config)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the API exited with ${code}`)));
    child.on('message', (message: SoakApiMessage) => {
      if (message.type === 'listening') resolve(message.url);
    });
  });
  return {
    url,
    child,
    sample: () =>
      new Promise((resolve) => {
        const onMessage = (message: SoakApiMessage) => {
          if (message.type !== 'memory') return;
          child.off('message', onMessage);
          resolve(message.sample);
        };
        child.on('message', onMessage);
        child.send({ type: 'sample' });
      }),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.send({ type: 'stop' });
      }),
  };
}

async function soak(api: ApiProcess, templates: readonly TelemetryEvent[]) {
  const batchesPerSecond = RATE / BATCH;
  const scheduled = Math.round(SECONDS * batchesPerSecond);
  const endMs = SECONDS * 1000;
  const windows: Window[] = [];
  const windowAt = (ms: number): Window => {
    const index = Math.floor(ms / WINDOW_MS);
    while (windows.length <= index) {
      windows.push({
        fromS: windows.length * (WINDOW_MS / 1000),
        events: 0,
        batches: 0,
        failed: 0,
        latencies: [],
      });
    }
    return windows[index]!;
  };
  const memory: Array<MemorySample & { readonly tMs: number }> = [];
  const started = performance.now();
  const startedAtMs = Date.now();
  const takeSample = async () => {
    const sample = await api.sample();
    memory.push({ ...sample, tMs: sample.atMs - startedAtMs });
  };
  await takeSample();
  const sampler = setInterval(() => void takeSample(), SAMPLE_MS);

  let next = 0;
  let accepted = 0;
  let exceptions = 0;
  let failures = 0;
  let cursor = 0;
  const body = (sequence: number): string => {
    const events: TelemetryEvent[] = [];
    for (let i = 0; i < BATCH; i++) {
      const template = templates[cursor++ % templates.length]!;
      events.push({ ...template, id: `soak-${sequence}-${i}` });
    }
    return JSON.stringify(events);
  };
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      // The run lasts SECONDS: batches still unsent then (the API fell behind) are not sent.
      while (next < scheduled && performance.now() - started < endMs) {
        const sequence = next++;
        const due = started + (sequence / batchesPerSecond) * 1000;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        const payload = body(sequence);
        const t0 = performance.now();
        try {
          const result = (await post(`${api.url}/v1/events`, payload)) as {
            accepted: number;
            exceptions: unknown[];
          };
          const window = windowAt(t0 - started);
          window.latencies.push(performance.now() - t0);
          window.events += result.accepted;
          window.batches += 1;
          accepted += result.accepted;
          exceptions += result.exceptions.length;
        } catch {
          windowAt(t0 - started).failed += 1;
          failures += 1;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  await takeSample();

  const warm = memory.filter((m) => m.tMs >= WARM_UP_MS);
  const toMb = (bytes: number) => round(bytes / MB);
  const at = (m: MemorySample) => ({
    rssMb: toMb(m.rss),
    heapUsedMb: toMb(m.heapUsed),
    heapTotalMb: toMb(m.heapTotal),
  });
  return {
    seconds: round(seconds),
    batchesScheduled: scheduled,
    batchesSent: next,
    failedBatches: failures,
    eventsAccepted: accepted,
    eventsPerSecond: Math.round(accepted / seconds),
    exceptions,
    windows: windows.map((w) => {
      const sorted = [...w.latencies].sort((a, b) => a - b);
      // The last window ends with the run.
      const span = Math.min(WINDOW_MS / 1000, seconds - w.fromS);
      return {
        fromS: w.fromS,
        eventsPerSecond: span > 0 ? Math.round(w.events / span) : 0,
        batches: w.batches,
        failed: w.failed,
        p50Ms: sorted.length ? round(quantile(sorted, 0.5)) : null,
        p99Ms: sorted.length ? round(quantile(sorted, 0.99)) : null,
      };
    }),
    apiMemory: {
      samples: memory.length,
      start: at(memory[0]!),
      end: at(memory[memory.length - 1]!),
      max: {
        rssMb: toMb(Math.max(...memory.map((m) => m.rss))),
        heapUsedMb: toMb(Math.max(...memory.map((m) => m.heapUsed))),
      },
      warmUpS: WARM_UP_MS / 1000,
      heapUsedSlopeMbPerMin: round(slopePerMinute(warm, (m) => m.heapUsed / MB)),
      rssSlopeMbPerMin: round(slopePerMinute(warm, (m) => m.rss / MB)),
    },
  };
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;
}

/** Least-squares slope of `value` over time, per minute. */
function slopePerMinute<T extends { tMs: number }>(points: readonly T[], value: (p: T) => number) {
  if (points.length < 2) return 0;
  const xs = points.map((p) => p.tMs / 60_000);
  const ys = points.map(value);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
