import type { ColumnType } from 'typeorm';
import { databaseFromEnv } from '@vigil/config';

/**
 * Column types differ between the two supported databases. Entity decorators run when their
 * module loads, so the database is read from the environment (DATABASE_URL) at that moment;
 * a process talks to one database for its whole life.
 */
const postgres = databaseFromEnv().type === 'postgres';

/** Entity column types. */
export const TIMESTAMP: ColumnType = postgres ? 'timestamptz' : 'datetime';
export const JSON_DOCUMENT: ColumnType = postgres ? 'jsonb' : 'simple-json';

/** The same types as the database names them, for migrations. */
export const SQL = {
  timestamp: postgres ? 'timestamp with time zone' : 'datetime',
  json: postgres ? 'jsonb' : 'text',
  /** A boolean column's false default, as each database writes it. */
  false: postgres ? 'false' : '0',
} as const;

/** bigint columns arrive as strings from PostgreSQL; every value Vigil stores fits a double. */
export const BIGINT_AS_NUMBER = {
  to: (value: number): number => value,
  from: (value: string | number | null): number | null => (value === null ? null : Number(value)),
};
