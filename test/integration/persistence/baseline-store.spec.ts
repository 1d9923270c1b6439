import type { DataSource } from 'typeorm';
import {
  emptySnapshot,
  type BaselineDelta,
  type BaselineSnapshot,
  type BaselineValue,
} from '@vigil/domain';
import { BaselineStore, BaselineValueEntity, storedBaselineValue } from '@vigil/persistence';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { databaseName, DAY, delta, HOUR, MONDAY, secondDataSource } from './fixtures';

describe(`baseline store on ${databaseName}`, () => {
  let db: TestDatabase;
  let other: DataSource;
  let store: BaselineStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    other = await secondDataSource(db);
    store = new BaselineStore(db.dataSource);
  });

  afterAll(async () => {
    await other.destroy();
    await db.drop();
  });

  const loadOne = async (identityId: string, from = store): Promise<BaselineSnapshot> => {
    const snapshot = (await from.load([identityId])).get(identityId);
    if (!snapshot) throw new Error(`no snapshot for ${identityId}`);
    return snapshot;
  };
  /** A snapshot without its identity, to compare baselines built for different identities. */
  const content = ({ identityId: _, ...rest }: BaselineSnapshot) => rest;

  it('loads an empty snapshot for an identity it has never seen', async () => {
    const loaded = await store.load(['svc-new', 'svc-other', 'svc-new']);
    expect([...loaded.keys()]).toEqual(['svc-new', 'svc-other']);
    expect(loaded.get('svc-new')).toEqual(emptySnapshot('svc-new'));
  });

  it('round-trips a delta, then adds a second one commutatively', async () => {
    await store.apply([delta('svc-a')]);
    const first = await loadOne('svc-a');
    const hourOfWeek = emptySnapshot('svc-a').hourOfWeek.slice();
    hourOfWeek[10] = 2;
    hourOfWeek[12] = 1;
    expect(first).toEqual({
      identityId: 'svc-a',
      eventCount: 3,
      firstEventAt: MONDAY + 10 * HOUR,
      lastEventAt: MONDAY + 12 * HOUR + 5_000,
      values: [
        {
          dimension: 'resource',
          value: 'vault:prod/db',
          count: 1,
          firstSeen: MONDAY + 12 * HOUR + 5_000,
          lastSeen: MONDAY + 12 * HOUR + 5_000,
        },
        {
          dimension: 'scope',
          value: 'secrets:read',
          count: 2,
          firstSeen: MONDAY + 10 * HOUR,
          lastSeen: MONDAY + 12 * HOUR,
        },
      ],
      rateBuckets: [
        { action: 'read', bucketStart: MONDAY + 10 * HOUR, count: 2 },
        { action: 'read', bucketStart: MONDAY + 12 * HOUR, count: 1 },
      ],
      hourOfWeek,
      lifecycle: [],
    });

    // An earlier batch arriving late: counts add, the seen-ranges widen in both directions.
    await store.apply([
      delta('svc-a', {
        eventCount: 2,
        firstEventAt: MONDAY + 8 * HOUR,
        lastEventAt: MONDAY + 9 * HOUR,
        values: [
          {
            dimension: 'scope',
            value: 'secrets:read',
            count: 2,
            firstSeen: MONDAY + 8 * HOUR,
            lastSeen: MONDAY + 9 * HOUR,
          },
        ],
        rateBuckets: [{ action: 'read', bucketStart: MONDAY + 8 * HOUR, count: 2 }],
        hourOfWeek: [[8, 2]],
        lifecycle: [{ kind: 'rotation', at: MONDAY + 8 * HOUR }],
      }),
    ]);
    const second = await loadOne('svc-a');
    expect(second).toMatchObject({
      eventCount: 5,
      firstEventAt: MONDAY + 8 * HOUR,
      lastEventAt: MONDAY + 12 * HOUR + 5_000,
      lifecycle: [{ kind: 'rotation', at: MONDAY + 8 * HOUR }],
    });
    expect(second.values[1]).toEqual({
      dimension: 'scope',
      value: 'secrets:read',
      count: 4,
      firstSeen: MONDAY + 8 * HOUR,
      lastSeen: MONDAY + 12 * HOUR,
    });
    expect(second.rateBuckets.map((b) => b.bucketStart)).toEqual(
      [8, 10, 12].map((h) => MONDAY + h * HOUR),
    );
    expect(second.hourOfWeek[8]).toBe(2);
  });

  it('merges deltas of one identity and repeated rows within one call', async () => {
    const d = delta('svc-merge', { lifecycle: [{ kind: 'renewal', at: MONDAY }] });
    await store.apply([d, d, delta('svc-merge-other')]);
    const merged = await loadOne('svc-merge');
    expect(merged.eventCount).toBe(6);
    expect(merged.values.map((v) => v.count)).toEqual([2, 4]);
    expect(merged.hourOfWeek[10]).toBe(4);
    expect(merged.lifecycle).toEqual([{ kind: 'renewal', at: MONDAY }]);
    expect((await loadOne('svc-merge-other')).eventCount).toBe(3);
  });

  it('sums deltas applied at once by two instances to what applying them in turn gives', async () => {
    const otherStore = new BaselineStore(other);
    const manyValues = (identityId: string, seed: number): BaselineDelta => {
      const values: BaselineValue[] = Array.from({ length: 600 }, (_, i) => ({
        dimension: i % 2 ? 'resource' : 'scope',
        value: `value-${(i * 13 + seed) % 700}`,
        count: 1 + ((i + seed) % 3),
        firstSeen: MONDAY + ((i + seed) % 50) * HOUR,
        lastSeen: MONDAY + ((i + seed) % 50) * HOUR + 60 * HOUR,
      }));
      return delta(identityId, {
        eventCount: 600 + seed,
        firstEventAt: MONDAY + seed * HOUR,
        lastEventAt: MONDAY + (110 - seed) * HOUR,
        values,
        rateBuckets: Array.from({ length: 48 }, (_, h) => ({
          action: h % 3 ? 'read' : 'write',
          bucketStart: MONDAY + (h + seed) * HOUR,
          count: h + seed,
        })),
        hourOfWeek: Array.from({ length: 30 }, (_, h) => [(h * 5 + seed) % 168, h + 1] as const),
        lifecycle: [
          { kind: 'rotation', at: MONDAY + seed * DAY },
          { kind: 'rotation', at: MONDAY + 2 * DAY },
        ],
      });
    };
    const pairs = [1, 2, 3].map((round) => ({
      concurrent: `svc-concurrent-${round}`,
      serial: `svc-serial-${round}`,
      seeds: [round, round + 10] as const,
    }));
    for (const { concurrent, serial, seeds } of pairs) {
      await store.apply([manyValues(serial, seeds[0])]);
      await store.apply([manyValues(serial, seeds[1])]);
      await Promise.all([
        store.apply([manyValues(concurrent, seeds[0]), manyValues('svc-shared', seeds[0])]),
        otherStore.apply([manyValues('svc-shared', seeds[1]), manyValues(concurrent, seeds[1])]),
      ]);
    }
    for (const { concurrent, serial } of pairs) {
      const [a, b] = [await loadOne(concurrent, otherStore), await loadOne(serial)];
      expect(content(a)).toEqual(content(b));
      expect(a.values.length).toBeGreaterThan(600);
    }
    const shared = await loadOne('svc-shared');
    expect(shared.eventCount).toBe([1, 11, 2, 12, 3, 13].reduce((sum, s) => sum + 600 + s, 0));
  });

  it('stores values longer than 500 characters under a deterministic shortened key', async () => {
    const long = (tail: string) => `records:${'x'.repeat(600)}${tail}`;
    const wide = '€'.repeat(499);
    const nul = 'tool\0name';
    const value = (v: string): BaselineValue => ({
      dimension: 'record_set',
      value: v,
      count: 1,
      firstSeen: MONDAY,
      lastSeen: MONDAY,
    });
    await store.apply([
      delta('svc-long', {
        values: [value(long('-a')), value(long('-b')), value(long('-a')), value(wide), value(nul)],
        rateBuckets: [{ action: long('-action'), bucketStart: MONDAY, count: 1 }],
      }),
    ]);
    const snapshot = await loadOne('svc-long');
    const stored = new Map(snapshot.values.map((v) => [v.value, v.count]));

    expect(stored.get(storedBaselineValue(long('-a')))).toBe(2);
    expect(stored.get(storedBaselineValue(long('-b')))).toBe(1);
    expect(stored.get(storedBaselineValue(wide))).toBe(1);
    expect(stored.get(storedBaselineValue(nul))).toBe(1);
    expect(snapshot.rateBuckets[0].action).toBe(storedBaselineValue(long('-action')));

    const key = storedBaselineValue(long('-a'));
    expect(key).toHaveLength(500);
    expect(key).toMatch(/^records:x+…#[0-9a-f]{16}$/);
    expect(storedBaselineValue(long('-b'))).not.toBe(key);
    expect(Buffer.byteLength(storedBaselineValue(wide))).toBeLessThanOrEqual(1_500);
    expect(storedBaselineValue('vault:prod/db')).toBe('vault:prod/db');
    expect(storedBaselineValue('y'.repeat(500))).toBe('y'.repeat(500));
    expect(storedBaselineValue('😀'.repeat(300))).not.toMatch(/[\uD800-\uDBFF]…/);
  });

  it('loads rate buckets from the window before the newest and the latest lifecycle moments', async () => {
    const rotations = Array.from({ length: 25 }, (_, i) => ({
      kind: 'rotation' as const,
      at: MONDAY - (60 - i) * DAY,
    }));
    await store.apply([
      delta('svc-window', {
        firstEventAt: MONDAY - 60 * DAY,
        lastEventAt: MONDAY + 30 * 60_000,
        rateBuckets: [0, 1, 13, 14, 15, 40].map((days) => ({
          action: 'read',
          bucketStart: MONDAY - days * DAY,
          count: 1,
        })),
        lifecycle: [...rotations, { kind: 'renewal', at: MONDAY - 3 * DAY }],
      }),
    ]);
    const snapshot = await loadOne('svc-window');
    expect(snapshot.rateBuckets.map((b) => (MONDAY - b.bucketStart) / DAY)).toEqual([14, 13, 1, 0]);
    expect(snapshot.lifecycle).toHaveLength(21);
    expect(snapshot.lifecycle.filter((m) => m.kind === 'rotation')).toEqual(rotations.slice(5));
    expect(snapshot.lifecycle.at(-1)).toEqual({ kind: 'renewal', at: MONDAY - 3 * DAY });

    const narrow = new BaselineStore(db.dataSource, { rateWindowMs: DAY, lifecycleLimit: 2 });
    const small = await loadOne('svc-window', narrow);
    expect(small.rateBuckets.map((b) => (MONDAY - b.bucketStart) / DAY)).toEqual([1, 0]);
    expect(small.lifecycle.map((m) => m.at)).toEqual([
      rotations[23].at,
      rotations[24].at,
      MONDAY - 3 * DAY,
    ]);
  });

  it('prunes rate buckets older than a cutoff', async () => {
    await store.apply([
      delta('svc-prune', {
        rateBuckets: [MONDAY - 100 * DAY, MONDAY - 99 * DAY, MONDAY].map((bucketStart) => ({
          action: 'read',
          bucketStart,
          count: 1,
        })),
      }),
    ]);
    const pruned = await store.prune(MONDAY - 90 * DAY);
    expect(pruned).toBeGreaterThanOrEqual(2);
    const wide = new BaselineStore(db.dataSource, { rateWindowMs: 365 * DAY });
    expect((await loadOne('svc-prune', wide)).rateBuckets.map((b) => b.bucketStart)).toEqual([
      MONDAY,
    ]);
  });

  it('applies 5,000 new values for 50 identities in one call', async () => {
    const deltas = Array.from({ length: 50 }, (_, d) =>
      delta(`svc-bulk-${d}`, {
        values: Array.from({ length: 100 }, (_, i) => ({
          dimension: 'resource' as const,
          value: `bucket/${d}/object-${i}`,
          count: 1,
          firstSeen: MONDAY + i * 1_000,
          lastSeen: MONDAY + i * 1_000,
        })),
      }),
    );
    await store.apply(deltas);
    await store.apply(deltas);
    expect(
      await db.dataSource.getRepository(BaselineValueEntity).countBy({ dimension: 'resource' }),
    ).toBeGreaterThanOrEqual(5_000);
    const loaded = await store.load(deltas.map((d) => d.identityId));
    expect(loaded.get('svc-bulk-49')?.values).toHaveLength(100);
    expect(loaded.get('svc-bulk-49')?.values.every((v) => v.count === 2)).toBe(true);
  });

  it('refuses an hour-of-week index outside the week', async () => {
    await expect(store.apply([delta('svc-bad', { hourOfWeek: [[168, 1]] })])).rejects.toThrow(
      RangeError,
    );
    expect(await loadOne('svc-bad')).toEqual(emptySnapshot('svc-bad'));
  });
});
