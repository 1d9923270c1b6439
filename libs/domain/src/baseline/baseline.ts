import type { TelemetryEvent } from '../../../contracts/src/telemetry';
import {
  DAY_MS,
  DISTINCT_HOST_KEY,
  DISTINCT_IP_KEY,
  OTHER_ACTIONS_KEY,
  OVERFLOW_VALUE,
  RECORD_VOLUME_KEY,
  isUnstorable,
  storableValue,
  viewOf,
  type EventView,
} from './event-view';
import { RateSeries, type RateStats } from './rate';
import {
  BASELINE_DIMENSIONS,
  HOURS_PER_WEEK,
  LIFECYCLE_KINDS,
  RATE_BUCKET_MS,
  type BaselineDelta,
  type BaselineDimension,
  type BaselineSnapshot,
  type BaselineValue,
  type LifecycleKind,
  type LifecycleMoment,
  type RateBucket,
} from './types';

/**
 * Memory bounds per identity. Telemetry is attacker-influenced (a stolen key can mint a
 * new resource name per call), so nothing grows without limit:
 * - values: the first MAX_VALUES_PER_DIMENSION distinct values of a dimension are kept
 *   (on load: the earliest first-seen). The next new value saturates the dimension: from
 *   then on every occurrence in it, of a kept value or not, is counted in one
 *   OVERFLOW_VALUE row, and the kept rows stop changing. A dimension with that many
 *   distinct values is churn (an object per call, a fleet of pods): per-value detail
 *   there has no novelty value (its missing mass counts overflow as new, which damps
 *   novelty away), and not probing a large table on every event keeps the hot path fast.
 * - rate series: MAX_RATE_SERIES actions; further actions share OTHER_ACTIONS_KEY.
 * - lifecycle: the last MAX_LIFECYCLE_MOMENTS of each kind.
 */
export const MAX_VALUES_PER_DIMENSION = 256;
export const MAX_RATE_SERIES = 64;
export const MAX_LIFECYCLE_MOMENTS = 16;
/** First-seen times kept per dimension to estimate how often new values appear. */
export const RECENT_FIRST_SEEN = 32;
/** The novelty rate looks back this far. */
export const NOVELTY_WINDOW_DAYS = 14;

export interface LearningSettings {
  /** Events the identity must have sent. */
  readonly minEvents: number;
  /** Days of event time between its first and its latest event. */
  readonly minDays: number;
}

export const DEFAULT_LEARNING: LearningSettings = { minEvents: 200, minDays: 3 };

export interface ValueStats {
  readonly count: number;
  readonly firstSeen: number;
  readonly lastSeen: number;
}

class ValueStat implements ValueStats {
  /** The count already handed out in a delta (or loaded from the store). */
  taken: number;
  constructor(
    readonly dimension: number,
    readonly value: string,
    public count: number,
    public firstSeen: number,
    public lastSeen: number,
  ) {
    this.taken = count;
  }
}

class DimensionState {
  readonly values = new Map<string, ValueStat>();
  /** Occurrences, overflow included. */
  observations = 0;
  /** Stored values seen exactly once. */
  singletons = 0;
  overflow: ValueStat | null = null;
  /** The latest first-seen times of stored values, ascending. */
  readonly recentFirstSeen: number[] = [];
  // An identity's consecutive events mostly repeat a few values (its user agent, its
  // actions, its hosts): comparing with the last few found is much cheaper than hashing a
  // freshly parsed string and probing a table that is cold in the CPU cache. Misses are
  // remembered too: a detector's look-up of a new value is followed by its absorb.
  private readonly recentValues: Array<string | null> = [null, null, null, null];
  private readonly recentStats: Array<ValueStat | undefined> = [
    undefined,
    undefined,
    undefined,
    undefined,
  ];
  private nextSlot = 0;

  get(value: string): ValueStat | undefined {
    const recent = this.recentValues;
    for (let i = 0; i < RECENT_LOOKUPS; i++) {
      if (recent[i] === value) return this.recentStats[i];
    }
    let stat = this.values.get(value);
    // Kept values are storable: only a miss can be the raw form of one.
    if (stat === undefined && isUnstorable(value)) stat = this.values.get(storableValue(value));
    const slot = this.nextSlot;
    recent[slot] = value;
    this.recentStats[slot] = stat;
    this.nextSlot = (slot + 1) % RECENT_LOOKUPS;
    return stat;
  }

