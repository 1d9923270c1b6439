import {
  BASELINE_DIMENSIONS,
  HOURS_PER_WEEK,
  type BaselineDelta,
  type BaselineSnapshot,
  type BaselineValue,
  type LifecycleMoment,
  type RateBucket,
} from './types';

/**
 * The store's merge, as a pure function: the persistence layer implements the same
 * semantics in SQL. Counts add; first-seen takes the minimum and last-seen the maximum;
 * lifecycle moments are a set. Every operation is commutative and associative, so deltas
 * from several API instances reach the same snapshot in any order. The output is in a
 * canonical order (values by dimension then value, buckets by action then start, moments
 * by time then kind) so equal baselines compare equal. No retention is applied here:
 * trimming old buckets is the store's policy (Baseline keeps the most recent anyway).
 */
export function applyDelta(snapshot: BaselineSnapshot, delta: BaselineDelta): BaselineSnapshot {
  if (snapshot.identityId !== delta.identityId) {
    throw new Error(
      `delta for ${delta.identityId} cannot apply to the baseline of ${snapshot.identityId}`,
    );
  }
  return {
    identityId: snapshot.identityId,
    eventCount: snapshot.eventCount + delta.eventCount,
    firstEventAt:
      snapshot.firstEventAt === null
        ? delta.firstEventAt
        : Math.min(snapshot.firstEventAt, delta.firstEventAt),
    lastEventAt:
      snapshot.lastEventAt === null
        ? delta.lastEventAt
        : Math.max(snapshot.lastEventAt, delta.lastEventAt),
    values: mergeValues(snapshot.values, delta.values),
    rateBuckets: mergeBuckets(snapshot.rateBuckets, delta.rateBuckets),
    hourOfWeek: mergeHours(snapshot.hourOfWeek, delta.hourOfWeek),
    lifecycle: mergeMoments(snapshot.lifecycle, delta.lifecycle),
  };
}

/**
 * Deltas as one per identity, in identity order: each adds to a snapshot what its inputs
 * added one after another (counts add, first-seen takes the minimum, last-seen the maximum,
 * lifecycle moments are a set). A writer that buffers deltas keeps them in this form.
 */
export function mergeDeltas(deltas: readonly BaselineDelta[]): BaselineDelta[] {
  const byIdentity = new Map<string, BaselineDelta[]>();
  for (const delta of deltas) {
    const group = byIdentity.get(delta.identityId);
    if (group) group.push(delta);
    else byIdentity.set(delta.identityId, [delta]);
  }
  const merged: BaselineDelta[] = [];
  for (const group of byIdentity.values()) {
    const first = group[0]!;
    if (group.length === 1) {
      merged.push(first);
      continue;
    }
    const hours = new Map<number, number>();
    for (const delta of group) {
      for (const [index, n] of delta.hourOfWeek) hours.set(index, (hours.get(index) ?? 0) + n);
    }
    merged.push({
      identityId: first.identityId,
      eventCount: group.reduce((n, d) => n + d.eventCount, 0),
      firstEventAt: group.reduce((t, d) => Math.min(t, d.firstEventAt), first.firstEventAt),
      lastEventAt: group.reduce((t, d) => Math.max(t, d.lastEventAt), first.lastEventAt),
      values: mergeValues(
        [],
        group.flatMap((d) => d.values),
      ),
      rateBuckets: mergeBuckets(
        [],
        group.flatMap((d) => d.rateBuckets),
      ),
      hourOfWeek: [...hours].sort((a, b) => a[0] - b[0]),
      lifecycle: mergeMoments(
        [],
        group.flatMap((d) => d.lifecycle),
      ),
    });
  }
  return merged.sort((a, b) => compareStrings(a.identityId, b.identityId));
}

