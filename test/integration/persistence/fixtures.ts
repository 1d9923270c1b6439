import type { DataSource } from 'typeorm';
import type { Identity, TelemetryEvent } from '@vigil/contracts';
import type { BaselineDelta } from '@vigil/domain';
import { createDataSource } from '@vigil/persistence';
import { testingPostgres, type TestDatabase } from '../../support/database';

export const databaseName = testingPostgres ? 'PostgreSQL' : 'SQLite';

/** Another connection (pool) to the same database, as a second API instance would have. */
export async function secondDataSource(db: TestDatabase): Promise<DataSource> {
  const dataSource = createDataSource(db.settings);
  await dataSource.initialize();
  return dataSource;
}

/** Runs work that fails a statement on purpose, without TypeORM's log of the failed query. */
export async function failingQuietly<T>(work: () => Promise<T>): Promise<T> {
  const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    return await work();
  } finally {
    log.mockRestore();
  }
}

export function telemetryEvent(
  id: string,
  overrides: Partial<TelemetryEvent> = {},
): TelemetryEvent {
  return {
    id,
    time: '2026-11-24T10:00:00.000Z',
    identityId: 'svc-payments',
    type: 'secret.accessed',
    action: 'read',
    resource: 'vault:prod/db',
    scope: 'secrets:read',
    source: { ip: '10.0.0.4', userAgent: 'vault-agent/1.15' },
    outcome: 'allowed',
    attributes: { path: 'prod/db', nested: { depth: [1, 2] } },
    ...overrides,
  };
}

export function identity(id: string, overrides: Partial<Identity> = {}): Identity {
  return {
    id,
    kind: 'service_account',
    owner: 'alice@example.com',
    team: 'payments',
    vendor: null,
    criticality: 'high',
    environment: 'prod',
    policy: {
      rotationPeriodDays: 90,
      rotationToleranceDays: 7,
      allowedScopes: ['secrets:read:payments/*'],
      allowedTools: [],
      resourceSensitivity: [{ pattern: 'vault:prod/*', sensitivity: 'critical' }],
    },
    status: 'active',
    ...overrides,
  };
}

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
/** Monday 2026-11-23 00:00 UTC. */
export const MONDAY = Date.UTC(2026, 10, 23);

export function delta(identityId: string, overrides: Partial<BaselineDelta> = {}): BaselineDelta {
  return {
    identityId,
    eventCount: 3,
    firstEventAt: MONDAY + 10 * HOUR,
    lastEventAt: MONDAY + 12 * HOUR + 5_000,
    values: [
      {
        dimension: 'scope',
        value: 'secrets:read',
        count: 2,
        firstSeen: MONDAY + 10 * HOUR,
        lastSeen: MONDAY + 12 * HOUR,
      },
      {
        dimension: 'resource',
        value: 'vault:prod/db',
        count: 1,
        firstSeen: MONDAY + 12 * HOUR + 5_000,
        lastSeen: MONDAY + 12 * HOUR + 5_000,
      },
    ],
    rateBuckets: [
      { action: 'read', bucketStart: MONDAY + 10 * HOUR, count: 2 },
      { action: 'read', bucketStart: MONDAY + 12 * HOUR, count: 1 },
    ],
    hourOfWeek: [
      [10, 2],
      [12, 1],
    ],
    lifecycle: [],
    ...overrides,
  };
}