  /** Records that `value` now maps to `stat` (it was just added). */
  remember(value: string, stat: ValueStat): void {
    const recent = this.recentValues;
    for (let i = 0; i < RECENT_LOOKUPS; i++) {
      if (recent[i] === value) {
        this.recentStats[i] = stat;
        return;
      }
    }
    const slot = this.nextSlot;
    recent[slot] = value;
    this.recentStats[slot] = stat;
    this.nextSlot = (slot + 1) % RECENT_LOOKUPS;
  }
}

const RECENT_LOOKUPS = 1;

const DIMENSION_INDEX = Object.fromEntries(BASELINE_DIMENSIONS.map((d, i) => [d, i])) as Record<
  BaselineDimension,
  number
>;
const IP = DIMENSION_INDEX.source_ip;
const HOST = DIMENSION_INDEX.host;

function isReservedKey(key: string): boolean {
  return key.charCodeAt(0) === 32;
}

function insertSortedBounded(list: number[], t: number, limit: number, unique: boolean): boolean {
  const length = list.length;
  if (length === 0 || t > list[length - 1]) {
    list.push(t);
    if (length + 1 > limit) list.shift();
    return true;
  }
  if (length >= limit && t <= list[0]) return false;
  let i = length;
  while (i > 0 && list[i - 1] > t) i--;
  if (unique && i > 0 && list[i - 1] === t) return false;
  list.splice(i, 0, t);
  if (list.length > limit) list.shift();
  return true;
}

/**
 * One identity's model of normal behaviour, in memory. Built from a stored snapshot,
 * updated event by event, and drained of what changed as a commutative delta.
 */
export class Baseline {
  private count = 0;
  private first: number | null = null;
  private last: number | null = null;
  private readonly dims: DimensionState[] = BASELINE_DIMENSIONS.map(() => new DimensionState());
  private readonly series = new Map<string, RateSeries>();
  private eventSeries = 0;
  private lastSeries: RateSeries | null = null;
  private ipSeries: RateSeries | null = null;
  private hostSeries: RateSeries | null = null;
  private volumeSeries: RateSeries | null = null;
  private readonly hourCounts: number[] = new Array<number>(HOURS_PER_WEEK).fill(0);
  private hourTotal = 0;
  private readonly moments: Record<LifecycleKind, number[]> = { rotation: [], renewal: [] };

  private pendingEvents = 0;
  private pendingFirst = Infinity;
  private pendingLast = -Infinity;
  private readonly dirtyValues: ValueStat[] = [];
  private readonly dirtySeries: RateSeries[] = [];
  private readonly pendingHours: number[] = new Array<number>(HOURS_PER_WEEK).fill(0);
  private readonly dirtyHours: number[] = [];
  private pendingMoments: LifecycleMoment[] = [];

  constructor(readonly identityId: string) {}

  static fromSnapshot(snapshot: BaselineSnapshot): Baseline {
    const b = new Baseline(snapshot.identityId);
    b.count = snapshot.eventCount;
    b.first = snapshot.firstEventAt;
    b.last = snapshot.lastEventAt;
    b.loadValues(snapshot.values);
    b.loadRates(snapshot.rateBuckets);
    for (let i = 0; i < HOURS_PER_WEEK; i++) {
      const n = snapshot.hourOfWeek[i];
      b.hourCounts[i] = typeof n === 'number' && n > 0 ? n : 0;
      b.hourTotal += b.hourCounts[i];
    }
    for (const moment of snapshot.lifecycle) {
      const list = b.moments[moment.kind];
      if (list !== undefined) insertSortedBounded(list, moment.at, MAX_LIFECYCLE_MOMENTS, true);
    }
    return b;
  }

