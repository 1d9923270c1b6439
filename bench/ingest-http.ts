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
  const stream = generateStream({ seed: 7, identities: IDENTITIES, days: 21, maxEvents: EVENTS });
  const bodies: string[] = [];
  for (let i = 0; i < stream.events.length; i += BATCH) {
    bodies.push(JSON.stringify(stream.events.slice(i, i + BATCH)));
  }
  const temporal = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: tools.ensureTemporalCli({ quiet: true }) },
      ip: '127.0.0.1',
      searchAttributes: [...CASE_SEARCH_ATTRIBUTES],
      log: { format: 'pretty', level: 'error' },
    },
  });
  const postgres = process.env.DATABASE_URL;
  let run: Run;
  try {
    const scratch = postgres
      ? await postgresScratch(postgres, 'vigil_bench')
      : await sqliteScratch();
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

async function measure(
  database: Run['database'],
  scratch: Scratch,
  address: string,
  identities: ReadonlyArray<{ id: string }>,
  bodies: readonly string[],
): Promise<Run> {
  const migrations = createDataSource(scratch.settings);
  await migrations.initialize();
  await migrate(migrations);
  await migrations.destroy();

  const base = loadConfig({ LOG_LEVEL: 'error' });
  const config: VigilConfig = {
    ...base,
    ingest: { baselineFlushMs: FLUSH_MS },
    temporal: { ...base.temporal, address, taskQueue: `bench-${database}` },
    database: scratch.settings,
  };
  const app: INestApplication = await startApi(config);
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

async function post(url: string, body: string): Promise<unknown> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(60_000),
  });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