const DIMENSION_ORDER = new Map<string, number>(BASELINE_DIMENSIONS.map((d, i) => [d, i]));

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function mergeValues(
  a: readonly BaselineValue[],
  b: readonly BaselineValue[],
): readonly BaselineValue[] {
  const merged = new Map<string, BaselineValue>();
  for (const row of [...a, ...b]) {
    const key = `${row.dimension}\n${row.value}`;
    const known = merged.get(key);
    merged.set(
      key,
      known === undefined
        ? { ...row }
        : {
            dimension: row.dimension,
            value: row.value,
            count: known.count + row.count,
            firstSeen: Math.min(known.firstSeen, row.firstSeen),
            lastSeen: Math.max(known.lastSeen, row.lastSeen),
          },
    );
  }
  return [...merged.values()].sort(
    (x, y) =>
      (DIMENSION_ORDER.get(x.dimension) ?? 0) - (DIMENSION_ORDER.get(y.dimension) ?? 0) ||
      compareStrings(x.value, y.value),
  );
}

function mergeBuckets(a: readonly RateBucket[], b: readonly RateBucket[]): readonly RateBucket[] {
  const merged = new Map<string, RateBucket>();
  for (const bucket of [...a, ...b]) {
    const key = `${bucket.action}\n${bucket.bucketStart}`;
    const known = merged.get(key);
    merged.set(
      key,
      known === undefined ? { ...bucket } : { ...bucket, count: known.count + bucket.count },
    );
  }
  return [...merged.values()].sort(
    (x, y) => compareStrings(x.action, y.action) || x.bucketStart - y.bucketStart,
  );
}

function mergeHours(
  counts: readonly number[],
  sparse: ReadonlyArray<readonly [number, number]>,
): readonly number[] {
  const out = new Array<number>(HOURS_PER_WEEK).fill(0);
  for (let i = 0; i < HOURS_PER_WEEK; i++) out[i] = counts[i] ?? 0;
  for (const [index, n] of sparse) {
    if (index >= 0 && index < HOURS_PER_WEEK) out[index] += n;
  }
  return out;
}

function mergeMoments(
  a: readonly LifecycleMoment[],
  b: readonly LifecycleMoment[],
): readonly LifecycleMoment[] {
  const merged = new Map<string, LifecycleMoment>();
  for (const m of [...a, ...b]) merged.set(`${m.kind}\n${m.at}`, { kind: m.kind, at: m.at });
  return [...merged.values()].sort((x, y) => x.at - y.at || compareStrings(x.kind, y.kind));
}

/**
 * A baseline as it stood before the events of `delta` (all of them at or after `beforeMs`):
 * what a what-if replay starts from. Counts subtract exactly; a value whose count reaches
 * zero was first seen within the delta and goes; what subtraction cannot restore exactly
 * (the last-seen time of a value still known from before) is capped just before `beforeMs`.
 */
export function subtractDelta(
  snapshot: BaselineSnapshot,
  delta: BaselineDelta,
  beforeMs: number,
): BaselineSnapshot {
  const removed = new Map<string, number>();
  for (const v of delta.values) removed.set(`${v.dimension}\u0000${v.value}`, v.count);
  const values: BaselineValue[] = [];
  for (const v of snapshot.values) {
    const count = v.count - (removed.get(`${v.dimension}\u0000${v.value}`) ?? 0);
    if (count <= 0) continue;
    values.push({ ...v, count, lastSeen: Math.min(v.lastSeen, beforeMs - 1) });
  }
  const bucketCounts = new Map<string, number>();
  for (const b of delta.rateBuckets) bucketCounts.set(`${b.action}\u0000${b.bucketStart}`, b.count);
  const rateBuckets: RateBucket[] = [];
  for (const b of snapshot.rateBuckets) {
    const count = b.count - (bucketCounts.get(`${b.action}\u0000${b.bucketStart}`) ?? 0);
    if (count > 0) rateBuckets.push({ ...b, count });
  }
  const hourOfWeek = [...snapshot.hourOfWeek];
  for (const [index, count] of delta.hourOfWeek) {
    hourOfWeek[index] = Math.max(0, (hourOfWeek[index] ?? 0) - count);
  }
  const eventCount = Math.max(0, snapshot.eventCount - delta.eventCount);
  return {
    identityId: snapshot.identityId,
    eventCount,
    firstEventAt: eventCount === 0 ? null : snapshot.firstEventAt,
    lastEventAt:
      eventCount === 0 || snapshot.lastEventAt === null
        ? null
        : Math.min(snapshot.lastEventAt, beforeMs - 1),
    values,
    rateBuckets,
    hourOfWeek,
    lifecycle: snapshot.lifecycle.filter((m) => m.at < beforeMs),
  };
}