  private loadValues(rows: readonly BaselineValue[]): void {
    const byDimension: BaselineValue[][] = BASELINE_DIMENSIONS.map(() => []);
    for (const row of rows) {
      const index = DIMENSION_INDEX[row.dimension];
      if (index !== undefined) byDimension[index].push(row);
    }
    byDimension.forEach((dimensionRows, index) => {
      const dim = this.dims[index];
      const regular = dimensionRows.filter((r) => r.value !== OVERFLOW_VALUE);
      // Keep the values that arrived first, as absorbing them in order would have.
      regular.sort((a, b) =>
        a.firstSeen !== b.firstSeen ? a.firstSeen - b.firstSeen : a.value < b.value ? -1 : 1,
      );
      const folded = dimensionRows
        .filter((r) => r.value === OVERFLOW_VALUE)
        .concat(regular.slice(MAX_VALUES_PER_DIMENSION));
      for (const row of regular.slice(0, MAX_VALUES_PER_DIMENSION)) {
        const existing = dim.values.get(row.value);
        if (existing !== undefined) {
          if (existing.count === 1) dim.singletons--;
          existing.count += row.count;
          existing.firstSeen = Math.min(existing.firstSeen, row.firstSeen);
          existing.lastSeen = Math.max(existing.lastSeen, row.lastSeen);
          existing.taken = existing.count;
        } else {
          dim.values.set(
            row.value,
            new ValueStat(index, row.value, row.count, row.firstSeen, row.lastSeen),
          );
          insertSortedBounded(dim.recentFirstSeen, row.firstSeen, RECENT_FIRST_SEEN, false);
        }
        if (dim.values.get(row.value)?.count === 1) dim.singletons++;
        dim.observations += row.count;
      }
      for (const row of folded) {
        const o = (dim.overflow ??= new ValueStat(index, OVERFLOW_VALUE, 0, row.firstSeen, 0));
        o.count += row.count;
        o.firstSeen = Math.min(o.firstSeen, row.firstSeen);
        o.lastSeen = Math.max(o.lastSeen, row.lastSeen);
        o.taken = o.count;
        dim.observations += row.count;
      }
    });
  }

  private loadRates(buckets: readonly RateBucket[]): void {
    const byKey = new Map<string, Map<number, number>>();
    for (const bucket of buckets) {
      const hour = Math.floor(bucket.bucketStart / RATE_BUCKET_MS);
      let sums = byKey.get(bucket.action);
      if (sums === undefined) byKey.set(bucket.action, (sums = new Map()));
      sums.set(hour, (sums.get(hour) ?? 0) + bucket.count);
    }
    const sorted = [...byKey].map(([key, sums]) => {
      const entries = [...sums].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
      return { key, entries };
    });
    // Past the cap, the actions first seen earliest keep their own series.
    sorted.sort((a, b) =>
      (a.entries[0]?.[0] ?? 0) !== (b.entries[0]?.[0] ?? 0)
        ? (a.entries[0]?.[0] ?? 0) - (b.entries[0]?.[0] ?? 0)
        : a.key < b.key
          ? -1
          : 1,
    );
    const other = new Map<number, number>();
    for (const { key, entries } of sorted) {
      if (!isReservedKey(key) && this.eventSeries >= MAX_RATE_SERIES) {
        for (const [hour, n] of entries) other.set(hour, (other.get(hour) ?? 0) + n);
        continue;
      }
      if (key === OTHER_ACTIONS_KEY) {
        for (const [hour, n] of entries) other.set(hour, (other.get(hour) ?? 0) + n);
        continue;
      }
      const s = new RateSeries(key);
      s.load(
        entries.map((e) => e[0]),
        entries.map((e) => e[1]),
      );
      this.bind(s);
      if (!isReservedKey(key)) this.eventSeries++;
    }
    if (other.size > 0) {
      const entries = [...other].sort((a, b) => a[0] - b[0]);
      const s = new RateSeries(OTHER_ACTIONS_KEY);
      s.load(
        entries.map((e) => e[0]),
        entries.map((e) => e[1]),
      );
      this.bind(s);
    }
  }

  get eventCount(): number {
    return this.count;
  }

  get firstEventAt(): number | null {
    return this.first;
  }

  get lastEventAt(): number | null {
    return this.last;
  }

  /** Learning until it has `minEvents` events spanning `minDays` days of event time. */
  isLearning(settings: LearningSettings = DEFAULT_LEARNING): boolean {
    if (this.count < settings.minEvents || this.first === null || this.last === null) return true;
    return this.last - this.first < settings.minDays * DAY_MS;
  }

  seen(dimension: BaselineDimension, value: string): ValueStats | undefined {
    return this.dims[DIMENSION_INDEX[dimension]].get(value);
  }

  /** Distinct values kept (overflowed values are not counted: see overflow()). */
  distinct(dimension: BaselineDimension): number {
    return this.dims[DIMENSION_INDEX[dimension]].values.size;
  }

  values(dimension: BaselineDimension): IterableIterator<string> {
    return this.dims[DIMENSION_INDEX[dimension]].values.keys();
  }

  /** Occurrences of values in this dimension, overflow included. */
  observations(dimension: BaselineDimension): number {
    return this.dims[DIMENSION_INDEX[dimension]].observations;
  }

  /** Occurrences counted in the overflow row since the dimension saturated. */
  overflow(dimension: BaselineDimension): number {
    return this.dims[DIMENSION_INDEX[dimension]].overflow?.count ?? 0;
  }

