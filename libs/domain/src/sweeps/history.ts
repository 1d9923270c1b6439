import { DAY_MS, isReservedKey } from '../baseline/event-view';
import { RATE_BUCKET_MS, type BaselineSnapshot, type LifecycleKind } from '../baseline/types';

export const HOUR_MS = RATE_BUCKET_MS;

/** The latest moment of a lifecycle kind in a stored baseline, or null. */
export function lastMomentOf(baseline: BaselineSnapshot, kind: LifecycleKind): number | null {
  let latest: number | null = null;
  for (const moment of baseline.lifecycle) {
    if (moment.kind === kind && (latest === null || moment.at > latest)) latest = moment.at;
  }
  return latest;
}

/**
 * The hours in which the identity did anything, ascending (epoch ms of each hour's start),
 * from the baseline's retained rate buckets (the store loads 14 days back from the last
 * event). Reserved series (distinct hosts, record volume) mirror event hours and are skipped.
 */
export function activeHours(baseline: BaselineSnapshot): number[] {
  const hours = new Set<number>();
  for (const bucket of baseline.rateBuckets) {
    if (bucket.count > 0 && !isReservedKey(bucket.action)) hours.add(bucket.bucketStart);
  }
  return [...hours].sort((a, b) => a - b);
}

export function days(ms: number): number {
  return ms / DAY_MS;
}
