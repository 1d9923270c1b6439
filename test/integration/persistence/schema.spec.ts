import { MIGRATIONS } from '@vigil/persistence';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { databaseName } from './fixtures';

const DETECTION_TABLES = [
  'identities',
  'events',
  'baselines',
  'baseline_hours',
  'baseline_values',
  'baseline_rate_buckets',
  'baseline_lifecycle',
  'detector_thresholds',
];

describe(`detection schema on ${databaseName}`, () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(() => db.drop());

  it('is created by its migration and removed by reverting it, leaving the cases alone', async () => {
    const runner = db.dataSource.createQueryRunner();
    try {
      expect((await runner.getTables(DETECTION_TABLES)).map((t) => t.name).sort()).toEqual(
        [...DETECTION_TABLES].sort(),
      );
      const own = MIGRATIONS.findIndex((m) => m.name === 'CreateDetection1764115200000');
      expect(own).toBeGreaterThan(0);
      const newer = MIGRATIONS.length - own;
      for (let i = 0; i < newer; i += 1) await db.dataSource.undoLastMigration();
      expect(await runner.getTables(DETECTION_TABLES)).toEqual([]);
      expect(await runner.getTables(['cases'])).toHaveLength(1);
      expect(await db.dataSource.runMigrations()).toHaveLength(newer);
    } finally {
      await runner.release();
    }
  });
});
