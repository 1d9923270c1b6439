import type { SweepKind } from './schedules';
import type { Severity } from './vocabulary';

/** One page of the inventory swept by one activity call. */
export interface SweepPageInput {
  readonly sweep: SweepKind;
  /** ISO time the sweep evaluates the inventory at: the workflow's start. */
  readonly asOf: string;
  /** Names the sweep run; with a fingerprint it makes each report's id, so a retry repeats it. */
  readonly sweepRunId: string;
  /** Where the previous page ended; null for the first page. */
  readonly cursor: string | null;
}

/** A finding the sweep reported, and the case it went to. */
export interface SweptFinding {
  readonly identityId: string;
  readonly fingerprint: string;
  readonly severity: Severity;
  readonly reason: string;
  readonly caseId: string;
  readonly workflowId: string;
  /** True when it joined the case that was already open for the same finding. */
  readonly deduplicated: boolean;
}

export interface SweepPageResult {
  readonly scanned: number;
  readonly findings: readonly SweptFinding[];
  /** Findings not reported because their case resolved within the quiet period. */
  readonly suppressed: number;
  readonly nextCursor: string | null;
}

/** What an `identitySweep` run returns. */
export interface SweepResult {
  readonly sweep: SweepKind;
  readonly asOf: string;
  readonly scanned: number;
  /** Findings reported: cases opened plus cases joined. */
  readonly reported: number;
  readonly opened: number;
  readonly joined: number;
  readonly suppressed: number;
  /** The first SWEEP_RESULT_FINDINGS findings (every one is on its case). */
  readonly findings: readonly SweptFinding[];
}

/** A sweep's result lists at most this many findings, keeping its history small. */
export const SWEEP_RESULT_FINDINGS = 100;

export interface SweepActivities {
  sweepIdentities(input: SweepPageInput): Promise<SweepPageResult>;
}

export interface DeleteExpiredEventsInput {
  /** ISO time: events ingested before it are deleted. */
  readonly cutoff: string;
  /** Statements this call runs at most before handing back (each deletes a bounded batch). */
  readonly maxBatches: number;
}

export interface DeleteExpiredEventsResult {
  readonly deleted: number;
  readonly batches: number;
  /** False when it stopped at maxBatches with more to delete. */
  readonly done: boolean;
}

/** What an `eventRetention` run returns. */
export interface EventRetentionResult {
  readonly cutoff: string;
  readonly retentionDays: number;
  readonly deleted: number;
  readonly batches: number;
}

export interface RetentionActivities {
  deleteExpiredEvents(input: DeleteExpiredEventsInput): Promise<DeleteExpiredEventsResult>;
}
