import { DAY_MS, OVERFLOW_VALUE, isUnstorable, storableValue } from './event-view';
import { RATE_BUCKET_MS, type BaselineDimension, type BaselineValue } from './types';

/**
 * Values kept per dimension and identity. Telemetry is attacker-influenced (a stolen key
 * can mint a new resource name per call), so this is bounded: the first
 * MAX_VALUES_PER_DIMENSION distinct values are kept (on load: the earliest first-seen).
 * The next new value saturates the dimension: from then on every occurrence in it, of a
 * kept value or not, is counted in one OVERFLOW_VALUE row, and the kept rows stop
 * changing. A dimension with that many distinct values is churn (an object per call, a
 * fleet of pods): per-value detail there has no novelty value (its missing mass counts
 * overflow as new, which damps novelty away), and not probing a large table on every
 * event keeps the hot path fast.
 */
export const MAX_VALUES_PER_DIMENSION = 256;
/** First-seen times kept per dimension to estimate how often new values appear. */
export const RECENT_FIRST_SEEN = 32;
/** The novelty rate looks back this far. */
export const NOVELTY_WINDOW_DAYS = 14;

export interface ValueStats {
  readonly count: number;
  readonly firstSeen: number;
  readonly lastSeen: number;
}

export class ValueStat implements ValueStats {
  /** The count already handed out in a delta (or loaded from the store). */
  taken: number;
  constructor(
    readonly dimension: BaselineDimension,
    readonly value: string,
    public count: number,
    public firstSeen: number,
    public lastSeen: number,
  ) {
    this.taken = count;
  }
}

