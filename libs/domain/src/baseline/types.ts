/**
 * The shapes a baseline takes outside memory: the snapshot the store loads and the delta
 * a batch of events adds. Times are epoch milliseconds (UTC).
 */

/** What the baseline remembers first-seen values of. */
export const BASELINE_DIMENSIONS = [
  'event_type',
  'action',
  'scope',
  'tool',
  'resource',
  'record_set',
  'source_ip',
  'user_agent',
  'host',
  'environment',
] as const;
export type BaselineDimension = (typeof BASELINE_DIMENSIONS)[number];

/** Credential lifecycle moments whose spacing the baseline learns. */
export const LIFECYCLE_KINDS = ['rotation', 'renewal'] as const;
export type LifecycleKind = (typeof LIFECYCLE_KINDS)[number];

/** Width of a rate bucket: event counts per identity and action per hour. */
export const RATE_BUCKET_MS = 3_600_000;
/** Hours in a week: the hour-of-week histogram's length (Monday 00:00 UTC is index 0). */
export const HOURS_PER_WEEK = 168;

export interface BaselineValue {
  readonly dimension: BaselineDimension;
  readonly value: string;
  readonly count: number;
  readonly firstSeen: number;
  readonly lastSeen: number;
}

export interface RateBucket {
  readonly action: string;
  /** Start of the hour, epoch ms, a multiple of RATE_BUCKET_MS. */
  readonly bucketStart: number;
  readonly count: number;
}

export interface LifecycleMoment {
  readonly kind: LifecycleKind;
  readonly at: number;
}

/** Everything stored about one identity's normal behaviour, as the store loads it. */
export interface BaselineSnapshot {
  readonly identityId: string;
  readonly eventCount: number;
  readonly firstEventAt: number | null;
  readonly lastEventAt: number | null;
  readonly values: readonly BaselineValue[];
  /** Recent buckets only (the store keeps a bounded window). */
  readonly rateBuckets: readonly RateBucket[];
  /** HOURS_PER_WEEK counts. */
  readonly hourOfWeek: readonly number[];
  /** Recent moments, oldest first. */
  readonly lifecycle: readonly LifecycleMoment[];
}

/**
 * What one batch adds to one identity's baseline. Every part is commutative (counts add,
 * first-seen takes the minimum, last-seen the maximum), so API instances ingesting at once
 * can apply their deltas in any order and reach the same baseline.
 */
export interface BaselineDelta {
  readonly identityId: string;
  readonly eventCount: number;
  readonly firstEventAt: number;
  readonly lastEventAt: number;
  readonly values: readonly BaselineValue[];
  readonly rateBuckets: readonly RateBucket[];
  /** Sparse: [hourOfWeek index, count] pairs. */
  readonly hourOfWeek: ReadonlyArray<readonly [number, number]>;
  readonly lifecycle: readonly LifecycleMoment[];
}

export function emptySnapshot(identityId: string): BaselineSnapshot {
  return {
    identityId,
    eventCount: 0,
    firstEventAt: null,
    lastEventAt: null,
    values: [],
    rateBuckets: [],
    hourOfWeek: new Array<number>(HOURS_PER_WEEK).fill(0),
    lifecycle: [],
  };
}