  /** Whether the dimension reached its cap (see MAX_VALUES_PER_DIMENSION). */
  isSaturated(dimension: BaselineDimension): boolean {
    return this.dims[DIMENSION_INDEX[dimension]].overflow !== null;
  }

  /**
   * Good–Turing estimate of the chance that the next value is one never seen (Good 1953,
   * "The population frequencies of species"): values seen once over all observations.
   * Overflow occurrences count as unseen. NaN with no observations.
   */
  missingMass(dimension: BaselineDimension): number {
    const dim = this.dims[DIMENSION_INDEX[dimension]];
    if (dim.observations === 0) return NaN;
    return (dim.singletons + (dim.overflow?.count ?? 0)) / dim.observations;
  }

  /**
   * New values per day over the last NOVELTY_WINDOW_DAYS, leaving out the identity's first
   * day (when everything is new). 0 when there is less than a day to measure.
   */
  newValuesPerDay(dimension: BaselineDimension, nowMs: number): number {
    if (this.first === null) return 0;
    const start = Math.max(nowMs - NOVELTY_WINDOW_DAYS * DAY_MS, this.first + DAY_MS);
    if (nowMs - start < DAY_MS) return 0;
    const recent = this.dims[DIMENSION_INDEX[dimension]].recentFirstSeen;
    let n = 0;
    for (let i = recent.length - 1; i >= 0 && recent[i] >= start; i--) {
      if (recent[i] <= nowMs) n++;
    }
    return n / ((nowMs - start) / DAY_MS);
  }

  /** Rate statistic for `key` (an action) when scoring an event at `atMs`. */
  rate(key: string, atMs: number): RateStats | undefined {
    return this.rateInHour(key, Math.floor(atMs / RATE_BUCKET_MS));
  }

  /** As rate(), by epoch hour. The object returned is reused: read it before the next call. */
  rateInHour(key: string, hour: number): RateStats | undefined {
    return this.seriesOf(key)?.statsAt(hour);
  }

  /** Events of `key` so far in epoch hour `hour`: a cheap guard before rateInHour. */
  countInHour(key: string, hour: number): number {
    return this.seriesOf(key)?.countAt(hour) ?? 0;
  }

  /** Distinct source IPs or hosts so far in epoch hour `hour`. */
  distinctCountInHour(dimension: 'source_ip' | 'host', hour: number): number {
    return (dimension === 'source_ip' ? this.ipSeries : this.hostSeries)?.countAt(hour) ?? 0;
  }

  /** Records read so far in epoch hour `hour`. */
  recordVolumeCountInHour(hour: number): number {
    return this.volumeSeries?.countAt(hour) ?? 0;
  }

  /** Distinct source IPs or hosts first active per hour, by epoch hour. */
  distinctRateInHour(dimension: 'source_ip' | 'host', hour: number): RateStats | undefined {
    return (dimension === 'source_ip' ? this.ipSeries : this.hostSeries)?.statsAt(hour);
  }

  /** Records read per hour, by epoch hour. */
  recordVolumeInHour(hour: number): RateStats | undefined {
    return this.volumeSeries?.statsAt(hour);
  }

  private seriesOf(key: string): RateSeries | undefined {
    const last = this.lastSeries;
    if (last !== null && last.key === key) return last;
    let s = this.series.get(key);
    if (s === undefined && isUnstorable(key)) s = this.series.get(storableValue(key));
    if (s !== undefined) this.lastSeries = s;
    return s;
  }

  private bind(s: RateSeries): void {
    this.series.set(s.key, s);
    if (s.key === DISTINCT_IP_KEY) this.ipSeries = s;
    else if (s.key === DISTINCT_HOST_KEY) this.hostSeries = s;
    else if (s.key === RECORD_VOLUME_KEY) this.volumeSeries = s;
  }

  rateKeys(): IterableIterator<string> {
    return this.series.keys();
  }

  hourOfWeek(index: number): number {
    return this.hourCounts[index] ?? 0;
  }

  get hourOfWeekTotal(): number {
    return this.hourTotal;
  }

  lastMoment(kind: LifecycleKind): number | null {
    const list = this.moments[kind];
    return list.length > 0 ? list[list.length - 1] : null;
  }

  /** Kept moments of one kind, oldest first. */
  lifecycleMoments(kind: LifecycleKind): readonly number[] {
    return this.moments[kind];
  }

