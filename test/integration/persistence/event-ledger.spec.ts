import type { DataSource } from 'typeorm';
import { EventEntity, EventLedger } from '@vigil/persistence';
import { createTestDatabase, testingPostgres, type TestDatabase } from '../../support/database';
import { databaseName, failingQuietly, secondDataSource, telemetryEvent } from './fixtures';

describe(`event ledger on ${databaseName}`, () => {
  let db: TestDatabase;
  let other: DataSource;
  let ledger: EventLedger;
  const ingestedAt = new Date('2026-11-24T10:00:05.000Z');

  beforeAll(async () => {
    db = await createTestDatabase();
    other = await secondDataSource(db);
    ledger = new EventLedger(db.dataSource, () => ingestedAt);
  });

  afterAll(async () => {
    await other.destroy();
    await db.drop();
  });

  const stored = (id: string) => db.dataSource.getRepository(EventEntity).findOneBy({ id });
  const ids = (prefix: string, from: number, to: number) =>
    Array.from({ length: to - from }, (_, i) => `${prefix}-${String(from + i).padStart(5, '0')}`);

  it('stores an event once and keeps it as it came', async () => {
    const event = telemetryEvent('evt-1', { outcome: null, scope: null });
    expect(await ledger.recordNew([event])).toEqual(new Set(['evt-1']));
    expect(await ledger.recordNew([event])).toEqual(new Set());

    expect(await stored('evt-1')).toEqual({
      id: 'evt-1',
      identityId: 'svc-payments',
      time: new Date('2026-11-24T10:00:00.000Z'),
      type: 'secret.accessed',
      action: 'read',
      resource: 'vault:prod/db',
      scope: null,
      source: { ip: '10.0.0.4', userAgent: 'vault-agent/1.15' },
      outcome: null,
      attributes: { path: 'prod/db', nested: { depth: [1, 2] } },
      ingestedAt,
    });
  });

  it('stores text PostgreSQL cannot hold (NUL, unpaired surrogates) without losing the batch', async () => {
    const odd = telemetryEvent('evt-odd', {
      resource: 'vault:prod/\u0000db',
      source: { userAgent: 'agent \ud800' },
      attributes: { note: 'a\u0000b', literal: 'not an escape: \\u0000', emoji: '😀' },
    });
    const batch = [telemetryEvent('evt-odd-neighbour'), odd];
    expect(await ledger.recordNew(batch)).toEqual(new Set(['evt-odd', 'evt-odd-neighbour']));

    // SQLite keeps them; PostgreSQL holds U+FFFD in their place and everything else exactly.
    const [nul, lone] = testingPostgres ? ['\ufffd', '\ufffd'] : ['\u0000', '\ud800'];
    expect(await stored('evt-odd')).toMatchObject({
      resource: `vault:prod/${nul}db`,
      source: { userAgent: `agent ${lone}` },
      attributes: { note: `a${nul}b`, literal: 'not an escape: \\u0000', emoji: '😀' },
    });
  });

  it('counts a duplicate within one batch once, the first occurrence winning', async () => {
    const batch = [
      telemetryEvent('evt-2', { action: 'first' }),
      telemetryEvent('evt-3'),
      telemetryEvent('evt-2', { action: 'second' }),
      telemetryEvent('evt-1'),
    ];
    expect(await ledger.recordNew(batch)).toEqual(new Set(['evt-2', 'evt-3']));
    expect((await stored('evt-2'))?.action).toBe('first');
  });

  it('returns only the new ids of a batch that overlaps earlier ones', async () => {
    await ledger.recordNew(ids('overlap', 0, 10).map((id) => telemetryEvent(id)));
    const result = await ledger.recordNew(ids('overlap', 5, 15).map((id) => telemetryEvent(id)));
    expect([...result].sort()).toEqual(ids('overlap', 10, 15));
    expect(await ledger.recordNew([])).toEqual(new Set());
  });

  it('gives each id to exactly one of two instances recording at once', async () => {
    const otherLedger = new EventLedger(other);
    for (let round = 0; round < 5; round += 1) {
      const all = ids(`race${round}`, 0, 1_200);
      // Overlapping halves in opposite orders: the worst case for lock ordering.
      const first = all.slice(0, 800).map((id) => telemetryEvent(id));
      const second = all
        .slice(400)
        .reverse()
        .map((id) => telemetryEvent(id));
      const [a, b] = await Promise.all([ledger.recordNew(first), otherLedger.recordNew(second)]);

      expect(a.size + b.size).toBe(all.length);
      expect(new Set([...a, ...b])).toEqual(new Set(all));
    }
  });

  it('records a 5,000-event batch, and a resend of it is all duplicates', async () => {
    const batch = ids('bulk', 0, 5_000).map((id, i) =>
      telemetryEvent(id, {
        identityId: `svc-${i % 50}`,
        time: new Date(Date.UTC(2026, 10, 24) + i * 1_000).toISOString(),
      }),
    );
    expect((await ledger.recordNew(batch)).size).toBe(5_000);
    expect((await ledger.recordNew(batch)).size).toBe(0);
    expect(await db.dataSource.getRepository(EventEntity).countBy({ identityId: 'svc-7' })).toBe(
      100,
    );
  });

  it('records nothing of a batch that fails, even when it spans several statements', async () => {
    const good = ids('atomic', 0, 3_000).map((id) => telemetryEvent(id));
    // Sorted last, so it fails in the last statement, after earlier ones have inserted rows.
    const broken = { ...telemetryEvent('atomic-zz'), type: null } as never;
    await expect(failingQuietly(() => ledger.recordNew([...good, broken]))).rejects.toThrow(/type/);
    expect(await stored('atomic-00000')).toBeNull();
    expect((await ledger.recordNew(good)).size).toBe(3_000);
  });
});
