import { DetectorThresholdEntity, InvalidThresholdError, ThresholdStore } from '@vigil/persistence';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { databaseName } from './fixtures';

describe(`threshold store on ${databaseName}`, () => {
  let db: TestDatabase;
  let store: ThresholdStore;
  const now = new Date('2026-11-24T12:00:00.000Z');

  beforeAll(async () => {
    db = await createTestDatabase();
    store = new ThresholdStore(db.dataSource, () => now);
  });

  afterAll(() => db.drop());

  it('holds only the thresholds someone set, the latest value of each', async () => {
    expect(await store.all()).toEqual({});
    await store.set('novel_scope', 0.6, 'alice');
    await store.set('rate_spike', 0.85, 'tuning');
    await store.set('novel_scope', 0.725, 'bob');

    expect(await store.all()).toEqual({ novel_scope: 0.725, rate_spike: 0.85 });
    expect(
      await db.dataSource.getRepository(DetectorThresholdEntity).findOneBy({
        detector: 'novel_scope',
      }),
    ).toEqual({ detector: 'novel_scope', threshold: 0.725, updatedAt: now, updatedBy: 'bob' });
  });

  it('refuses a threshold outside [0, 1]', async () => {
    for (const bad of [-0.1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(store.set('off_hours', bad, 'alice')).rejects.toBeInstanceOf(
        InvalidThresholdError,
      );
    }
    await store.set('off_hours', 0, 'alice');
    await store.set('human_use', 1, 'alice');
    expect(await store.all()).toMatchObject({ off_hours: 0, human_use: 1 });
  });
});
