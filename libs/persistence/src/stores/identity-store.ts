import { In, type DataSource, type EntityManager } from 'typeorm';
import type { Identity, IdentityKind, IdentityPolicy, IdentityStatus } from '@vigil/contracts';
import { IdentityEntity } from '../entities';
import { AuditLog, type AuditEntry } from './audit-log';
import { chunked, compare, MultiRowInsert, writeTransaction } from './sql';

/** An identity as the inventory holds it: the declaration plus where and when it was recorded. */
export interface StoredIdentity extends Identity {
  /** First seen in telemetry rather than declared; stays true after someone classifies it. */
  readonly autoRegistered: boolean;
  /** Epoch ms. */
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly updatedBy: string;
}

export interface IdentityFilter {
  readonly kind?: IdentityKind;
  readonly team?: string;
  readonly owner?: string;
  readonly vendor?: string;
  readonly status?: IdentityStatus;
  /** A `nextCursor` from the previous page. */
  readonly cursor?: string;
  readonly limit?: number;
}

export interface IdentityPage {
  readonly items: StoredIdentity[];
  readonly nextCursor: string | null;
}

/** A cursor that `list` did not hand out (or that was tampered with). */
export class InvalidCursorError extends Error {
  readonly code = 'invalid_cursor';

  constructor(readonly cursor: string) {
    super('cursor is not one this API returned');
    this.name = 'InvalidCursorError';
  }
}

export const DEFAULT_IDENTITY_PAGE_SIZE = 50;
export const MAX_IDENTITY_PAGE_SIZE = 1_000;

/** What an identity seen only in telemetry is assumed to be until someone classifies it. */
export const UNCLASSIFIED_DEFAULTS = {
  kind: 'unclassified',
  criticality: 'medium',
  status: 'active',
} as const satisfies Pick<Identity, 'kind' | 'criticality' | 'status'>;

export const EMPTY_POLICY: IdentityPolicy = {
  rotationPeriodDays: null,
  rotationToleranceDays: null,
  allowedScopes: [],
  allowedTools: [],
  resourceSensitivity: [],
};

/** Who created identities that telemetry registered. */
export const TELEMETRY_ACTOR = 'vigil:telemetry';

/** What a declaration replaces; `createdAt` and `autoRegistered` record history and stay. */
const DECLARED = [
  'kind',
  'owner',
  'team',
  'vendor',
  'criticality',
  'environment',
  'policy',
  'status',
  'updatedAt',
  'updatedBy',
] as const satisfies ReadonlyArray<keyof IdentityEntity>;

/** The identity inventory. */
export class IdentityStore {
  private readonly insert: MultiRowInsert<IdentityEntity>;
  private readonly audit: AuditLog;

  constructor(
    private readonly dataSource: DataSource,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.audit = new AuditLog(dataSource, { now });
    this.insert = new MultiRowInsert(dataSource, IdentityEntity, [
      'id',
      'kind',
      'owner',
      'team',
      'vendor',
      'criticality',
      'environment',
      'policy',
      'status',
      'autoRegistered',
      'createdAt',
      'updatedAt',
      'updatedBy',
    ]);
  }

  async get(id: string): Promise<StoredIdentity | null> {
    const row = await this.dataSource.manager.findOneBy(IdentityEntity, { id });
    return row ? identityOf(row) : null;
  }

  /** The identities that exist among `ids`, by id. */
  async getMany(ids: readonly string[]): Promise<Map<string, StoredIdentity>> {
    const found = new Map<string, StoredIdentity>();
    for (const chunk of chunked([...new Set(ids)], 500)) {
      for (const row of await this.dataSource.manager.findBy(IdentityEntity, { id: In(chunk) })) {
        found.set(row.id, identityOf(row));
      }
    }
    return found;
  }

  /**
   * Creates the identity or replaces its declaration. Concurrent upserts of one id never
   * fail: the last one wins, and the creation time is the first one's.
   */
  async upsert(
    identity: Identity,
    { actor }: { actor: string },
  ): Promise<{ identity: StoredIdentity; created: boolean }> {
    const { row, created } = await writeTransaction(this.dataSource, async (manager) => {
      const written = rowOf(identity, actor, this.now(), false);
      const created = await this.write(manager, [written]);
      const row = await manager.findOneByOrFail(IdentityEntity, { id: identity.id });
      await this.audit.append(auditOf(written, created.has(written.id), actor), manager);
      return { row, created: created.size > 0 };
    });
    return { identity: identityOf(row), created };
  }

  /**
   * Creates or replaces many identities in one transaction (a bulk import): all or none. A
   * repeated id counts once, its last occurrence wins.
   */
  async bulkUpsert(
    identities: readonly Identity[],
    { actor }: { actor: string },
  ): Promise<{ created: number; updated: number }> {
    const lastById = new Map(identities.map((identity) => [identity.id, identity]));
    if (lastById.size === 0) return { created: 0, updated: 0 };
    const now = this.now();
    const rows = [...lastById.values()]
      .sort((a, b) => compare(a.id, b.id))
      .map((identity) => rowOf(identity, actor, now, false));
    const created = await writeTransaction(this.dataSource, async (manager) => {
      const created = await this.write(manager, rows);
      await this.audit.appendMany(
        rows.map((row) => auditOf(row, created.has(row.id), actor)),
        manager,
      );
      return created;
    });
    return { created: created.size, updated: rows.length - created.size };
  }

