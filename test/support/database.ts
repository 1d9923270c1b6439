import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { databaseFromEnv, type DatabaseSettings } from '@vigil/config';
import { createDataSource, migrate } from '@vigil/persistence';

/**
 * A database of its own for one test file: a fresh SQLite file, or, when the suite runs
 * against PostgreSQL (DATABASE_URL set), a fresh database on that server.
 */
export interface TestDatabase {
  readonly settings: DatabaseSettings;
  readonly dataSource: DataSource;
  /** Removes the database. */
  drop(): Promise<void>;
}

export const testingPostgres = databaseFromEnv().type === 'postgres';

export async function createTestDatabase(
  options: { migrate?: boolean } = {},
): Promise<TestDatabase> {
  const settings = testingPostgres ? await createPostgresDatabase() : createSqliteFile();
  const dataSource = createDataSource(settings.settings);
  await dataSource.initialize();
  if (options.migrate ?? true) await migrate(dataSource);
  return {
    settings: settings.settings,
    dataSource,
    async drop() {
      if (dataSource.isInitialized) await dataSource.destroy();
      await settings.remove();
    },
  };
}

function createSqliteFile(): { settings: DatabaseSettings; remove(): Promise<void> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-test-'));
  return {
    settings: { type: 'sqlite', path: path.join(dir, 'vigil.sqlite') },
    remove: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

async function createPostgresDatabase(): Promise<{
  settings: DatabaseSettings;
  remove(): Promise<void>;
}> {
  const base = databaseFromEnv();
  if (base.type !== 'postgres') throw new Error('DATABASE_URL is not a PostgreSQL URL');
  const name = `vigil_test_${randomBytes(6).toString('hex')}`;
  await withAdmin(base.url, async (admin) => {
    await admin.query(`CREATE DATABASE ${name}`);
  });
  const url = new URL(base.url);
  url.pathname = `/${name}`;
  return {
    settings: { type: 'postgres', url: url.toString() },
    remove: () => dropDatabase(base.url, name),
  };
}

/** PostgreSQL's insufficient_privilege. */
const INSUFFICIENT_PRIVILEGE = '42501';

/**
 * WITH (FORCE) ends the test's own connections, but not an autovacuum worker the server
 * started after a file wrote thousands of rows: ending that one needs pg_signal_backend,
 * which a test role lacks. The worker finishes in moments, so the drop is retried.
 */
async function dropDatabase(url: string, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await withAdmin(url, async (admin) => {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      });
      return;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code !== INSUFFICIENT_PRIVILEGE || attempt >= 40) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

async function withAdmin<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
