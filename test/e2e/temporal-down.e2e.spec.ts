import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { TestingModule } from '@nestjs/testing';
import { ReportOutbox } from '@vigil/persistence';
import { ensureTemporalCli } from '../../scripts/temporal-tools';
import { connectWhenUp, devServerArgs } from '../../scripts/launcher/temporal';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { apiClient as http, type Http } from '../support/http';
import { startApi, startWorker, testConfig } from '../support/system';
import { bundleWorkflows } from '../support/temporal';

/** The API while Temporal cannot be reached: it stays up, says so, and loses nothing. */
describe('API with Temporal unreachable', () => {
  let db: TestDatabase;
  let api: INestApplication;

  beforeAll(async () => {
    db = await createTestDatabase();
    // Port 9 (discard) on loopback: nothing listens, connections are refused at once.
    api = await startApi(
      testConfig({ address: '127.0.0.1:9', taskQueue: 'nowhere', database: db.settings }),
    );
  });

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('is live but not ready, naming Temporal as the dependency that is down', async () => {
    await http(api).get('/health/live').expect(200);
    const res = await http(api).get('/health/ready').expect(503);
    expect(res.body).toMatchObject({
      status: 'unavailable',
      checks: {
        database: { status: 'up' },
        temporal: { status: 'down', error: expect.any(String) },
      },
    });
  });

  it('answers a report with 503 temporal_unavailable, which the client may retry', async () => {
    const res = await http(api)
      .post('/v1/exceptions')
      .send({ identityId: 'svc-payments', kind: 'novel_scope', severity: 'high' })
      .expect(503);
    expect(res.body).toMatchObject({ code: 'temporal_unavailable', requestId: expect.any(String) });
  });

  it('ingests events and keeps the exceptions they raise until Temporal is back', async () => {
    const res = await http(api)
      .post('/v1/events')
      .send([
        {
          id: 'evt-down-1',
          time: '2026-11-01T10:00:00Z',
          identityId: 'svc-unknown',
          type: 'api.called',
        },
      ])
      .expect(200);
    expect(res.body).toMatchObject({ accepted: 1, duplicates: 0, rejected: [] });
    expect(res.body.exceptions).toEqual([
      expect.objectContaining({ kind: 'unclassified_identity', caseId: null, pending: true }),
    ]);
    expect(await api.get(ReportOutbox).count()).toBe(1);
  });
});

/**
 * A real outage: the Temporal dev server runs as a process of its own on a database file,
 * is stopped while cases wait for decisions, and is started again on the same file and
 * port. The API and the worker ride through it.
 */
