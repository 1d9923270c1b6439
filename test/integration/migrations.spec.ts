import { MIGRATIONS, migrate, schemaIsCurrent } from '@vigil/persistence';
import { createTestDatabase, testingPostgres, type TestDatabase } from '../support/database';

const database = testingPostgres ? 'PostgreSQL' : 'SQLite';

describe(`migrations on ${database}`, () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
  });

  afterAll(() => db.drop());

  it('build the schema the entities describe, and are idempotent', async () => {
    expect(await schemaIsCurrent(db.dataSource)).toBe(false);
    expect(await migrate(db.dataSource)).toEqual(MIGRATIONS.map((m) => new m().name));
    expect(await migrate(db.dataSource)).toEqual([]);
    expect(await schemaIsCurrent(db.dataSource)).toBe(true);

    const drift = await db.dataSource.driver.createSchemaBuilder().log();
    expect(drift.upQueries.map((q) => q.query)).toEqual([]);
  });

  it('revert cleanly', async () => {
    for (let i = 0; i < MIGRATIONS.length; i += 1) await db.dataSource.undoLastMigration();
    expect(await schemaIsCurrent(db.dataSource)).toBe(false);
    const tables = await db.dataSource
      .createQueryRunner()
      .getTables(['cases', 'case_timeline', 'case_outcomes']);
    expect(tables).toEqual([]);
    await migrate(db.dataSource);
    expect(await schemaIsCurrent(db.dataSource)).toBe(true);
  });
});
