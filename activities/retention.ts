import { Context } from '@temporalio/activity';
import type { DataSource } from 'typeorm';
import type {
  DeleteExpiredEventsInput,
  DeleteExpiredEventsResult,
  RetentionActivities,
} from '@vigil/contracts';
import { EventRetention, RETENTION_BATCH } from '@vigil/persistence';

export interface RetentionDeps {
  readonly dataSource: DataSource;
  /** Rows per delete statement; the default suits both databases. */
  readonly batchSize?: number;
}

/**
 * Deletes events ingested before the cutoff, a bounded batch per statement, heartbeating
 * between batches so a stuck database is noticed and a cancelled run stops. Deleting by a
 * fixed cutoff is idempotent: a retry deletes what is left.
 */
export function createRetentionActivities(deps: RetentionDeps): RetentionActivities {
  const retention = new EventRetention(deps.dataSource);
  const batchSize = deps.batchSize ?? RETENTION_BATCH;
  return {
    async deleteExpiredEvents(input: DeleteExpiredEventsInput): Promise<DeleteExpiredEventsResult> {
      const cutoff = new Date(input.cutoff);
      let deleted = 0;
      let batches = 0;
      while (batches < input.maxBatches) {
        const n = await retention.deleteBatch(cutoff, batchSize);
        batches += 1;
        deleted += n;
        heartbeat(deleted);
        if (n < batchSize) return { deleted, batches, done: true };
      }
      return { deleted, batches, done: false };
    },
  };
}

function heartbeat(deleted: number): void {
  let context: Context;
  try {
    context = Context.current();
  } catch {
    return; // called outside an activity
  }
  context.heartbeat(deleted);
  if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason;
}