  /**
   * Registers identities first seen in telemetry as `unclassified` (medium criticality, no
   * declared policy, active) and returns the ids this call created, in the order given.
   * Ids that exist, or that a concurrent caller registers first, are left alone.
   */
  async registerUnknown(ids: readonly string[]): Promise<string[]> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return [];
    const now = this.now();
    const rows = [...unique].sort(compare).map((id) =>
      rowOf(
        {
          id,
          ...UNCLASSIFIED_DEFAULTS,
          owner: null,
          team: null,
          vendor: null,
          environment: null,
          policy: EMPTY_POLICY,
        },
        TELEMETRY_ACTOR,
        now,
        true,
      ),
    );
    const created = await writeTransaction(this.dataSource, async (manager) => {
      const created = await this.insertNew(manager, rows);
      await this.audit.appendMany(
        rows.filter((row) => created.has(row.id)).map((row) => auditOf(row, true, TELEMETRY_ACTOR)),
        manager,
      );
      return created;
    });
    return unique.filter((candidate) => created.has(candidate));
  }

  /**
   * Writes declared rows (sorted by id) and returns the ids it created. New rows go in first,
   * with an insert that skips existing ids and reports the ones it inserted: that is exact
   * even with concurrent writers. The rest then replace their declarations.
   */
  private async write(
    manager: EntityManager,
    rows: readonly IdentityEntity[],
  ): Promise<Set<string>> {
    const created = await this.insertNew(manager, rows);
    const existing = rows.filter((row) => !created.has(row.id));
    if (existing.length > 0) {
      const replaceDeclaration = this.insert.onConflict(
        ['id'],
        DECLARED.map((property) => this.insert.replaced(property)),
      );
      await this.insert.run(manager, existing, replaceDeclaration);
    }
    return created;
  }

  private async insertNew(
    manager: EntityManager,
    rows: readonly IdentityEntity[],
  ): Promise<Set<string>> {
    const returned = await this.insert.run(
      manager,
      rows,
      `${this.insert.onConflict(['id'])} ${this.insert.returning('id')}`,
    );
    return new Set(returned.map((row) => String(row.id)));
  }

  /** A page of identities in id order, filtered by exact matches. */
  async list(filter: IdentityFilter = {}): Promise<IdentityPage> {
    const limit = Math.min(
      Math.max(1, Math.trunc(filter.limit ?? DEFAULT_IDENTITY_PAGE_SIZE)),
      MAX_IDENTITY_PAGE_SIZE,
    );
    const query = this.dataSource.manager
      .createQueryBuilder(IdentityEntity, 'i')
      .orderBy('i.id', 'ASC')
      .take(limit + 1);
    for (const field of ['kind', 'team', 'owner', 'vendor', 'status'] as const) {
      const value = filter[field];
      if (value !== undefined) query.andWhere(`i.${field} = :${field}`, { [field]: value });
    }
    if (filter.cursor !== undefined) {
      query.andWhere('i.id > :after', { after: decodeCursor(filter.cursor) });
    }
    const rows = await query.getMany();
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map(identityOf),
      nextCursor: rows.length > limit && last ? encodeCursor(last.id) : null,
    };
  }
}

/** A declaration written (or an identity registered from telemetry) as an audit row. */
function auditOf(row: IdentityEntity, created: boolean, actor: string): AuditEntry {
  return {
    actor,
    action: row.autoRegistered
      ? 'identity.registered'
      : created
        ? 'identity.created'
        : 'identity.updated',
    subjectType: 'identity',
    subjectId: row.id,
    details: {
      kind: row.kind,
      owner: row.owner,
      team: row.team,
      vendor: row.vendor,
      criticality: row.criticality,
      environment: row.environment,
      status: row.status,
      policy: row.policy,
    },
    at: row.updatedAt,
  };
}

function rowOf(
  identity: Identity,
  actor: string,
  now: Date,
  autoRegistered: boolean,
): IdentityEntity {
  return {
    id: identity.id,
    kind: identity.kind,
    owner: identity.owner,
    team: identity.team,
    vendor: identity.vendor,
    criticality: identity.criticality,
    environment: identity.environment,
    policy: identity.policy,
    status: identity.status,
    autoRegistered,
    createdAt: now,
    updatedAt: now,
    updatedBy: actor,
  };
}

function identityOf(row: IdentityEntity): StoredIdentity {
  return {
    id: row.id,
    kind: row.kind,
    owner: row.owner,
    team: row.team,
    vendor: row.vendor,
    criticality: row.criticality,
    environment: row.environment,
    policy: { ...EMPTY_POLICY, ...row.policy },
    status: row.status,
    autoRegistered: row.autoRegistered,
    createdAt: row.createdAt.getTime(),
    updatedAt: row.updatedAt.getTime(),
    updatedBy: row.updatedBy,
  };
}

/** Cursors are opaque to clients; inside, the last id of the page. */
function encodeCursor(id: string): string {
  return Buffer.from(JSON.stringify({ after: id }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    const after = (parsed as { after?: unknown } | null)?.after;
    if (typeof after === 'string') return after;
  } catch {
    // reported below, like any other cursor this store did not produce
  }
  throw new InvalidCursorError(cursor);
}
