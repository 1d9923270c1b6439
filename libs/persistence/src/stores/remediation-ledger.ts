import type { DataSource, EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { RemediationAction } from '@vigil/contracts';
import { RemediationActionEntity } from '../entities';
import { MultiRowInsert } from './sql';

/**
 * The internal connector's ledger of steps, one row per idempotency key. Each method takes
 * the caller's transaction, so a step's effect and its ledger row commit together.
 */
export class RemediationLedger {
  private readonly insert: MultiRowInsert<RemediationActionEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.insert = new MultiRowInsert(dataSource, RemediationActionEntity, [
      'idempotencyKey',
      'caseId',
      'step',
      'action',
      'connector',
      'identityId',
      'phase',
      'status',
      'detail',
      'createdAt',
      'updatedAt',
    ]);
  }

  /**
   * Inserts the row unless one with its key exists: true when this call inserted it. On
   * PostgreSQL a concurrent claim of the same key waits for the first one's transaction, so
   * exactly one claimant wins.
   */
  async claim(manager: EntityManager, row: RemediationActionEntity): Promise<boolean> {
    const inserted = await this.insert.run(
      manager,
      [row],
      `${this.insert.onConflict(['idempotencyKey'])} ${this.insert.returning('idempotencyKey')}`,
    );
    return inserted.length > 0;
  }

  async get(
    idempotencyKey: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<RemediationActionEntity | null> {
    return manager.findOneBy(RemediationActionEntity, { idempotencyKey });
  }

  /**
   * Moves an applied step to compensated: true for the one call that did, which then undoes
   * the effect; false when the step was not applied or is compensated already.
   */
  async startCompensation(
    manager: EntityManager,
    idempotencyKey: string,
    at: Date,
  ): Promise<boolean> {
    const result = await manager
      .createQueryBuilder()
      .update(RemediationActionEntity)
      .set({ phase: 'compensate', status: 'compensated', updatedAt: at })
      .where('idempotency_key = :idempotencyKey AND phase = :phase', {
        idempotencyKey,
        phase: 'execute',
      })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  async setDetail(
    manager: EntityManager,
    idempotencyKey: string,
    detail: Record<string, unknown>,
    at: Date,
  ): Promise<void> {
    await manager
      .createQueryBuilder()
      .update(RemediationActionEntity)
      .set({ detail, updatedAt: at } as QueryDeepPartialEntity<RemediationActionEntity>)
      .where('idempotency_key = :idempotencyKey', { idempotencyKey })
      .execute();
  }

  /** Applied steps of this action on the identity, other than `exceptKey`: effects still in force. */
  async appliedOn(
    manager: EntityManager,
    identityId: string,
    action: RemediationAction,
    exceptKey: string,
  ): Promise<RemediationActionEntity[]> {
    const rows = await manager.find(RemediationActionEntity, {
      where: { identityId, action, connector: 'internal', phase: 'execute' },
      order: { idempotencyKey: 'ASC' },
    });
    return rows.filter((row) => row.idempotencyKey !== exceptKey);
  }

  /** A case's steps, in the order they were first recorded. */
  async forCase(caseId: string): Promise<RemediationActionEntity[]> {
    return this.dataSource.manager.find(RemediationActionEntity, {
      where: { caseId },
      order: { createdAt: 'ASC', idempotencyKey: 'ASC' },
    });
  }
}
