import { EventEntity, EventLedger, EventRetention } from '@vigil/persistence';
import { createRetentionActivities } from '../../../activities/retention';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { DAY, databaseName, telemetryEvent } from './fixtures';

describe(`event retention on ${databaseName}`, () => {
  let db: TestDatabase;
  const now = Date.UTC(2026, 10, 25, 12);

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(() => db.drop());

  /** `count` events received `daysAgo` days before `now` (their event time is irrelevant). */
  async function receive(prefix: string, count: number, daysAgo: number): Promise<void> {
    const ledger = new EventLedger(db.dataSource, () => new Date(now - daysAgo * DAY));
    const events = Array.from({ length: count }, (_, i) =>
      telemetryEvent(`${prefix}-${String(i).padStart(3, '0')}`),
    );
    expect((await ledger.recordNew(events)).size).toBe(count);
  }

  const remaining = async () =>
    (await db.dataSource.getRepository(EventEntity).find({ select: { id: true } }))
      .map((e) => e.id.split('-')[0])
      .sort();

  it('deletes, in bounded batches, only events received before the cutoff', async () => {
    await receive('old', 23, 10);
    await receive('edge', 2, 7.001);
    await receive('new', 5, 6.999);
    await receive('today', 3, 0);
    const cutoff = new Date(now - 7 * DAY);
    expect(await new EventRetention(db.dataSource).countBefore(cutoff)).toBe(25);

    const { deleteExpiredEvents } = createRetentionActivities({
      dataSource: db.dataSource,
      batchSize: 7,
    });
    // Three batches of 7, then the call hands back with more to do…
    expect(await deleteExpiredEvents({ cutoff: cutoff.toISOString(), maxBatches: 3 })).toEqual({
      deleted: 21,
      batches: 3,
      done: false,
    });
    // …and the next call finishes: 4 rows, a short batch.
    expect(await deleteExpiredEvents({ cutoff: cutoff.toISOString(), maxBatches: 3 })).toEqual({
      deleted: 4,
      batches: 1,
      done: true,
    });
    const left = await remaining();
    expect(left.filter((p) => p === 'new')).toHaveLength(5);
    expect(left.filter((p) => p === 'today')).toHaveLength(3);
    expect(left).toHaveLength(8);
    // Idempotent: a retry with the same cutoff finds nothing left to delete.
    expect(await deleteExpiredEvents({ cutoff: cutoff.toISOString(), maxBatches: 3 })).toEqual({
      deleted: 0,
      batches: 1,
      done: true,
    });
  });

  it('recognises a duplicate until its first receipt leaves the window', async () => {
    const ledger = new EventLedger(db.dataSource, () => new Date(now));
    const replayed = telemetryEvent('new-000');
    expect((await ledger.recordNew([replayed])).size).toBe(0);
    await new EventRetention(db.dataSource).deleteBatch(new Date(now + DAY));
    expect((await ledger.recordNew([replayed])).size).toBe(1);
  });
});
