import * as fs from 'node:fs';
import * as path from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import type { DatabaseSettings } from '@vigil/config';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

/** How long a SQLite writer waits for another process's write lock before failing. */
const SQLITE_BUSY_TIMEOUT_MS = 10_000;

export function dataSourceOptions(database: DatabaseSettings): DataSourceOptions {
  const common = {
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTransactionMode: 'each' as const,
    synchronize: false,
    logging: ['error' as const],
  };
  if (database.type === 'postgres') {
    return {
      ...common,
      type: 'postgres',
      url: database.url,
      connectTimeoutMS: 5_000,
      extra: { max: 10, statement_timeout: 15_000 },
    };
  }
  return {
    ...common,
    type: 'better-sqlite3',
    database: database.path,
    enableWAL: true,
    timeout: database.busyTimeoutMs ?? SQLITE_BUSY_TIMEOUT_MS,
  };
}

export function createDataSource(database: DatabaseSettings): DataSource {
  if (database.type === 'sqlite' && database.path !== ':memory:') {
    fs.mkdirSync(path.dirname(database.path), { recursive: true });
  }
  return new DataSource(dataSourceOptions(database));
}

/** Any number bigger than the other advisory locks the database may hold. */
const MIGRATION_LOCK_KEY = 7_302_114_523;

/**
 * Brings the schema up to date. Several processes may start at once: PostgreSQL runs them
 * one at a time under an advisory lock; SQLite serialises writers on the file itself.
 */
export async function migrate(dataSource: DataSource): Promise<string[]> {
  if (dataSource.options.type !== 'postgres') {
    return (await dataSource.runMigrations()).map((m) => m.name);
  }
  const runner = dataSource.createQueryRunner();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    return (await dataSource.runMigrations()).map((m) => m.name);
  } finally {
    await runner
      .query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY])
      .catch(() => undefined);
    await runner.release();
  }
}

/** True when every migration has run. */
export async function schemaIsCurrent(dataSource: DataSource): Promise<boolean> {
  return !(await dataSource.showMigrations());
}