  /** Milliseconds between consecutive kept moments, oldest first. */
  intervals(kind: LifecycleKind): number[] {
    const list = this.moments[kind];
    const out: number[] = [];
    for (let i = 1; i < list.length; i++) out.push(list[i] - list[i - 1]);
    return out;
  }

  /** Median interval, once at least two are known; the median shrugs off one manual redo. */
  typicalInterval(kind: LifecycleKind): number | null {
    const intervals = this.intervals(kind).sort((a, b) => a - b);
    if (intervals.length < 2) return null;
    const mid = intervals.length >> 1;
    return intervals.length % 2 === 1 ? intervals[mid] : (intervals[mid - 1] + intervals[mid]) / 2;
  }

  absorb(event: TelemetryEvent, eventTimeMs: number): void {
    this.absorbView(viewOf(event, eventTimeMs));
  }

  absorbView(view: EventView): void {
    const t = view.timeMs;
    this.count++;
    if (this.first === null || t < this.first) this.first = t;
    if (this.last === null || t > this.last) this.last = t;
    this.pendingEvents++;
    if (t < this.pendingFirst) this.pendingFirst = t;
    if (t > this.pendingLast) this.pendingLast = t;

    const hour = view.hour;
    this.touch(0, view.type, t, hour);
    if (view.action !== null) this.touch(1, view.action, t, hour);
    if (view.scope !== null) this.touch(2, view.scope, t, hour);
    if (view.tool !== null) this.touch(3, view.tool, t, hour);
    if (view.resource !== null) this.touch(4, view.resource, t, hour);
    if (view.recordSet !== null) this.touch(5, view.recordSet, t, hour);
    if (view.sourceIp !== null) this.touch(IP, view.sourceIp, t, hour);
    if (view.userAgent !== null) this.touch(7, view.userAgent, t, hour);
    if (view.host !== null) this.touch(HOST, view.host, t, hour);
    if (view.environment !== null) this.touch(9, view.environment, t, hour);

    this.addRate(view.rateKey, hour, 1);
    if (view.recordCount > 0) {
      this.addTo(this.volumeSeries ?? this.create(RECORD_VOLUME_KEY), hour, view.recordCount);
    }

    this.hourCounts[view.hourOfWeek]++;
    this.hourTotal++;
    if (this.pendingHours[view.hourOfWeek]++ === 0) this.dirtyHours.push(view.hourOfWeek);

    if (view.lifecycle !== null) {
      insertSortedBounded(this.moments[view.lifecycle], t, MAX_LIFECYCLE_MOMENTS, true);
      this.pendingMoments.push({ kind: view.lifecycle, at: t });
    }
  }

  private touch(index: number, value: string, t: number, hour: number): void {
    const dim = this.dims[index];
    let stat = dim.overflow;
    if (stat !== null) {
      if (stat.count === stat.taken) this.dirtyValues.push(stat);
      stat.count++;
      if (t < stat.firstSeen) stat.firstSeen = t;
      if (t > stat.lastSeen) stat.lastSeen = t;
      dim.observations++;
      return;
    }
    const distinctKey = index === IP ? DISTINCT_IP_KEY : index === HOST ? DISTINCT_HOST_KEY : null;
    stat = dim.get(value) ?? null;
    if (stat !== null) {
      if (stat.count === stat.taken) this.dirtyValues.push(stat);
      // A known address counts once per hour in the distinct series: when it is first
      // active in this hour. Out-of-order events never count twice.
      if (distinctKey !== null && Math.floor(stat.lastSeen / RATE_BUCKET_MS) < hour) {
        this.addDistinct(distinctKey, hour);
      }
      if (stat.count === 1) dim.singletons--;
      stat.count++;
      if (t < stat.firstSeen) stat.firstSeen = t;
      if (t > stat.lastSeen) stat.lastSeen = t;
    } else if (dim.values.size < MAX_VALUES_PER_DIMENSION) {
      stat = new ValueStat(index, storableValue(value), 0, t, t);
      stat.count = 1;
      this.dirtyValues.push(stat);
      dim.values.set(stat.value, stat);
      dim.remember(value, stat);
      dim.singletons++;
      insertSortedBounded(dim.recentFirstSeen, t, RECENT_FIRST_SEEN, false);
      if (distinctKey !== null) this.addDistinct(distinctKey, hour);
    } else {
      stat = dim.overflow = new ValueStat(index, OVERFLOW_VALUE, 0, t, t);
      this.dirtyValues.push(stat);
      stat.count = 1;
    }
    dim.observations++;
  }

