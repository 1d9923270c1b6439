import type { TelemetryEvent } from '../../../contracts/src/telemetry';
import {
  DAY_MS,
  DISTINCT_HOST_KEY,
  DISTINCT_IP_KEY,
  OTHER_ACTIONS_KEY,
  RECORD_VOLUME_KEY,
  isReservedKey,
  isUnstorable,
  storableValue,
  viewOf,
  type EventView,
} from './event-view';
import { RateSeries, loadSeries, type RateStats } from './rate';
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
import { DimensionState, insertSortedBounded, type ValueStat, type ValueStats } from './values';

/**
 * Further bounds per identity (values: see values.ts): MAX_RATE_SERIES actions get a
 * rate series of their own, further ones share OTHER_ACTIONS_KEY; the last
 * MAX_LIFECYCLE_MOMENTS of each lifecycle kind are kept.
 */
export const MAX_RATE_SERIES = 64;
export const MAX_LIFECYCLE_MOMENTS = 16;

export interface LearningSettings {
  /** Events the identity must have sent. */
  readonly minEvents: number;
  /** Days of event time between its first and its latest event. */
  readonly minDays: number;
}

export const DEFAULT_LEARNING: LearningSettings = { minEvents: 200, minDays: 3 };

const DIMENSION_INDEX = Object.fromEntries(BASELINE_DIMENSIONS.map((d, i) => [d, i])) as Record<
  BaselineDimension,
  number
>;

/**
 * One identity's model of normal behaviour, in memory. Built from a stored snapshot,
 * updated event by event, and drained of what changed as a commutative delta.
 */
export class Baseline {
  private count = 0;
  private first: number | null = null;
  private last: number | null = null;
  private readonly dims: DimensionState[] = BASELINE_DIMENSIONS.map((d) => new DimensionState(d));
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
    const byDimension: BaselineValue[][] = BASELINE_DIMENSIONS.map(() => []);
    for (const row of snapshot.values) {
      const index = DIMENSION_INDEX[row.dimension];
      if (index !== undefined) byDimension[index].push(row);
    }
    byDimension.forEach((rows, index) => b.dims[index].load(rows));
    for (const s of loadSeries(snapshot.rateBuckets, MAX_RATE_SERIES)) {
      b.bind(s);
      if (!isReservedKey(s.key)) b.eventSeries++;
    }
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

  private dim(dimension: BaselineDimension): DimensionState {
    return this.dims[DIMENSION_INDEX[dimension]];
  }

  seen(dimension: BaselineDimension, value: string): ValueStats | undefined {
    return this.dim(dimension).get(value);
  }

  /** Distinct values kept (see values.ts for the cap). */
  distinct(dimension: BaselineDimension): number {
    return this.dim(dimension).values.size;
  }

  values(dimension: BaselineDimension): IterableIterator<string> {
    return this.dim(dimension).values.keys();
  }

  /** Occurrences of values in this dimension, overflow included. */
  observations(dimension: BaselineDimension): number {
    return this.dim(dimension).observations;
  }

  /** Occurrences counted in the overflow row since the dimension saturated. */
  overflow(dimension: BaselineDimension): number {
    return this.dim(dimension).overflow?.count ?? 0;
  }

  /** Whether the dimension reached its cap (see MAX_VALUES_PER_DIMENSION). */
  isSaturated(dimension: BaselineDimension): boolean {
    return this.dim(dimension).overflow !== null;
  }

  /**
   * Good–Turing estimate of the chance that the next value is one never seen (Good 1953,
   * "The population frequencies of species"): values seen once over all observations.
   * Overflow occurrences count as unseen. NaN with no observations.
   */
  missingMass(dimension: BaselineDimension): number {
    return this.dim(dimension).missingMass();
  }

  /**
   * New values per day over the last NOVELTY_WINDOW_DAYS, leaving out the identity's first
   * day (when everything is new). 0 when there is less than a day to measure.
   */
  newValuesPerDay(dimension: BaselineDimension, nowMs: number): number {
    return this.dim(dimension).newValuesPerDay(this.first, nowMs);
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

  /** Distinct source IPs or hosts first active per hour, by epoch hour. */
  distinctRateInHour(dimension: 'source_ip' | 'host', hour: number): RateStats | undefined {
    return (dimension === 'source_ip' ? this.ipSeries : this.hostSeries)?.statsAt(hour);
  }

  /** Records read so far in epoch hour `hour`. */
  recordVolumeCountInHour(hour: number): number {
    return this.volumeSeries?.countAt(hour) ?? 0;
  }

  /** Records read per hour, by epoch hour. */
  recordVolumeInHour(hour: number): RateStats | undefined {
    return this.volumeSeries?.statsAt(hour);
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
    const dims = this.dims;
    const dirty = this.dirtyValues;
    dims[0].touch(view.type, t, hour, dirty);
    if (view.action !== null) dims[1].touch(view.action, t, hour, dirty);
    if (view.scope !== null) dims[2].touch(view.scope, t, hour, dirty);
    if (view.tool !== null) dims[3].touch(view.tool, t, hour, dirty);
    if (view.resource !== null) dims[4].touch(view.resource, t, hour, dirty);
    if (view.recordSet !== null) dims[5].touch(view.recordSet, t, hour, dirty);
    // An address counts in its distinct series once per hour: when it is first active in it.
    if (view.sourceIp !== null && dims[6].touch(view.sourceIp, t, hour, dirty)) {
      this.addTo(this.ipSeries ?? this.create(DISTINCT_IP_KEY), hour, 1);
    }
    if (view.userAgent !== null) dims[7].touch(view.userAgent, t, hour, dirty);
    if (view.host !== null && dims[8].touch(view.host, t, hour, dirty)) {
      this.addTo(this.hostSeries ?? this.create(DISTINCT_HOST_KEY), hour, 1);
    }
    if (view.environment !== null) dims[9].touch(view.environment, t, hour, dirty);

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
        dimension: stat.dimension,
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
    const values = this.dims.flatMap((dim) => dim.rows());
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
