import type { DataSource } from 'typeorm';
import { EventEntity } from '../entities';
import { writeTransaction } from './sql';

/** Rows one retention statement deletes at most: short transactions, bounded locks. */
export const RETENTION_BATCH = 5_000;

/**
 * Deletes raw events by the time Vigil received them. The events table is also ingest's
 * idempotency ledger, so deleting by ingestion time (not event time) means a duplicate is
 * recognised for the whole retention window after its first receipt, however old its
 * event time.
 */
export class EventRetention {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Deletes up to `limit` events ingested before `cutoff`, oldest first; returns how many.
   * Callers loop until it returns less than the limit. The subquery keeps the statement
   * bounded on SQLite and PostgreSQL alike (neither supports DELETE … LIMIT in both).
   */
  async deleteBatch(cutoff: Date, limit: number = RETENTION_BATCH): Promise<number> {
    const result = await writeTransaction(this.dataSource, (manager) =>
      manager
        .createQueryBuilder()
        .delete()
        .from(EventEntity)
        .where(
          'id IN (SELECT id FROM events WHERE ingested_at < :cutoff ORDER BY ingested_at LIMIT :limit)',
          { cutoff, limit },
        )
        .execute(),
    );
    return result.affected ?? 0;
  }

  /** Events ingested before `cutoff`: what the next run would delete. */
  async countBefore(cutoff: Date): Promise<number> {
    return this.dataSource.manager
      .createQueryBuilder(EventEntity, 'e')
      .where('e.ingestedAt < :cutoff', { cutoff })
      .getCount();
  }
}
