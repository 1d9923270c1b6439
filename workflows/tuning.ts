import { log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { TuningActivities, TuningRunInput } from '../libs/contracts/src/tuning';

/**
 * The tuning run reads every verdict of its window and applies its changes in one database
 * transaction keyed by the run id, so a retry after a lost reply returns the same run.
 */
const { runBaselineTuning } = proxyActivities<TuningActivities>({
  startToCloseTimeout: '5 minutes',
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 10,
  },
});

/** A replay reports progress as it goes; a silent one is retried from the start. */
const { runTuningReplay } = proxyActivities<TuningActivities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumAttempts: 3 },
});

const { failTuningReplay } = proxyActivities<TuningActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

export interface TuningRunSummary {
  readonly runId: string;
  readonly thresholdsMoved: number;
  readonly allowancesAdded: number;
  readonly allowancesExpired: number;
  readonly reason: string;
}

/**
 * baselineTuning: verdicts → thresholds and allowances. Runs on its Schedule and on demand
 * (POST /v1/tuning/runs); the run id is the workflow id.
 */
export async function baselineTuning(input: TuningRunInput): Promise<TuningRunSummary> {
  const info = workflowInfo();
  const run = await runBaselineTuning({
    ...input,
    runId: info.workflowId,
    startedAt: new Date(info.startTime).toISOString(),
  });
  log.info('tuning run applied', { runId: run.id, reason: run.reason });
  return {
    runId: run.id,
    thresholdsMoved: run.thresholds.length,
    allowancesAdded: run.allowancesAdded.length,
    allowancesExpired: run.allowancesExpired.length,
    reason: run.reason,
  };
}

export interface TuningReplayInput {
  readonly replayId: string;
}

/** tuningReplay: a what-if replay of recorded events against a candidate threshold set. */
export async function tuningReplay(input: TuningReplayInput): Promise<void> {
  try {
    await runTuningReplay({ replayId: input.replayId });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    const message = cause instanceof Error ? cause.message : String(cause);
    await failTuningReplay({ replayId: input.replayId, error: message });
    throw error;
  }
}
