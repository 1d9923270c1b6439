import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import type { DatabaseSettings } from '@vigil/config';

/** A database a benchmark creates for itself and drops at the end. */
export interface Scratch {
  readonly settings: DatabaseSettings;
  drop(): Promise<void>;
}

/** A fresh SQLite file in a temporary folder. */
export async function sqliteScratch(): Promise<Scratch> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-'));
  return {
    settings: { type: 'sqlite', path: path.join(dir, 'vigil.sqlite') },
    drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** A fresh database named `<prefix>_<time>` on the PostgreSQL server `baseUrl` names. */
export async function postgresScratch(baseUrl: string, prefix: string): Promise<Scratch> {
  const name = `${prefix}_${Date.now()}`;
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: baseUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return {
    settings: { type: 'postgres', url: url.toString() },
    drop: async () => {
      // FORCE cannot end a backend of another role, such as an autovacuum worker still busy
      // with the fresh tables; it is gone a moment later.
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        } catch (error) {
          if (attempt >= 10) throw error;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
    },
  };
}