/** Inserts `t` into an ascending list of at most `limit` (dropping the oldest). */
export function insertSortedBounded(
  list: number[],
  t: number,
  limit: number,
  unique: boolean,
): boolean {
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

const RECENT_LOOKUPS = 4;

/** One dimension of one identity's baseline. */
export class DimensionState {
  readonly values = new Map<string, ValueStat>();
  /** Occurrences, overflow included. */
  observations = 0;
  /** Kept values seen exactly once. */
  singletons = 0;
  overflow: ValueStat | null = null;
  /** The latest first-seen times of kept values, ascending. */
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

  constructor(readonly dimension: BaselineDimension) {}

  get(value: string): ValueStat | undefined {
    const recent = this.recentValues;
    for (let i = 0; i < RECENT_LOOKUPS; i++) {
      if (recent[i] === value) return this.recentStats[i];
    }
    let stat = this.values.get(value);
    // Kept values are storable: only a miss can be the raw form of one.
    if (stat === undefined && isUnstorable(value)) stat = this.values.get(storableValue(value));
    this.remember(value, stat);
    return stat;
  }

  private remember(value: string, stat: ValueStat | undefined): void {
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

  /**
   * Counts one occurrence of `value` at `t`, listing the row in `dirty` when it is the
   * first change since the last delta. Returns whether the value is newly active in
   * `hour` (not seen in it before), which the distinct-address series count; always
   * false once saturated.
   */
  touch(value: string, t: number, hour: number, dirty: ValueStat[]): boolean {
    let stat = this.overflow;
    this.observations++;
    if (stat !== null) {
      if (stat.count === stat.taken) dirty.push(stat);
      stat.count++;
      if (t < stat.firstSeen) stat.firstSeen = t;
      if (t > stat.lastSeen) stat.lastSeen = t;
      return false;
    }
    stat = this.get(value) ?? null;
    if (stat !== null) {
      if (stat.count === stat.taken) dirty.push(stat);
      // Out-of-order events never count as newly active.
      const fresh = Math.floor(stat.lastSeen / RATE_BUCKET_MS) < hour;
      if (stat.count === 1) this.singletons--;
      stat.count++;
      if (t < stat.firstSeen) stat.firstSeen = t;
      if (t > stat.lastSeen) stat.lastSeen = t;
      return fresh;
    }
    if (this.values.size < MAX_VALUES_PER_DIMENSION) {
      stat = new ValueStat(this.dimension, storableValue(value), 0, t, t);
      stat.count = 1;
      dirty.push(stat);
      this.values.set(stat.value, stat);
      this.remember(value, stat);
      this.singletons++;
      insertSortedBounded(this.recentFirstSeen, t, RECENT_FIRST_SEEN, false);
      return true;
    }
    stat = this.overflow = new ValueStat(this.dimension, OVERFLOW_VALUE, 0, t, t);
    dirty.push(stat);
    stat.count = 1;
    return false;
  }

  /** Good–Turing missing mass; overflow occurrences count as unseen. NaN when empty. */
  missingMass(): number {
    if (this.observations === 0) return NaN;
    return (this.singletons + (this.overflow?.count ?? 0)) / this.observations;
  }

  /** New values per day over the window, from `start` (never before the first day). */
  newValuesPerDay(firstEventAt: number | null, nowMs: number): number {
    if (firstEventAt === null) return 0;
    const start = Math.max(nowMs - NOVELTY_WINDOW_DAYS * DAY_MS, firstEventAt + DAY_MS);
    if (nowMs - start < DAY_MS) return 0;
    const recent = this.recentFirstSeen;
    let n = 0;
    for (let i = recent.length - 1; i >= 0 && recent[i] >= start; i--) {
      if (recent[i] <= nowMs) n++;
    }
    return n / ((nowMs - start) / DAY_MS);
  }

  /** Loads stored rows of this dimension (overflow and beyond-cap rows fold together). */
  load(rows: readonly BaselineValue[]): void {
    const regular = rows.filter((r) => r.value !== OVERFLOW_VALUE);
    // Keep the values that arrived first, as absorbing them in order would have.
    regular.sort((a, b) =>
      a.firstSeen !== b.firstSeen ? a.firstSeen - b.firstSeen : a.value < b.value ? -1 : 1,
    );
    const folded = rows
      .filter((r) => r.value === OVERFLOW_VALUE)
      .concat(regular.slice(MAX_VALUES_PER_DIMENSION));
    for (const row of regular.slice(0, MAX_VALUES_PER_DIMENSION)) {
      const existing = this.values.get(row.value);
      if (existing !== undefined) {
        if (existing.count === 1) this.singletons--;
        existing.count += row.count;
        existing.firstSeen = Math.min(existing.firstSeen, row.firstSeen);
        existing.lastSeen = Math.max(existing.lastSeen, row.lastSeen);
        existing.taken = existing.count;
        if (existing.count === 1) this.singletons++;
      } else {
        const stat = new ValueStat(
          this.dimension,
          row.value,
          row.count,
          row.firstSeen,
          row.lastSeen,
        );
        this.values.set(row.value, stat);
        if (stat.count === 1) this.singletons++;
        insertSortedBounded(this.recentFirstSeen, row.firstSeen, RECENT_FIRST_SEEN, false);
      }
      this.observations += row.count;
    }
    for (const row of folded) {
      const o = (this.overflow ??= new ValueStat(
        this.dimension,
        OVERFLOW_VALUE,
        0,
        row.firstSeen,
        0,
      ));
      o.count += row.count;
      o.firstSeen = Math.min(o.firstSeen, row.firstSeen);
      o.lastSeen = Math.max(o.lastSeen, row.lastSeen);
      o.taken = o.count;
      this.observations += row.count;
    }
  }

  /** The kept rows and the overflow row, in stored form. */
  rows(): BaselineValue[] {
    const stats = [...this.values.values()];
    if (this.overflow !== null) stats.push(this.overflow);
    return stats.map((s) => ({
      dimension: this.dimension,
      value: s.value,
      count: s.count,
      firstSeen: s.firstSeen,
      lastSeen: s.lastSeen,
    }));
  }
}
