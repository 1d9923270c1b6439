import type { CaseOutcome, CaseState, TimelineEntry } from './case';

/** The case row as the read model stores it: the workflow state without the timeline. */
export type CaseSnapshot = Omit<CaseState, 'timeline'> & {
  /** Counts every change the workflow made to the case; rows only ever move forward. */
  readonly revision: number;
};

export interface RecordCaseProgressInput {
  readonly snapshot: CaseSnapshot;
  readonly entries: readonly TimelineEntry[];
}

/**
 * Activities the case workflow calls. Implementations live in activities/; workflows only
 * see this interface through proxyActivities.
 */
export interface CaseActivities {
  recordCaseProgress(input: RecordCaseProgressInput): Promise<void>;
  recordCaseOutcome(outcome: CaseOutcome): Promise<void>;
}
