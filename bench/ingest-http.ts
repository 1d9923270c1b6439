/**
 * HTTP batch ingest throughput: the API as in production (Nest, validation, idempotency
 * ledger, detection, baseline flush, case starts on a real Temporal dev server), fed
 * 1,000-event batches over loopback by concurrent clients. The database is a fresh SQLite
 * file, or a fresh database on the PostgreSQL server DATABASE_URL names (one database per
 * process: column types follow DATABASE_URL). BASELINE_FLUSH_MS sets the API's baseline
 * write interval (default: the API's). Prints one JSON object; when forked with an IPC
 * channel (as bench/detect.ts runs it), also sends it to the parent.
 *
 *   npm run bench:ingest -- [events] [identities] [concurrency]
 *   DATABASE_URL=postgres://… npm run bench:ingest
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { INestApplication } from '@nestjs/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadConfig, type VigilConfig } from '@vigil/config';
import { CASE_SEARCH_ATTRIBUTES } from '@vigil/contracts';
import { createDataSource, migrate } from '@vigil/persistence';
import { startApi } from '../test/support/api';
import { TEST_ADMIN_KEY } from '../test/support/http';
import { generateStream } from './generator';
import { postgresScratch, sqliteScratch, type Scratch } from './scratch-database';

const EVENTS = Number(process.argv[2] ?? 200_000);
const IDENTITIES = Number(process.argv[3] ?? 500);
const CONCURRENCY = Number(process.argv[4] ?? 4);
const BATCH = 1_000;
const FLUSH_MS = loadConfig({ BASELINE_FLUSH_MS: process.env.BASELINE_FLUSH_MS }).ingest
  .baselineFlushMs;

// The CLI path comes from the project's own provisioning script (plain JS at the repo root).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const tools = require(path.resolve(__dirname, '../../scripts/temporal-tools.js')) as {
  ensureTemporalCli(options?: { quiet?: boolean }): string;
};

interface Run {
  readonly database: 'sqlite' | 'postgres';
  readonly events: number;
  readonly batches: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly batchLatencyMs: { readonly p50: number; readonly p99: number };
  /** CPU time of this process (API and clients) over the timed run, per 1,000 events. */
  readonly processCpuMsPer1000Events: number;
  readonly exceptions: number;
}

async function main(): Promise<void> {
  const { stream, bodies } = streamBodies(EVENTS, IDENTITIES);
  const temporal = await startBenchTemporal();
  const postgres = process.env.DATABASE_URL;
  let run: Run;
  try {
    const scratch = await benchDatabase();
    run = await measure(
      postgres ? 'postgres' : 'sqlite',
      scratch,
      temporal.address,
      stream.identities,
      bodies,
    );
  } finally {
    await temporal.teardown();
  }
  const result = {
    benchmark: 'ingest-http',
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
    batchSize: BATCH,
    concurrency: CONCURRENCY,
    identities: IDENTITIES,
    baselineFlushMs: FLUSH_MS,
    ...run,
  };
  console.log(JSON.stringify(result, null, 2));
  const parent = process.send?.bind(process);
  if (parent) await new Promise<void>((resolve) => parent(result, () => resolve()));
  process.disconnect?.();
}

/** A Temporal dev server on loopback with Vigil's search attributes. */
export function startBenchTemporal(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: tools.ensureTemporalCli({ quiet: true }) },
      ip: '127.0.0.1',
      searchAttributes: [...CASE_SEARCH_ATTRIBUTES],
      log: { format: 'pretty', level: 'error' },
    },
  });
}

/** A fresh, migrated database: SQLite, or on the PostgreSQL server DATABASE_URL names. */
export async function benchDatabase(): Promise<Scratch> {
  const postgres = process.env.DATABASE_URL;
  const scratch = postgres ? await postgresScratch(postgres, 'vigil_bench') : await sqliteScratch();
  const migrations = createDataSource(scratch.settings);
  await migrations.initialize();
  await migrate(migrations);
  await migrations.destroy();
  return scratch;
}

/** The API's configuration for a benchmark: quiet logs, the test admin key as its key. */
export function benchApiConfig(settings: Scratch['settings'], address: string): VigilConfig {
  const base = loadConfig({ LOG_LEVEL: 'error' });
  return {
    ...base,
    auth: { ...base.auth, adminKey: TEST_ADMIN_KEY },
    ingest: { baselineFlushMs: FLUSH_MS },
    temporal: { ...base.temporal, address, taskQueue: `bench-${settings.type}` },
    database: settings,
  };
}

/** 1,000-event JSON bodies of the generated stream, and the identities it uses. */
export function streamBodies(events: number, identities: number) {
  const stream = generateStream({ seed: 7, identities, days: 21, maxEvents: events });
  const bodies: string[] = [];
  for (let i = 0; i < stream.events.length; i += BATCH) {
    bodies.push(JSON.stringify(stream.events.slice(i, i + BATCH)));
  }
  return { stream, bodies };
}

async function measure(
  database: Run['database'],
  scratch: Scratch,
  address: string,
  identities: ReadonlyArray<{ id: string }>,
  bodies: readonly string[],
): Promise<Run> {
  const app: INestApplication = await startApi(benchApiConfig(scratch.settings, address));
  await app.listen(0, '127.0.0.1');
  const url = `${await app.getUrl()}`.replace('[::1]', '127.0.0.1');
  try {
    await post(`${url}/v1/identities/import`, JSON.stringify(identities));
    const latencies: number[] = [];
    let exceptions = 0;
    let next = 0;
    const started = performance.now();
    const cpuAtStart = process.cpuUsage();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < bodies.length) {
          const body = bodies[next++]!;
          const t0 = performance.now();
          const result = (await post(`${url}/v1/events`, body)) as { exceptions: unknown[] };
          latencies.push(performance.now() - t0);
          exceptions += result.exceptions.length;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuAtStart);
    const events = bodies.reduce((n, b) => n + (JSON.parse(b) as unknown[]).length, 0);
    latencies.sort((a, b) => a - b);
    return {
      database,
      events,
      batches: bodies.length,
      seconds: round(seconds),
      eventsPerSecond: Math.round(events / seconds),
      batchLatencyMs: {
        p50: round(latencies[Math.floor(latencies.length * 0.5)]!),
        p99: round(latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))]!),
      },
      processCpuMsPer1000Events: round((cpu.user + cpu.system) / events),
      exceptions,
    };
  } finally {
    await app.close();
    await scratch.drop();
  }
}

export async function post(url: string, body: string): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` },
    body,
    signal: AbortSignal.timeout(60_000),
  });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
}

export function round(value: number): number {
  return Math.round(value * 100) / 100;
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
