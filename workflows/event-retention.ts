import { ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { EventRetentionInput } from '../libs/contracts/src/schedules';
import type { EventRetentionResult, RetentionActivities } from '../libs/contracts/src/sweeps';

const DAY_MS = 86_400_000;
/** Statements per activity call: about 500,000 rows, well inside its timeout. */
const BATCHES_PER_CALL = 100;

const { deleteExpiredEvents } = proxyActivities<RetentionActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    maximumAttempts: 20,
  },
});

/**
 * Deletes raw events Vigil received more than `retentionDays` ago:
 *  1. fix the cutoff once, from this run's start, so every retry deletes the same set;
 *  2. delete in bounded batches until none is left;
 *  3. return the cutoff and how many rows went.
 */
export async function eventRetention(input: EventRetentionInput): Promise<EventRetentionResult> {
  const days = input.retentionDays;
  if (!Number.isInteger(days) || days < 1) {
    // A zero or garbled window would empty the table: refuse rather than guess.
    throw ApplicationFailure.nonRetryable(
      `retentionDays must be a whole number of days, at least 1; got ${String(days)}`,
      'InvalidRetention',
    );
  }
  const started = workflowInfo().runStartTime;
  const cutoff = new Date(started.getTime() - days * DAY_MS).toISOString();
  let deleted = 0;
  let batches = 0;
  for (;;) {
    const result = await deleteExpiredEvents({ cutoff, maxBatches: BATCHES_PER_CALL });
    deleted += result.deleted;
    batches += result.batches;
    if (result.done) break;
  }
  return { cutoff, retentionDays: days, deleted, batches };
}