  private addDistinct(key: string, hour: number): void {
    const s = key === DISTINCT_IP_KEY ? this.ipSeries : this.hostSeries;
    this.addTo(s ?? this.create(key), hour, 1);
  }

  private addRate(key: string, hour: number, n: number): void {
    let s = this.seriesOf(key);
    if (s === undefined) {
      if (!isReservedKey(key) && this.eventSeries >= MAX_RATE_SERIES) {
        this.addRate(OTHER_ACTIONS_KEY, hour, n);
        return;
      }
      s = this.create(key);
    }
    this.addTo(s, hour, n);
  }

  private create(key: string): RateSeries {
    const s = new RateSeries(storableValue(key));
    this.bind(s);
    if (!isReservedKey(key)) this.eventSeries++;
    return s;
  }

  private addTo(s: RateSeries, hour: number, n: number): void {
    if (s.add(hour, n)) this.dirtySeries.push(s);
  }

  get hasPendingDelta(): boolean {
    return this.pendingEvents > 0;
  }

  /**
   * What changed since the last call (and resets it); null when nothing did. A value's
   * count is what this baseline added since; its first and last seen are the extremes it
   * knows, which merge (min, max) to the same result as the batch's own extremes would.
   */
  takeDelta(): BaselineDelta | null {
    if (this.pendingEvents === 0) return null;
    const values: BaselineValue[] = this.dirtyValues.map((stat) => {
      const row: BaselineValue = {
        dimension: BASELINE_DIMENSIONS[stat.dimension],
        value: stat.value,
        count: stat.count - stat.taken,
        firstSeen: stat.firstSeen,
        lastSeen: stat.lastSeen,
      };
      stat.taken = stat.count;
      return row;
    });
    const rateBuckets: RateBucket[] = [];
    for (const s of this.dirtySeries) s.takePending(rateBuckets);
    const hourOfWeek: Array<readonly [number, number]> = [];
    const dirtyHours = this.dirtyHours;
    // A handful of slots, almost always already in order: insertion sort, no allocation.
    for (let i = 1; i < dirtyHours.length; i++) {
      const h = dirtyHours[i];
      let j = i - 1;
      while (j >= 0 && dirtyHours[j] > h) {
        dirtyHours[j + 1] = dirtyHours[j];
        j--;
      }
      dirtyHours[j + 1] = h;
    }
    for (const i of dirtyHours) {
      hourOfWeek.push([i, this.pendingHours[i]]);
      this.pendingHours[i] = 0;
    }
    dirtyHours.length = 0;
    const delta: BaselineDelta = {
      identityId: this.identityId,
      eventCount: this.pendingEvents,
      firstEventAt: this.pendingFirst,
      lastEventAt: this.pendingLast,
      values,
      rateBuckets,
      hourOfWeek,
      lifecycle: this.pendingMoments,
    };
    this.dirtyValues.length = 0;
    this.dirtySeries.length = 0;
    this.pendingMoments = [];
    this.pendingEvents = 0;
    this.pendingFirst = Infinity;
    this.pendingLast = -Infinity;
    return delta;
  }

  /** The in-memory state in stored form (bounded, so possibly less than the store holds). */
  toSnapshot(): BaselineSnapshot {
    const values: BaselineValue[] = [];
    this.dims.forEach((dim, index) => {
      const dimension = BASELINE_DIMENSIONS[index];
      const rows =
        dim.overflow === null ? [...dim.values.values()] : [...dim.values.values(), dim.overflow];
      for (const s of rows) {
        values.push({
          dimension,
          value: s.value,
          count: s.count,
          firstSeen: s.firstSeen,
          lastSeen: s.lastSeen,
        });
      }
    });
    const rateBuckets: RateBucket[] = [];
    for (const s of this.series.values()) {
      s.forEachBucket((hour, count) =>
        rateBuckets.push({ action: s.key, bucketStart: hour * RATE_BUCKET_MS, count }),
      );
    }
    const lifecycle: LifecycleMoment[] = [];
    for (const kind of LIFECYCLE_KINDS) {
      for (const at of this.moments[kind]) lifecycle.push({ kind, at });
    }
    lifecycle.sort((a, b) => a.at - b.at || (a.kind < b.kind ? -1 : 1));
    return {
      identityId: this.identityId,
      eventCount: this.count,
      firstEventAt: this.first,
      lastEventAt: this.last,
      values,
      rateBuckets,
      hourOfWeek: [...this.hourCounts],
      lifecycle,
    };
  }
}
