/**
 * The guardrail's latency, with the example policy set and 100 agents making the calls of
 * `authorize-mix.ts` (allowed and denied ones, resources and amounts drawn afresh each call):
 *
 * - in process: `decide` as `POST /v1/authorize` runs it (built-in checks, context checking,
 *   the remembered decision or the Cedar call), after a warm-up that fills the decision
 *   cache as a running API's would be; hits and misses reported apart, and the same calls
 *   with every one evaluated by Cedar;
 * - over HTTP: the API as in production (SQLite file, Temporal dev server), with
 *   `Authorization: Bearer` on every request, at a steady rate from a load generator in a
 *   child process (authorize-load.ts), so that the API's CPU per request counts the API alone.
 *
 * - the floor: the same load against a bare Node.js HTTP server with a fixed answer, for what
 *   the machine and the generator give on their own.
 *
 * Prints one JSON object.
 *
 *   npm run bench:authorize -- [rate per second] [seconds] [in-process iterations]
 *
 * VIGIL_ADMIN_KEY (a `vgl_<id>_<secret>` key) is the admin key of the API it starts; unset,
 * one is made up for the run.
 */
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { INestApplication } from '@nestjs/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadConfig, type VigilConfig } from '@vigil/config';
import { CASE_SEARCH_ATTRIBUTES } from '@vigil/contracts';
import type { AgentFacts } from '@vigil/domain';
import { createDataSource, migrate } from '@vigil/persistence';
import { compilePolicySet } from '../apps/api/src/guardrail/cedar';
import { DecisionCache } from '../apps/api/src/guardrail/decision-cache';
import {
  GuardrailService,
  decide,
  type Verdict,
} from '../apps/api/src/guardrail/guardrail.service';
import { findExamplePolicies, readPolicyFolder } from '../apps/api/src/guardrail/policy-files';
import { startApi } from '../test/support/api';
import { AGENTS, agentIdentity, callStream } from './authorize-mix';
import { sqliteScratch } from './scratch-database';

const RATE = Number(process.argv[2] ?? 1_000);
const SECONDS = Number(process.argv[3] ?? 30);
const ITERATIONS = Number(process.argv[4] ?? 200_000);
const WARM_UP = 20_000;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const tools = require(path.resolve(__dirname, '../../scripts/temporal-tools.js')) as {
  ensureTemporalCli(options?: { quiet?: boolean }): string;
};

function percentiles(samples: Float64Array) {
  const sorted = samples.slice().sort();
  const at = (q: number) =>
    sorted.length === 0
      ? null
      : round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!);
  return {
    samples: sorted.length,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: sorted.length === 0 ? null : round(sorted[sorted.length - 1]!),
  };
}

function inProcess() {
  const result = compilePolicySet(readPolicyFolder(findExamplePolicies()!), 'bench');
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
  const set = result.set;
  const facts = new Map<string, AgentFacts>();
  for (let i = 0; i < AGENTS; i += 1) {
    const identity = agentIdentity(i);
    facts.set(identity.id, { identity, blockedTools: new Map() });
  }
  const run = (seed: number, n: number, decisions: DecisionCache<Verdict> | undefined) => {
    const next = callStream(seed);
    const all = new Float64Array(n);
    const hits: number[] = [];
    const misses: number[] = [];
    let denied = 0;
    for (let i = 0; i < n; i += 1) {
      const request = next();
      const agent = facts.get(request.agentId)!;
      const before = decisions?.hits ?? 0;
      const t0 = process.hrtime.bigint();
      const verdict = decide(request, agent, set, 'fail-closed', decisions);
      const micros = Number(process.hrtime.bigint() - t0) / 1_000;
      all[i] = micros;
      if (decisions) ((decisions.hits > before ? hits : misses) as number[]).push(micros);
      if (verdict.decision === 'deny') denied += 1;
    }
    return { all, hits: Float64Array.from(hits), misses: Float64Array.from(misses), denied };
  };
  const decisions = new DecisionCache<Verdict>();
  const load = [os.loadavg()[0]];
  run(1, WARM_UP, decisions); // JIT, the wasm instance, and a running API's cache
  const cached = run(2, ITERATIONS, decisions);
  run(3, WARM_UP, undefined);
  const uncached = run(2, ITERATIONS, undefined);
  load.push(os.loadavg()[0]);
  return {
    calls: ITERATIONS,
    deniedShare: round(cached.denied / ITERATIONS),
    loadAverage1m: load.map(round),
    microseconds: percentiles(cached.all),
    cacheHitShare: round(cached.hits.length / ITERATIONS),
    hitMicroseconds: percentiles(cached.hits),
    missMicroseconds: percentiles(cached.misses),
    everyCallEvaluatedMicroseconds: percentiles(uncached.all),
    decisionsKept: decisions.size,
  };
}

