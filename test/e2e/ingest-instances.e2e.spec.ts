import { Logger, type INestApplication } from '@nestjs/common';
import type { TelemetryEvent } from '@vigil/contracts';
import { BaselineStore, IdentityStore } from '@vigil/persistence';
import { BaselineCache } from '../../apps/api/src/events/baseline-cache';
import { createTestDatabase, testingPostgres, type TestDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { startApi, testConfig } from '../support/system';
import { apiClient } from '../support/http';

const database = testingPostgres ? 'PostgreSQL' : 'SQLite';
const T0 = Date.UTC(2026, 10, 16);
const MINUTE = 60_000;
const IDENTITIES = Array.from({ length: 8 }, (_, i) => `svc-shared-${i}`);
const PER_IDENTITY = 250;
const RESOURCES = ['db:orders', 'db:refunds', 'db:ledger'];

function routine(identityId: string, n: number): TelemetryEvent {
  return {
    id: `${identityId}-evt-${n}`,
    time: new Date(T0 + n * 7 * MINUTE).toISOString(),
    identityId,
    type: 'api.called',
    action: n % 4 === 0 ? 'list' : 'read',
    resource: RESOURCES[n % RESOURCES.length]!,
    scope: 'db:read',
    source: { ip: '10.0.0.7', userAgent: 'orders-worker/2.1' },
    outcome: 'allowed',
    attributes: {},
  };
}

/**
 * Two API instances on one database, as a deployment scales out: each buffers its baseline
 * deltas and writes them on its own schedule, and the ledger decides which instance counts
 * an event that both receive.
 */
describe(`ingest from two API instances on ${database}`, () => {
  let db: TestDatabase;
  let apis: INestApplication[];

  beforeAll(async () => {
    db = await createTestDatabase();
    // No exceptions are expected, so nothing listens on the discard port. Frequent writes,
    // so they interleave with the requests.
    const config = {
      ...testConfig({ address: '127.0.0.1:9', taskQueue: 'unused', database: db.settings }),
      ingest: { baselineFlushMs: 5 },
    };
    apis = [await startApi(config), await startApi(config)];
    const declaration = {
      kind: 'service_account',
      owner: 'alice@example.com',
      team: 'payments',
      vendor: null,
      criticality: 'medium',
      environment: 'prod',
      policy: {},
      status: 'active',
    };
    for (const id of [...IDENTITIES, 'svc-retry', 'svc-forget', 'svc-orphan']) {
      await apiClient(apis[0]!).put(`/v1/identities/${id}`).send(declaration);
    }
  });

  afterAll(async () => {
    for (const api of apis ?? []) await api.close();
    await db?.drop();
  });

  it('counts every event once in the baselines, whichever instance took it', async () => {
    const events = IDENTITIES.flatMap((id) =>
      Array.from({ length: PER_IDENTITY }, (_, n) => routine(id, n)),
    ).sort((a, b) => a.time.localeCompare(b.time));
    const batches: TelemetryEvent[][] = [];
    for (let i = 0; i < events.length; i += 100) batches.push(events.slice(i, i + 100));
    // Every batch goes to both instances, in opposite orders, three requests at a time each.
    const send = async (api: INestApplication, order: TelemetryEvent[][]) => {
      const queue = [...order];
      const results: Array<{ accepted: number; duplicates: number; exceptions: unknown[] }> = [];
      await Promise.all(
        Array.from({ length: 3 }, async () => {
          for (let batch = queue.shift(); batch; batch = queue.shift()) {
            const res = await apiClient(api).post('/v1/events').send(batch);
            expect(res.status).toBe(200);
            results.push(res.body);
          }
        }),
      );
      return results;
    };
    const results = (
      await Promise.all([send(apis[0]!, batches), send(apis[1]!, [...batches].reverse())])
    ).flat();
    expect(results.reduce((n, r) => n + r.accepted, 0)).toBe(events.length);
    expect(results.reduce((n, r) => n + r.duplicates, 0)).toBe(events.length);
    expect(results.flatMap((r) => r.exceptions)).toEqual([]);

    for (const api of apis) await api.get(BaselineCache).flush();
    const stored = await new BaselineStore(db.dataSource).load(IDENTITIES);
    for (const id of IDENTITIES) {
      const snapshot = stored.get(id)!;
      expect(snapshot.eventCount).toBe(PER_IDENTITY);
      expect(snapshot.hourOfWeek.reduce((n, c) => n + c, 0)).toBe(PER_IDENTITY);
      const count = (dimension: string, value: string) =>
        snapshot.values.find((v) => v.dimension === dimension && v.value === value)?.count;
      expect(RESOURCES.map((resource) => count('resource', resource))).toEqual(
        RESOURCES.map(
          (_, r) =>
            Array.from({ length: PER_IDENTITY }, (_, n) => n % 3 === r).filter(Boolean).length,
        ),
      );
      expect(count('action', 'list')).toBe(Math.ceil(PER_IDENTITY / 4));
      expect(
        snapshot.rateBuckets.reduce(
          (n, b) => n + (b.action === 'read' || b.action === 'list' ? b.count : 0),
          0,
        ),
      ).toBe(PER_IDENTITY);
      expect(snapshot.firstEventAt).toBe(T0);
      expect(snapshot.lastEventAt).toBe(T0 + (PER_IDENTITY - 1) * 7 * MINUTE);
    }
  });

  it('forgets a batch whose detection failed, with what it had absorbed so far', async () => {
    const api = apis[1]!;
    const identities = api.get(IdentityStore);
    const getMany = identities.getMany.bind(identities);
    // The batch's last identity goes missing, so detection fails after absorbing the others.
    const lookup = jest.spyOn(identities, 'getMany').mockImplementation(async (ids) => {
      const found = await getMany(ids);
      found.delete('svc-orphan');
      return found;
    });
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const events = [
      ...Array.from({ length: 30 }, (_, n) => routine('svc-forget', n)),
      routine('svc-orphan', 100),
    ];
    try {
      await apiClient(api).post('/v1/events').send(events).expect(500);
    } finally {
      lookup.mockRestore();
      logged.mockRestore();
    }
    const retry = await apiClient(api).post('/v1/events').send(events).expect(200);
    expect(retry.body).toMatchObject({ accepted: 31, duplicates: 0 });
    const view = await apiClient(api).get('/v1/identities/svc-forget/baseline').expect(200);
    expect(view.body.eventCount).toBe(30);
    await api.get(BaselineCache).flush();
    const stored = await new BaselineStore(db.dataSource).load(['svc-forget']);
    expect(stored.get('svc-forget')?.eventCount).toBe(30);
  });

  it('keeps baseline changes the database refused and writes them once it takes them', async () => {
    const [api] = apis as [INestApplication];
    const apply = jest
      .spyOn(api.get(BaselineStore), 'apply')
      .mockRejectedValueOnce(new Error('database unavailable'));
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const events = Array.from({ length: 40 }, (_, n) => routine('svc-retry', n));
      const res = await apiClient(api).post('/v1/events').send(events).expect(200);
      expect(res.body).toMatchObject({ accepted: 40, duplicates: 0 });

      await eventually(async () => expect(warn).toHaveBeenCalled());
      expect(String(warn.mock.calls[0]![0])).toContain('database unavailable');
      // Meanwhile the baseline the API shows holds the buffered events.
      const view = await apiClient(api).get('/v1/identities/svc-retry/baseline').expect(200);
      expect(view.body.eventCount).toBe(40);

      await eventually(async () => {
        const stored = await new BaselineStore(db.dataSource).load(['svc-retry']);
        expect(stored.get('svc-retry')?.eventCount).toBe(40);
      });
      expect(apply.mock.calls.length).toBeGreaterThanOrEqual(2);
      expect(api.get(BaselineCache).bufferedEvents).toBe(0);
    } finally {
      apply.mockRestore();
      warn.mockRestore();
    }
  });
});
