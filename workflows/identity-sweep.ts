import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { SweepInput } from '../libs/contracts/src/schedules';
import {
  SWEEP_RESULT_FINDINGS,
  type SweepActivities,
  type SweepPageResult,
  type SweepResult,
  type SweptFinding,
} from '../libs/contracts/src/sweeps';

/**
 * A page reads the inventory and its baselines and reports what it finds; a database or
 * Temporal outage is retried for about half an hour, then this run fails and the Schedule's
 * next run starts over. Reports repeated by a retry join their cases as the same report.
 */
const { sweepIdentities } = proxyActivities<SweepActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '2 minutes',
    maximumAttempts: 20,
    nonRetryableErrorTypes: ['SweepNotConfigured'],
  },
});

/**
 * One run of an inventory sweep, started by its Schedule (or by hand):
 *  1. fix the moment the inventory is judged at: this run's start;
 *  2. walk the inventory a page at a time; each page finds what the sweep looks for
 *     (an overdue rotation, an expiring certificate, a silence, an unused grant, a dormant
 *     identity waking up) and reports each finding to its case: a finding whose case is
 *     open joins it, so an hourly sweep never piles up cases;
 *  3. return what it scanned and found.
 */
export async function identitySweep(input: SweepInput): Promise<SweepResult> {
  const info = workflowInfo();
  const asOf = info.runStartTime.toISOString();
  const sweepRunId = `${info.workflowId}/${info.runId}`;
  let cursor: string | null = null;
  let scanned = 0;
  let suppressed = 0;
  let opened = 0;
  let joined = 0;
  const findings: SweptFinding[] = [];
  do {
    const page: SweepPageResult = await sweepIdentities({
      sweep: input.sweep,
      asOf,
      sweepRunId,
      cursor,
    });
    scanned += page.scanned;
    suppressed += page.suppressed;
    for (const finding of page.findings) {
      if (finding.deduplicated) joined += 1;
      else opened += 1;
      if (findings.length < SWEEP_RESULT_FINDINGS) findings.push(finding);
    }
    cursor = page.nextCursor;
  } while (cursor !== null);
  return {
    sweep: input.sweep,
    asOf,
    scanned,
    reported: opened + joined,
    opened,
    joined,
    suppressed,
    findings,
  };
}
