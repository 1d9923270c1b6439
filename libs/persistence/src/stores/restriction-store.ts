import { In, type DataSource, type EntityManager } from 'typeorm';
import { IdentityRestrictionEntity, type RestrictionKind } from '../entities';
import { MultiRowInsert, chunked } from './sql';

/** A scope revoked from, or a tool blocked for, an identity, and the case step that did it. */
export interface IdentityRestriction {
  readonly identityId: string;
  readonly kind: RestrictionKind;
  readonly value: string;
  readonly caseId: string;
  readonly idempotencyKey: string;
  readonly createdAt: Date;
}

/**
 * The restrictions remediation puts on identities (revoked scopes, blocked tools). A
 * value stays restricted while any step's row for it exists. Writes take the caller's
 * transaction, so a restriction and the ledger entry of the step that made it commit together.
 */
export class RestrictionStore {
  private readonly insert: MultiRowInsert<IdentityRestrictionEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.insert = new MultiRowInsert(dataSource, IdentityRestrictionEntity, [
      'idempotencyKey',
      'identityId',
      'kind',
      'value',
      'caseId',
      'createdAt',
    ]);
  }

  /** An identity's restrictions, oldest first. */
  async list(
    identityId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<IdentityRestriction[]> {
    const rows = await manager.find(IdentityRestrictionEntity, {
      where: { identityId },
      order: { createdAt: 'ASC', kind: 'ASC', value: 'ASC', idempotencyKey: 'ASC' },
    });
    return rows.map(restrictionOf);
  }

  /** The restrictions of each of `ids` (oldest first; an identity without any is absent). */
  async listMany(ids: readonly string[]): Promise<Map<string, IdentityRestriction[]>> {
    const byIdentity = new Map<string, IdentityRestriction[]>();
    for (const chunk of chunked([...new Set(ids)], 500)) {
      const rows = await this.dataSource.manager.find(IdentityRestrictionEntity, {
        where: { identityId: In(chunk) },
        order: { createdAt: 'ASC', kind: 'ASC', value: 'ASC', idempotencyKey: 'ASC' },
      });
      for (const row of rows) {
        const list = byIdentity.get(row.identityId);
        if (list) list.push(restrictionOf(row));
        else byIdentity.set(row.identityId, [restrictionOf(row)]);
      }
    }
    return byIdentity;
  }

  /** The scopes and tools denied to an identity, each once, sorted. */
  async restricted(identityId: string): Promise<{ scopes: string[]; tools: string[] }> {
    const rows = await this.list(identityId);
    const values = (kind: RestrictionKind) =>
      [...new Set(rows.filter((r) => r.kind === kind).map((r) => r.value))].sort();
    return { scopes: values('scope'), tools: values('tool') };
  }

  /** Whether any step still restricts the value for the identity. */
  async isRestricted(
    identityId: string,
    kind: RestrictionKind,
    value: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<boolean> {
    return manager.exists(IdentityRestrictionEntity, { where: { identityId, kind, value } });
  }

  /** The restriction a step made, if it still stands. */
  async byKey(
    idempotencyKey: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<IdentityRestriction | null> {
    const row = await manager.findOneBy(IdentityRestrictionEntity, { idempotencyKey });
    return row ? restrictionOf(row) : null;
  }

  /** Records a step's restriction; false when the step's row already exists. */
  async add(manager: EntityManager, restriction: IdentityRestriction): Promise<boolean> {
    const inserted = await this.insert.run(
      manager,
      [{ ...restriction }],
      `${this.insert.onConflict(['idempotencyKey'])} ${this.insert.returning('idempotencyKey')}`,
    );
    return inserted.length > 0;
  }

  /** Removes a step's restriction; false when it had none. */
  async remove(manager: EntityManager, idempotencyKey: string): Promise<boolean> {
    const result = await manager.delete(IdentityRestrictionEntity, { idempotencyKey });
    return (result.affected ?? 0) > 0;
  }
}

function restrictionOf(row: IdentityRestrictionEntity): IdentityRestriction {
  return {
    identityId: row.identityId,
    kind: row.kind,
    value: row.value,
    caseId: row.caseId,
    idempotencyKey: row.idempotencyKey,
    createdAt: row.createdAt,
  };
}