async function overHttp(address: string) {
  const scratch = await sqliteScratch();
  const migrations = createDataSource(scratch.settings);
  await migrations.initialize();
  await migrate(migrations);
  await migrations.destroy();
  const key =
    process.env.VIGIL_ADMIN_KEY ??
    `vgl_bench${randomBytes(4).toString('hex')}_${randomBytes(24).toString('hex')}`;
  const base = loadConfig({ LOG_LEVEL: 'error', VIGIL_ADMIN_KEY: key });
  const config: VigilConfig = {
    ...base,
    temporal: { ...base.temporal, address, taskQueue: 'bench-authorize' },
    database: scratch.settings,
  };
  const app: INestApplication = await startApi(config);
  await app.listen(0, '127.0.0.1');
  const url = `${await app.getUrl()}`.replace('[::1]', '127.0.0.1');
  try {
    const imported = await fetch(`${url}/v1/identities/import`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify(Array.from({ length: AGENTS }, (_, i) => agentIdentity(i))),
    });
    if (!imported.ok) throw new Error(`import: HTTP ${imported.status}`);
    const decisions = app.get(GuardrailService).decisions;
    // Warm-up: JIT, the identity and decision caches, the first cases.
    await load(url, key, Math.min(RATE, 500), 5, 11);
    const hitsBefore = decisions.hits;
    const missesBefore = decisions.misses;
    const loadBefore = os.loadavg()[0]!;
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const cpuAtStart = process.cpuUsage();
    const result = await load(url, key, RATE, SECONDS, 12);
    const cpu = process.cpuUsage(cpuAtStart);
    loop.disable();
    const hits = decisions.hits - hitsBefore;
    const misses = decisions.misses - missesBefore;
    return {
      ratePerSecond: RATE,
      seconds: SECONDS,
      loadAverage1m: [round(loadBefore), round(os.loadavg()[0]!)],
      ...result,
      // Of the calls that reached Cedar's step (not denied by a built-in check first).
      cacheHitShare: hits + misses === 0 ? null : round(hits / (hits + misses)),
      apiCpuMsPerRequest: round((cpu.user + cpu.system) / 1_000 / result.calls),
      // How late the API's event loop ran its timers: its own blocking plus the machine's.
      apiEventLoopDelayMs: {
        p50: round(loop.percentile(50) / 1e6),
        p99: round(loop.percentile(99) / 1e6),
        max: round(loop.max / 1e6),
      },
    };
  } finally {
    await app.close();
    await scratch.drop();
  }
}

interface LoadResult {
  readonly calls: number;
  readonly achievedPerSecond: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly latencyMs: Percentiles;
  readonly allowLatencyMs: Percentiles;
  readonly denyLatencyMs: Percentiles;
  readonly generatorSendLagMs: Percentiles;
  readonly latencyFromDueMs: Percentiles;
}

interface Percentiles {
  readonly samples: number;
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

/** Runs the load generator (authorize-load.ts) in a child process; what it measured. */
function load(
  url: string,
  key: string,
  rate: number,
  seconds: number,
  seed: number,
): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(
      path.join(__dirname, 'authorize-load.js'),
      [url, String(rate), String(seconds), String(seed)],
      {
        env: { ...process.env, VIGIL_BENCH_KEY: key },
        stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      },
    );
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out) as LoadResult)
        : reject(new Error(`the load generator exited with ${code}`)),
    );
  });
}

/**
 * What the machine and the load generator give on their own: the same calls, at the same
 * rate, to a bare Node.js HTTP server that answers each with a fixed allow of the API's
 * size, reading the body and nothing else. The API's figures cannot be better than these.
 */
async function floor() {
  const answer = JSON.stringify({
    decision: 'allow',
    reasons: ["platform-declared-tools: the agent's declaration allows the tool"],
    policyVersion: 'v1',
    caseId: null,
    policies: ['platform-declared-tools'],
    evaluated: true,
  });
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(answer),
      });
      res.end(answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const cpuAtStart = process.cpuUsage();
    const result = await load(`http://127.0.0.1:${port}`, 'none', RATE, SECONDS, 12);
    const cpu = process.cpuUsage(cpuAtStart);
    return {
      ratePerSecond: RATE,
      seconds: SECONDS,
      latencyMs: result.latencyMs,
      generatorSendLagMs: result.generatorSendLagMs,
      latencyFromDueMs: result.latencyFromDueMs,
      serverCpuMsPerRequest: round((cpu.user + cpu.system) / 1_000 / result.calls),
    };
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
}

async function main(): Promise<void> {
  const evaluation = ITERATIONS > 0 ? inProcess() : null;
  let http = null;
  let bare = null;
  if (SECONDS > 0) {
    bare = await floor();
    const temporal = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: tools.ensureTemporalCli({ quiet: true }) },
        ip: '127.0.0.1',
        searchAttributes: [...CASE_SEARCH_ATTRIBUTES],
        log: { format: 'pretty', level: 'error' },
      },
    });
    try {
      http = await overHttp(temporal.address);
    } finally {
      await temporal.teardown();
    }
  }
  console.log(
    JSON.stringify(
      {
        benchmark: 'authorize',
        machine: {
          cpus: os.cpus().length,
          model: os.cpus()[0]?.model,
          memoryGiB: round(os.totalmem() / 2 ** 30),
          node: process.version,
        },
        policySet: 'policies/ (examples)',
        agents: AGENTS,
        inProcess: evaluation && { ...evaluation, targetP99Microseconds: 100 },
        http: http && { ...http, targetP99Ms: 5 },
        httpFloor: bare,
      },
      null,
      2,
    ),
  );
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