describe('Temporal stopped and restarted on its database file', () => {
  let dir: string;
  let server: DevServerProcess;
  let db: TestDatabase;
  let api: INestApplication;
  let worker: TestingModule;
  let agent: Http;
  const opened = new Map<string, { caseId: string; deadline: string }>();

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-temporal-outage-'));
    const [port, uiPort] = [await freePort(), await freePort()];
    server = new DevServerProcess(dir, port, uiPort);
    const [testDb, bundle] = await Promise.all([
      createTestDatabase(),
      bundleWorkflows(),
      server.start(),
    ]);
    db = testDb;
    const config = testConfig({
      address: server.address,
      taskQueue: `temporal-outage-${process.pid}`,
      database: db.settings,
    });
    [api, worker] = await Promise.all([startApi(config), startWorker(config, bundle)]);
    agent = http(api);
  });

  afterAll(async () => {
    await api?.close();
    await worker?.close();
    await server?.stop();
    await db?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const report = (fingerprint: string) =>
    agent
      .post('/v1/exceptions')
      .send({ identityId: 'svc-outage', kind: 'novel_scope', severity: 'high', fingerprint });

  async function caseWhen(caseId: string, ready: (body: CaseBody) => boolean, timeoutMs = 30_000) {
    return eventually(
      async () => {
        const res = await agent.get(`/v1/cases/${caseId}`).expect(200);
        if (!ready(res.body)) throw new Error(`case ${caseId} is ${res.body.status}`);
        return res.body as CaseBody;
      },
      { timeoutMs, intervalMs: 250 },
    );
  }

  it('opens cases that wait for a decision, with a tier-1 deadline a minute out', async () => {
    await agent
      .put('/v1/escalation-policies/high')
      .send({
        tier1: { route: 'owner', deadlineMinutes: 1, reminderMinutes: null },
        tier2: { route: 'soc_tier2', deadlineMinutes: 1, reminderMinutes: null },
        failSafe: { decision: 'contain', acceptRiskDays: null },
      })
      .expect(200);
    await agent
      .put('/v1/identities/svc-outage')
      .send({
        kind: 'service_account',
        owner: 'olga@example.com',
        team: 'payments',
        criticality: 'medium',
        environment: 'prod',
        policy: { allowedScopes: [] },
      })
      .expect(201);
    for (const fingerprint of ['outage-decided', 'outage-expiring']) {
      const { body } = await report(fingerprint).expect(202);
      const waiting = await caseWhen(body.caseId, (c) => c.escalation?.tier === 1);
      expect(waiting.status).toBe('awaiting_decision');
      opened.set(fingerprint, { caseId: body.caseId, deadline: waiting.escalation!.deadline });
    }
  });

  it('while it is down: not ready, naming Temporal; a report is a 503; events are kept', async () => {
    await server.stop();

    const ready = await eventually(async () => {
      const res = await agent.get('/health/ready').expect(503);
      return res.body;
    });
    expect(ready).toMatchObject({
      status: 'unavailable',
      checks: { database: { status: 'up' }, temporal: { status: 'down' } },
    });

    const refused = await report('outage-during').expect(503);
    expect(refused.body).toMatchObject({
      code: 'temporal_unavailable',
      requestId: expect.any(String),
    });

    const ingested = await agent
      .post('/v1/events')
      .send([
        {
          id: 'evt-outage-1',
          time: new Date().toISOString(),
          identityId: 'svc-outage-unknown',
          type: 'api.called',
        },
      ])
      .expect(200);
    expect(ingested.body.exceptions).toEqual([
      expect.objectContaining({ kind: 'unclassified_identity', caseId: null, pending: true }),
    ]);
  });

  it('after the restart: cases resume, retries are idempotent, kept reports become cases', async () => {
    await server.start();
    await eventually(() => agent.get('/health/ready').expect(200), { timeoutMs: 60_000 });

    // The client's retry of the refused report opens its case once.
    const retried = await eventually(() => report('outage-during').expect(202), {
      timeoutMs: 30_000,
    });
    expect(retried.body.deduplicated).toBe(false);
    const again = await report('outage-during').expect(202);
    expect(again.body).toMatchObject({ caseId: retried.body.caseId, deduplicated: true });

    // A case from before the outage is the same case.
    const decided = opened.get('outage-decided')!;
    const repeat = await report('outage-decided').expect(202);
    expect(repeat.body).toMatchObject({ caseId: decided.caseId, deduplicated: true });

    // The kept report reaches its case without the client doing anything.
    await eventually(
      async () => {
        const res = await agent.get('/v1/cases?identityId=svc-outage-unknown').expect(200);
        expect(res.body.items).toHaveLength(1);
      },
      { timeoutMs: 30_000, intervalMs: 500 },
    );

    // One case per fingerprint, none twice.
    await eventually(async () => {
      const res = await agent.get('/v1/cases?identityId=svc-outage').expect(200);
      const ids = res.body.items.map((c: { id: string }) => c.id).sort();
      expect(ids).toEqual(
        [decided.caseId, opened.get('outage-expiring')!.caseId, retried.body.caseId].sort(),
      );
    });

    // The waiting case takes its decision.
    await eventually(
      () =>
        agent.post(`/v1/cases/${decided.caseId}/decision`).send({ decision: 'reject' }).expect(200),
      { timeoutMs: 30_000, intervalMs: 500 },
    );
    const resolved = await caseWhen(decided.caseId, (c) => c.status === 'resolved');
    expect(resolved.resolution).toBe('rejected');
  });

  it('fires a deadline set before the outage: the undecided case goes to tier 2', async () => {
    const expiring = opened.get('outage-expiring')!;
    const escalated = await caseWhen(expiring.caseId, (c) => c.escalation?.tier === 2, 120_000);
    expect(escalated.status).toBe('escalated');
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(expiring.deadline));
    const tiers = escalated.timeline
      .filter((e) => e.type === 'escalated')
      .map((e) => e.summary.slice(0, 'tier n'.length));
    expect(tiers).toEqual(['tier 1', 'tier 2']);
  });
});

interface CaseBody {
  status: string;
  resolution: string | null;
  escalation?: { tier: 1 | 2; deadline: string };
  timeline: Array<{ type: string; summary: string }>;
}

/** `temporal server start-dev` as its own process, on a database file in `dir`. */
class DevServerProcess {
  private child: ChildProcess | null = null;

  constructor(
    private readonly dir: string,
    private readonly port: number,
    private readonly uiPort: number,
  ) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const args = devServerArgs({
      dataDir: this.dir,
      port: this.port,
      uiPort: this.uiPort,
      namespace: 'default',
    });
    this.child = spawn(ensureTemporalCli({ quiet: true }), args, { stdio: 'ignore' });
    const connection = await connectWhenUp(this.address, 60_000, new AbortController().signal);
    await connection.close();
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen({ port: 0, host: '127.0.0.1' }, () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}
