import {
  HOURS_PER_WEEK,
  type BaselineDelta,
  type BaselineDimension,
  type LifecycleMoment,
} from '@vigil/domain';
import {
  BaselineEntity,
  BaselineHourEntity,
  BaselineLifecycleEntity,
  BaselineRateBucketEntity,
  BaselineValueEntity,
} from '../entities';
import { compare } from './sql';
import { storedBaselineValue } from './stored-value';

/**
 * Turns a batch of baseline deltas into the rows `BaselineStore.apply` upserts: one row per
 * key (a statement may not touch a row twice), each table's rows in key order.
 */

interface MergedDelta {
  readonly identityId: string;
  eventCount: number;
  firstEventAt: number;
  lastEventAt: number;
  readonly hours: Map<number, number>;
  readonly values: Map<
    string,
    {
      dimension: BaselineDimension;
      value: string;
      count: number;
      firstSeen: number;
      lastSeen: number;
    }
  >;
  readonly buckets: Map<string, { action: string; bucketStart: number; count: number }>;
  readonly lifecycle: Map<string, LifecycleMoment>;
}

/** Deltas for the same identity or the same row become one: one statement may not touch a row twice. */
function mergeDeltas(deltas: readonly BaselineDelta[]): MergedDelta[] {
  const byIdentity = new Map<string, MergedDelta>();
  for (const delta of deltas) {
    let merged = byIdentity.get(delta.identityId);
    if (!merged) {
      merged = {
        identityId: delta.identityId,
        eventCount: 0,
        firstEventAt: delta.firstEventAt,
        lastEventAt: delta.lastEventAt,
        hours: new Map(),
        values: new Map(),
        buckets: new Map(),
        lifecycle: new Map(),
      };
      byIdentity.set(delta.identityId, merged);
    }
    merged.eventCount += delta.eventCount;
    merged.firstEventAt = Math.min(merged.firstEventAt, delta.firstEventAt);
    merged.lastEventAt = Math.max(merged.lastEventAt, delta.lastEventAt);
    for (const [hour, count] of delta.hourOfWeek) {
      if (!Number.isInteger(hour) || hour < 0 || hour >= HOURS_PER_WEEK) {
        throw new RangeError(
          `hour-of-week index ${hour} of ${delta.identityId} is not 0-${HOURS_PER_WEEK - 1}`,
        );
      }
      merged.hours.set(hour, (merged.hours.get(hour) ?? 0) + count);
    }
    for (const v of delta.values) {
      const value = storedBaselineValue(v.value);
      const key = `${v.dimension}\0${value}`;
      const seen = merged.values.get(key);
      if (seen) {
        seen.count += v.count;
        seen.firstSeen = Math.min(seen.firstSeen, v.firstSeen);
        seen.lastSeen = Math.max(seen.lastSeen, v.lastSeen);
      } else {
        merged.values.set(key, { ...v, value });
      }
    }
    for (const b of delta.rateBuckets) {
      const action = storedBaselineValue(b.action);
      const key = `${action}\0${b.bucketStart}`;
      const seen = merged.buckets.get(key);
      if (seen) seen.count += b.count;
      else merged.buckets.set(key, { action, bucketStart: b.bucketStart, count: b.count });
    }
    for (const moment of delta.lifecycle)
      merged.lifecycle.set(`${moment.kind}\0${moment.at}`, moment);
  }
  return [...byIdentity.values()].sort((a, b) => compare(a.identityId, b.identityId));
}

export interface BaselineRows {
  readonly totals: BaselineEntity[];
  readonly hours: BaselineHourEntity[];
  readonly values: BaselineValueEntity[];
  readonly buckets: BaselineRateBucketEntity[];
  readonly lifecycle: BaselineLifecycleEntity[];
}

export function rowsOfDeltas(deltas: readonly BaselineDelta[], updatedAt: Date): BaselineRows {
  const merged = mergeDeltas(deltas);
  const rows: BaselineRows = { totals: [], hours: [], values: [], buckets: [], lifecycle: [] };
  for (const m of merged) {
    const identityId = m.identityId;
    rows.totals.push({
      identityId,
      eventCount: m.eventCount,
      firstEventAt: new Date(m.firstEventAt),
      lastEventAt: new Date(m.lastEventAt),
      updatedAt,
    });
    for (const [hour, count] of [...m.hours].sort((a, b) => a[0] - b[0])) {
      rows.hours.push({ identityId, hour, count });
    }
    for (const v of [...m.values.values()].sort(byValueKey)) {
      rows.values.push({
        identityId,
        dimension: v.dimension,
        value: v.value,
        count: v.count,
        firstSeen: new Date(v.firstSeen),
        lastSeen: new Date(v.lastSeen),
      });
    }
    for (const b of [...m.buckets.values()].sort(byBucketKey)) {
      rows.buckets.push({
        identityId,
        action: b.action,
        bucketStart: new Date(b.bucketStart),
        count: b.count,
      });
    }
    for (const l of [...m.lifecycle.values()].sort(
      (a, b) => compare(a.kind, b.kind) || a.at - b.at,
    )) {
      rows.lifecycle.push({ identityId, kind: l.kind, at: new Date(l.at) });
    }
  }
  return rows;
}

export function byValueKey(
  a: { dimension: string; value: string },
  b: { dimension: string; value: string },
): number {
  return compare(a.dimension, b.dimension) || compare(a.value, b.value);
}

export function byBucketKey(
  a: { action: string; bucketStart: number },
  b: { action: string; bucketStart: number },
): number {
  return compare(a.action, b.action) || a.bucketStart - b.bucketStart;
}
