import type { DataSource } from 'typeorm';
import { EMPTY_POLICY, IdentityStore, InvalidCursorError } from '@vigil/persistence';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { databaseName, failingQuietly, identity, secondDataSource } from './fixtures';

describe(`identity store on ${databaseName}`, () => {
  let db: TestDatabase;
  let other: DataSource;
  let clock: number;
  let store: IdentityStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    other = await secondDataSource(db);
    clock = Date.UTC(2026, 10, 24, 9);
    store = new IdentityStore(db.dataSource, () => new Date((clock += 1_000)));
  });

  afterAll(async () => {
    await other.destroy();
    await db.drop();
  });

  it('creates an identity, then replaces its declaration and keeps when it was created', async () => {
    const first = await store.upsert(identity('svc-payments'), { actor: 'alice' });
    expect(first.created).toBe(true);
    expect(first.identity).toEqual({
      ...identity('svc-payments'),
      autoRegistered: false,
      createdAt: first.identity.updatedAt,
      updatedAt: first.identity.updatedAt,
      updatedBy: 'alice',
    });

    const second = await store.upsert(
      identity('svc-payments', { criticality: 'critical', owner: null, status: 'suspended' }),
      { actor: 'bob' },
    );
    expect(second.created).toBe(false);
    expect(second.identity).toMatchObject({
      criticality: 'critical',
      owner: null,
      status: 'suspended',
      updatedBy: 'bob',
      createdAt: first.identity.createdAt,
    });
    expect(second.identity.updatedAt).toBeGreaterThan(first.identity.updatedAt);
    expect(await store.get('svc-payments')).toEqual(second.identity);
    expect(await store.get('svc-missing')).toBeNull();
  });

  it('gets several identities at once, skipping unknown ids', async () => {
    await store.upsert(identity('svc-billing'), { actor: 'alice' });
    const found = await store.getMany(['svc-billing', 'svc-nope', 'svc-payments', 'svc-billing']);
    expect([...found.keys()].sort()).toEqual(['svc-billing', 'svc-payments']);
    expect(found.get('svc-billing')?.policy).toEqual(identity('x').policy);
  });

  it('registers unknown identities as unclassified, leaving known ones alone', async () => {
    const created = await store.registerUnknown(['svc-x', 'svc-payments', 'svc-y', 'svc-x']);
    expect(created).toEqual(['svc-x', 'svc-y']);
    expect(await store.registerUnknown(['svc-x'])).toEqual([]);
    expect(await store.registerUnknown([])).toEqual([]);
    expect(await store.get('svc-x')).toMatchObject({
      kind: 'unclassified',
      criticality: 'medium',
      status: 'active',
      policy: EMPTY_POLICY,
      owner: null,
      autoRegistered: true,
    });
    expect((await store.get('svc-payments'))?.kind).toBe('service_account');

    // Classifying it later replaces the declaration but remembers where it came from.
    await store.upsert(identity('svc-x', { kind: 'workload' }), { actor: 'alice' });
    expect(await store.get('svc-x')).toMatchObject({ kind: 'workload', autoRegistered: true });
  });

  it('lets exactly one of two instances register each unknown identity', async () => {
    const otherStore = new IdentityStore(other);
    for (let round = 0; round < 5; round += 1) {
      const ids = Array.from({ length: 300 }, (_, i) => `svc-race-${round}-${i}`);
      const [a, b] = await Promise.all([
        store.registerUnknown(ids.slice(0, 200)),
        otherStore.registerUnknown(ids.slice(100).reverse()),
      ]);
      expect(a.length + b.length).toBe(ids.length);
      expect(new Set([...a, ...b])).toEqual(new Set(ids));
    }
  });

  it('never fails concurrent upserts of one id: the identity exists once', async () => {
    const otherStore = new IdentityStore(other);
    const results = await Promise.all([
      store.upsert(identity('svc-contended', { team: 'a' }), { actor: 'a' }),
      otherStore.upsert(identity('svc-contended', { team: 'b' }), { actor: 'b' }),
      store.upsert(identity('svc-contended', { team: 'c' }), { actor: 'c' }),
    ]);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(['a', 'b', 'c']).toContain((await store.get('svc-contended'))?.team);
  });

  it('imports many identities in one transaction, the last of a repeated id winning', async () => {
    const batch = Array.from({ length: 1_200 }, (_, i) =>
      identity(`imp-${String(i).padStart(4, '0')}`, {
        team: i % 2 ? 'odd' : 'even',
        vendor: i % 3 ? null : 'acme',
      }),
    );
    expect(await store.bulkUpsert(batch, { actor: 'importer' })).toEqual({
      created: 1_200,
      updated: 0,
    });
    const again = [
      identity('imp-0000', { owner: 'first' }),
      identity('imp-9999'),
      identity('imp-0000', { owner: 'last' }),
    ];
    expect(await store.bulkUpsert(again, { actor: 'importer' })).toEqual({
      created: 1,
      updated: 1,
    });
    expect((await store.get('imp-0000'))?.owner).toBe('last');
    expect(await store.bulkUpsert([], { actor: 'importer' })).toEqual({ created: 0, updated: 0 });

    const broken = { ...identity('imp-broken'), kind: null } as never;
    await expect(
      failingQuietly(() =>
        store.bulkUpsert([identity('imp-aaaa'), identity('imp-0001', { owner: 'x' }), broken], {
          actor: 'importer',
        }),
      ),
    ).rejects.toThrow();
    expect(await store.get('imp-aaaa')).toBeNull();
    expect((await store.get('imp-0001'))?.owner).toBe('alice@example.com');
  });

  it('lists identities page by page with filters', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.list({ team: 'odd', vendor: 'acme', limit: 70, cursor });
      seen.push(...page.items.map((i) => i.id));
      expect(page.items.every((i) => i.team === 'odd' && i.vendor === 'acme')).toBe(true);
      cursor = page.nextCursor ?? undefined;
      pages += 1;
    } while (cursor);
    expect(seen).toHaveLength(200);
    expect(pages).toBe(3);
    expect([...seen].sort()).toEqual(seen);

    expect((await store.list({ kind: 'unclassified', limit: 5 })).items).toHaveLength(5);
    expect((await store.list({ status: 'suspended' })).items.map((i) => i.id)).toEqual([
      'svc-payments',
    ]);
    expect((await store.list({ owner: 'last' })).items.map((i) => i.id)).toEqual(['imp-0000']);
    expect((await store.list()).items).toHaveLength(50);
    expect((await store.list({ limit: 5_000 })).items.length).toBeLessThanOrEqual(1_000);
    await expect(store.list({ cursor: 'not-a-cursor' })).rejects.toBeInstanceOf(InvalidCursorError);
  });
});
