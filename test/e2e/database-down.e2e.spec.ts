import type { INestApplication } from '@nestjs/common';
import type { TestingModule } from '@nestjs/testing';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import Database from 'better-sqlite3';
import type { DatabaseSettings } from '@vigil/config';
import { createTestDatabase, testingPostgres, type TestDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { apiClient as http, type Http } from '../support/http';
import { startApi, startWorker, testConfig } from '../support/system';
import { TcpProxy } from '../support/tcp-proxy';
import { bundleWorkflows, startDevServer } from '../support/temporal';

const database = testingPostgres ? 'PostgreSQL' : 'SQLite';
/** Steps that need the database unreachable as a whole, which only a server database can be. */
const onPostgres = testingPostgres ? it : it.skip;
/** How soon a request must be answered while the database is unavailable. */
const PROMPT_MS = 10_000;

/**
 * The database taken away from the API and the worker, and given back.
 *
 * PostgreSQL: a TCP proxy between them and the server is cut (connections reset, new ones
 * refused) and restored; the server itself, shared with other tests, is untouched.
 *
 * SQLite: a file on local disk has no network to lose. What makes it unavailable is another
 * process holding its lock: here a connection holds an exclusive transaction for longer
 * than the busy timeout, so every write fails with SQLITE_BUSY. In WAL mode readers are not
 * blocked by a writer, so reads (and the readiness probe) keep working.
 */
interface Outage {
  readonly settings: DatabaseSettings;
  begin(): Promise<void>;
  end(): Promise<void>;
  /** PostgreSQL only: cut the moment a statement containing `text` is sent. */
  cutOnStatement(text: string): Promise<void>;
  close(): Promise<void>;
}

async function outageFor(db: TestDatabase): Promise<Outage> {
  const settings = db.settings;
  if (settings.type === 'postgres') {
    const url = new URL(settings.url);
    const proxy = await TcpProxy.start({ host: url.hostname, port: Number(url.port || 5432) });
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    return {
      settings: { type: 'postgres', url: url.toString() },
      begin: () => proxy.cut(),
      end: () => proxy.restore(),
      cutOnStatement: (text) => proxy.cutOnClientBytes(text),
      close: () => proxy.close(),
    };
  }
  let holder: Database.Database | null = null;
  const release = async () => {
    holder?.exec('ROLLBACK');
    holder?.close();
    holder = null;
  };
  return {
    settings: { ...settings, busyTimeoutMs: 500 },
    async begin() {
      holder = new Database(settings.path);
      holder.exec('BEGIN EXCLUSIVE');
    },
    end: release,
    cutOnStatement: () => Promise.reject(new Error('PostgreSQL only')),
    close: release,
  };
}

describe(`API with the database unavailable, on ${database}`, () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let outage: Outage;
  let api: INestApplication;
  let worker: TestingModule;
  let agent: Http;

  beforeAll(async () => {
    const [server, testDb, bundle] = await Promise.all([
      startDevServer(),
      createTestDatabase(),
      bundleWorkflows(),
    ]);
    env = server;
    db = testDb;
    outage = await outageFor(db);
    const config = testConfig({
      address: env.address,
      taskQueue: `database-down-${process.pid}`,
      database: outage.settings,
    });
    [api, worker] = await Promise.all([startApi(config), startWorker(config, bundle)]);
    agent = http(api);
  });

  afterAll(async () => {
    await api?.close();
    await worker?.close();
    await outage?.close();
    await db?.drop();
    await env?.teardown();
  });

  const identity = (owner: string) => ({
    kind: 'service_account',
    owner,
    team: 'payments',
    criticality: 'medium',
    environment: 'prod',
    policy: { allowedScopes: ['secrets:read:payments/*'] },
  });

  const batch = (prefix: string, identityId: string) =>
    [0, 1, 2].map((i) => ({
      id: `${prefix}-${i}`,
      time: new Date(Date.now() - (3 - i) * 60_000).toISOString(),
      identityId,
      type: 'secret.accessed',
      action: 'read',
      resource: 'vault:prod/payments',
      scope: 'secrets:read:payments/db',
      outcome: 'allowed',
    }));

  /** The request's answer, which must come promptly and be the documented 503. */
  async function unavailable(send: () => PromiseLike<{ status: number; body: unknown }>) {
    const startedAt = Date.now();
    const res = await send();
    expect(Date.now() - startedAt).toBeLessThan(PROMPT_MS);
    expect(res.status).toBe(503);
    expect(res.body).toEqual({
      code: 'database_unavailable',
      message: expect.any(String),
      requestId: expect.any(String),
    });
  }

  it('answers writes with 503 database_unavailable, keeps none of them, and takes the retries whole', async () => {
    await agent.put('/v1/identities/svc-db').send(identity('alice@example.com')).expect(201);
    const first = await agent.post('/v1/events').send(batch('evt-db-a', 'svc-db')).expect(200);
    expect(first.body).toMatchObject({ accepted: 3, duplicates: 0 });

    await outage.begin();
    try {
      await unavailable(() => agent.put('/v1/identities/svc-db').send(identity('bob@example.com')));
      await unavailable(() => agent.post('/v1/events').send(batch('evt-db-b', 'svc-db')));
    } finally {
      await outage.end();
    }

    // Nothing of the refused writes was kept.
    const before = await eventually(() => agent.get('/v1/identities/svc-db').expect(200));
    expect(before.body).toMatchObject({ owner: 'alice@example.com' });

    // The client's retries land whole, once.
    await agent.put('/v1/identities/svc-db').send(identity('bob@example.com')).expect(200);
    const after = await agent.get('/v1/identities/svc-db').expect(200);
    expect(after.body).toMatchObject({ owner: 'bob@example.com' });
    const retried = await agent.post('/v1/events').send(batch('evt-db-b', 'svc-db')).expect(200);
    expect(retried.body).toMatchObject({ accepted: 3, duplicates: 0, rejected: [] });
    const again = await agent.post('/v1/events').send(batch('evt-db-b', 'svc-db')).expect(200);
    expect(again.body).toMatchObject({ accepted: 0, duplicates: 3 });

    // The baseline counts each event once: the buffered changes were written when it came back.
    await eventually(
      async () => {
        const res = await agent.get('/v1/identities/svc-db/baseline').expect(200);
        expect(res.body.eventCount).toBe(6);
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );
  });

  onPostgres(
    'answers reads and readiness with 503 naming the database, then recovers',
    async () => {
      await outage.begin();
      try {
        const ready = await agent.get('/health/ready');
        expect(ready.status).toBe(503);
        expect(ready.body).toMatchObject({
          status: 'unavailable',
          checks: {
            database: { status: 'down', error: expect.any(String) },
            temporal: { status: 'up' },
          },
        });
        await unavailable(() => agent.get('/v1/identities/svc-db'));
        await unavailable(() => agent.get('/v1/cases'));
      } finally {
        await outage.end();
      }
      await eventually(() => agent.get('/health/ready').expect(200), { timeoutMs: 30_000 });
      await agent.get('/v1/identities/svc-db').expect(200);
    },
  );

  if (!testingPostgres) {
    it('keeps answering reads while another connection holds the write lock', async () => {
      await outage.begin();
      try {
        await agent.get('/v1/identities/svc-db').expect(200);
        await agent.get('/health/ready').expect(200);
      } finally {
        await outage.end();
      }
    });
  }

  onPostgres('applies no decision while the database is unreachable', async () => {
    await agent.put('/v1/identities/svc-decide').send(identity('olga@example.com')).expect(201);
    const { body } = await agent
      .post('/v1/exceptions')
      .send({ identityId: 'svc-decide', kind: 'novel_scope', severity: 'high' })
      .expect(202);
    await eventually(async () => {
      const res = await agent.get(`/v1/cases/${body.caseId}`).expect(200);
      expect(res.body.status).toBe('awaiting_decision');
    });

    await outage.begin();
    try {
      await unavailable(() =>
        agent.post(`/v1/cases/${body.caseId}/decision`).send({ decision: 'contain' }),
      );
    } finally {
      await outage.end();
    }

    const waiting = await eventually(() => agent.get(`/v1/cases/${body.caseId}`).expect(200));
    expect(waiting.body.status).toBe('awaiting_decision');
    expect(waiting.body.timeline.map((e: { type: string }) => e.type)).not.toContain('decision');
    await agent.post(`/v1/cases/${body.caseId}/decision`).send({ decision: 'contain' }).expect(200);
  });

  onPostgres(
    'keeps nothing of a batch whose connection drops mid-request, so its retry lands whole',
    async () => {
      // A new identity: ingest registers it, a write the connection drops at.
      const dropped = outage.cutOnStatement('INSERT INTO "identities"');
      await unavailable(() => agent.post('/v1/events').send(batch('evt-db-c', 'svc-db-new')));
      await dropped;
      await outage.end();

      const retried = await eventually(() =>
        agent.post('/v1/events').send(batch('evt-db-c', 'svc-db-new')).expect(200),
      );
      expect(retried.body).toMatchObject({ accepted: 3, duplicates: 0, rejected: [] });
      await agent.get('/v1/identities/svc-db-new').expect(200);
    },
  );
});
