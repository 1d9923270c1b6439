/**
 * The guardrail's latency: in-process evaluation of the example policy set (context
 * checking, entity building and the Cedar call, as one authorization does them), then
 * `POST /v1/authorize` over loopback at a fixed rate with autocannon (in a worker thread,
 * so the load generator does not share the API's event loop). The API runs as in
 * production against a fresh SQLite file and a Temporal dev server; one request in five
 * is denied (and so reported as a case). Prints one JSON object.
 *
 *   npm run bench:authorize -- [rate per second] [seconds] [in-process iterations]
 */
import * as os from 'node:os';
import * as path from 'node:path';
import autocannon from 'autocannon';
import type { INestApplication } from '@nestjs/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { loadConfig, type VigilConfig } from '@vigil/config';
import { CASE_SEARCH_ATTRIBUTES, type AuthorizeRequest } from '@vigil/contracts';
import type { AgentFacts } from '@vigil/domain';
import { createDataSource, migrate } from '@vigil/persistence';
import { compilePolicySet } from '../apps/api/src/guardrail/cedar';
import { decide } from '../apps/api/src/guardrail/guardrail.service';
import { findExamplePolicies, readPolicyFolder } from '../apps/api/src/guardrail/policy-files';
import { startApi } from '../test/support/api';
import { sqliteScratch } from './scratch-database';

const RATE = Number(process.argv[2] ?? 1_000);
const SECONDS = Number(process.argv[3] ?? 30);
const ITERATIONS = Number(process.argv[4] ?? 50_000);
const AGENTS = 100;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const tools = require(path.resolve(__dirname, '../../scripts/temporal-tools.js')) as {
  ensureTemporalCli(options?: { quiet?: boolean }): string;
};

/** The request mix: four allowed calls, one refund above the limit (denied). */
function requestsFor(agentId: string, i: number): AuthorizeRequest[] {
  return [
    { agentId, tool: 'orders.read', action: 'invoke', resource: `order:${i}`, context: {} },
    {
      agentId,
      tool: 'payments.refund',
      action: 'invoke',
      resource: `order:${i}`,
      context: { amount: 25.5, currency: 'EUR', environment: 'prod' },
    },
    {
      agentId,
      tool: 'orders.update',
      action: 'invoke',
      resource: null,
      context: { environment: 'prod' },
    },
    { agentId, tool: 'kb.search', action: 'invoke', resource: 'kb:faq', context: {} },
    {
      agentId,
      tool: 'payments.refund',
      action: 'invoke',
      resource: `order:${i}`,
      context: { amount: 900, currency: 'EUR', environment: 'prod' },
    },
  ];
}

function agentIdentity(i: number) {
  return {
    id: `agent-${i}`,
    kind: 'ai_agent',
    owner: `owner-${i % 7}@example.com`,
    team: 'support',
    criticality: 'high',
    environment: 'prod',
    policy: { allowedTools: ['payments.refund', 'orders.*', 'kb.*'] },
    status: 'active',
  };
}

function inProcess() {
  const compiled = compilePolicySet(readPolicyFolder(findExamplePolicies()!), 'bench');
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.diagnostics));
  const facts: AgentFacts[] = Array.from({ length: AGENTS }, (_, i) => {
    const { id, kind, owner, team, criticality, environment, status } = agentIdentity(i);
    return {
      identity: {
        id,
        kind: kind as 'ai_agent',
        owner,
        team,
        vendor: null,
        criticality: criticality as 'high',
        environment,
        status: status as 'active',
        policy: {
          rotationPeriodDays: null,
          rotationToleranceDays: null,
          allowedScopes: [],
          allowedTools: ['payments.refund', 'orders.*', 'kb.*'],
          resourceSensitivity: [],
        },
      },
      blockedTools: new Map(),
    };
  });
  const requests = facts.flatMap((f, i) => requestsFor(f.identity.id, i).map((r) => ({ r, f })));
  const run = (n: number) => {
    const samples = new Float64Array(n);
    let denies = 0;
    for (let i = 0; i < n; i += 1) {
      const { r, f } = requests[i % requests.length]!;
      const t0 = process.hrtime.bigint();
      const verdict = decide(r, f, compiled.set, 'fail-closed');
      samples[i] = Number(process.hrtime.bigint() - t0) / 1_000;
      if (verdict.decision === 'deny') denies += 1;
    }
    return { samples: samples.sort(), denies };
  };
  run(Math.min(5_000, ITERATIONS)); // warm-up: JIT and the wasm instance
  const { samples, denies } = run(ITERATIONS);
  const at = (q: number) =>
    round(samples[Math.min(samples.length - 1, Math.floor(samples.length * q))]!);
  return {
    iterations: ITERATIONS,
    denied: denies,
    microseconds: { p50: at(0.5), p99: at(0.99), max: round(samples[samples.length - 1]!) },
  };
}

async function overHttp(address: string) {
  const scratch = await sqliteScratch();
  const migrations = createDataSource(scratch.settings);
  await migrations.initialize();
  await migrate(migrations);
  await migrations.destroy();
  const base = loadConfig({ LOG_LEVEL: 'error' });
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
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(Array.from({ length: AGENTS }, (_, i) => agentIdentity(i))),
    });
    if (!imported.ok) throw new Error(`import: HTTP ${imported.status}`);
    const bodies = Array.from({ length: AGENTS }, (_, i) => requestsFor(`agent-${i}`, i)).flat();
    const requests = bodies.map((body) => ({
      method: 'POST' as const,
      path: '/v1/authorize',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }));
    // Warm-up: caches, JIT, the first case starts.
    await fire(url, requests, Math.min(RATE, 500), 3);
    const cpuAtStart = process.cpuUsage();
    const result = await fire(url, requests, RATE, SECONDS);
    const cpu = process.cpuUsage(cpuAtStart);
    return {
      ratePerSecond: RATE,
      seconds: SECONDS,
      requests: result.requests.total,
      achievedPerSecond: round(result.requests.average),
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
      apiCpuMsPerRequest: round((cpu.user + cpu.system) / 1_000 / result.requests.total),
    };
  } finally {
    await app.close();
    await scratch.drop();
  }
}

function fire(
  url: string,
  requests: autocannon.Request[],
  rate: number,
  seconds: number,
): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(
      { url, connections: 10, overallRate: rate, duration: seconds, requests, workers: 1 },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

async function main(): Promise<void> {
  const evaluation = inProcess();
  const temporal = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: tools.ensureTemporalCli({ quiet: true }) },
      ip: '127.0.0.1',
      searchAttributes: [...CASE_SEARCH_ATTRIBUTES],
      log: { format: 'pretty', level: 'error' },
    },
  });
  let http;
  try {
    http = await overHttp(temporal.address);
  } finally {
    await temporal.teardown();
  }
  console.log(
    JSON.stringify(
      {
        benchmark: 'authorize',
        machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
        policySet: 'policies/ (examples)',
        agents: AGENTS,
        inProcess: { ...evaluation, targetP99Microseconds: 100 },
        http: { ...http, targetP99Ms: 5 },
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
