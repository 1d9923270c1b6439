import type { DataSource, EntityManager } from 'typeorm';
import type { ApiKeyView, Role } from '@vigil/contracts';
import { ApiKeyEntity } from '../entities';
import { AuditLog } from './audit-log';
import { dialectOf, writeTransaction } from './sql';

/** A stored key, with the hash its secret is checked against. */
export interface StoredApiKey extends ApiKeyView {
  readonly secretHash: string;
}

export interface NewApiKey {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly secretHash: string;
  readonly createdBy: string;
}

/** No key has this id. */
export class ApiKeyNotFoundError extends Error {
  readonly code = 'key_not_found';

  constructor(readonly id: string) {
    super(`no API key ${id}`);
    this.name = 'ApiKeyNotFoundError';
  }
}

/** The key was revoked already. */
export class ApiKeyRevokedError extends Error {
  readonly code = 'key_already_revoked';

  constructor(readonly id: string) {
    super(`API key ${id} is already revoked`);
    this.name = 'ApiKeyRevokedError';
  }
}

/** Revoking the key would leave no active admin key: nobody could manage keys any more. */
export class LastAdminKeyError extends Error {
  readonly code = 'last_admin_key';

  constructor(readonly id: string) {
    super(`API key ${id} is the last active admin key; create another admin key first`);
    this.name = 'LastAdminKeyError';
  }
}

/**
 * The API key store. Keys are never changed except to record their last use and their
 * revocation; a revoked key stays listed, so what it did can still be attributed.
 */
export class ApiKeyStore {
  private readonly audit: AuditLog;

  constructor(
    private readonly dataSource: DataSource,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.audit = new AuditLog(dataSource, { now });
  }

  async find(id: string): Promise<StoredApiKey | null> {
    const row = await this.dataSource.getRepository(ApiKeyEntity).findOneBy({ id });
    return row ? storedOf(row) : null;
  }

  async list(options: { readonly includeRevoked?: boolean } = {}): Promise<ApiKeyView[]> {
    const query = this.dataSource
      .getRepository(ApiKeyEntity)
      .createQueryBuilder('k')
      .orderBy('k.created_at', 'ASC')
      .addOrderBy('k.id', 'ASC');
    if (!options.includeRevoked) query.where('k.revoked_at IS NULL');
    return (await query.getMany()).map(viewOf);
  }

  async create(key: NewApiKey): Promise<ApiKeyView> {
    return writeTransaction(this.dataSource, (manager) => this.insert(manager, key));
  }

  /**
   * Stores `key` only when the store holds no key at all, as one step even with several API
   * instances starting at once; answers whether it was stored.
   */
  async createIfEmpty(key: NewApiKey): Promise<boolean> {
    return writeTransaction(this.dataSource, async (manager) => {
      if (dialectOf(this.dataSource) === 'postgres') {
        await manager.query('LOCK TABLE api_keys IN SHARE ROW EXCLUSIVE MODE');
      }
      if ((await manager.getRepository(ApiKeyEntity).count()) > 0) return false;
      await this.insert(manager, key);
      return true;
    });
  }

  async revoke(id: string, by: string): Promise<ApiKeyView> {
    return writeTransaction(this.dataSource, async (manager) => {
      if (dialectOf(this.dataSource) === 'postgres') {
        // Two admins revoking each other's keys at once must not leave no admin at all.
        await manager.query('LOCK TABLE api_keys IN SHARE ROW EXCLUSIVE MODE');
      }
      const repository = manager.getRepository(ApiKeyEntity);
      const row = await repository.findOneBy({ id });
      if (!row) throw new ApiKeyNotFoundError(id);
      if (row.revokedAt) throw new ApiKeyRevokedError(id);
      if (row.role === 'admin') {
        const admins = await repository
          .createQueryBuilder('k')
          .where('k.role = :role AND k.revoked_at IS NULL', { role: 'admin' })
          .getCount();
        if (admins <= 1) throw new LastAdminKeyError(id);
      }
      row.revokedAt = this.now();
      row.revokedBy = by;
      await repository.update({ id }, { revokedAt: row.revokedAt, revokedBy: by });
      await this.audit.append(
        {
          actor: by,
          action: 'key.revoked',
          subjectType: 'api_key',
          subjectId: id,
          details: { name: row.name, role: row.role },
          at: row.revokedAt,
        },
        manager,
      );
      return viewOf(row);
    });
  }

  /** Records that the key was used at `at`. */
  async touch(id: string, at: Date): Promise<void> {
    await this.dataSource.getRepository(ApiKeyEntity).update({ id }, { lastUsedAt: at });
  }

  private async insert(manager: EntityManager, key: NewApiKey): Promise<ApiKeyView> {
    const row: ApiKeyEntity = {
      ...key,
      createdAt: this.now(),
      lastUsedAt: null,
      revokedAt: null,
      revokedBy: null,
    };
    await manager.getRepository(ApiKeyEntity).insert(row);
    // The id, name and role only: never the secret or its hash.
    await this.audit.append(
      {
        actor: key.createdBy,
        action: 'key.created',
        subjectType: 'api_key',
        subjectId: key.id,
        details: { name: key.name, role: key.role },
        at: row.createdAt,
      },
      manager,
    );
    return viewOf(row);
  }
}

function viewOf(row: ApiKeyEntity): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    createdAt: iso(row.createdAt)!,
    createdBy: row.createdBy,
    lastUsedAt: iso(row.lastUsedAt),
    revokedAt: iso(row.revokedAt),
    revokedBy: row.revokedBy,
  };
}

function storedOf(row: ApiKeyEntity): StoredApiKey {
  return { ...viewOf(row), secretHash: row.secretHash };
}

function iso(value: Date | string | null): string | null {
  if (value === null) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
