import { OTHER_ACTIONS_KEY, isReservedKey } from './event-view';
import { RATE_BUCKET_MS, type RateBucket } from './types';

/**
 * Hourly rate statistics for one identity and one action.
 *
 * Why an EWMA of hourly counts rather than a median/MAD over a window:
 * - NHI traffic is sparse at hourly resolution. Most hours of most identities hold zero
 *   events, so the median and the MAD of the window are both 0 for a large share of
 *   identities and every non-empty hour becomes an infinite outlier. An EWMA mean and
 *   variance stay positive and meaningful on sparse, zero-inflated series.
 * - The EWMA control chart is built to detect shifts of a process mean quickly with a
 *   small average run length to signal (Lucas & Saccucci 1990, "Exponentially weighted
 *   moving average control schemes: properties and enhancements", Technometrics 32(1);
 *   NIST/SEMATECH e-Handbook of Statistical Methods §6.3.2.4, "EWMA Control Charts").
 * - It needs O(1) state and O(1) work per hour, and gaps of any length are folded in with
 *   a closed form (below) instead of a loop over every empty hour.
 * Median/MAD's advantage, robustness to the outliers it scores, matters less here: a
 *   spike absorbed into the EWMA only raises the bar for the next few hours, and the
 *   detector also compares with the busiest recent hour (see detection/activity.ts).
 *
 * The variance follows Finch (2009), "Incremental calculation of weighted mean and
 * variance": with d = x − m, m ← m + αd and v ← (1 − α)(v + αd²).
 *
 * The statistic is a pure function of the retained buckets (the last MAX_RATE_BUCKETS
 * non-empty hours within MAX_RATE_AGE_HOURS, oldest first): the stored form is plain per-hour counts, which add up
 * commutatively, and loading a snapshot rebuilds exactly the same statistic.
 */

/** Smoothing weight per hour: an effective memory of about 1/α = 20 hours. */
export const EWMA_ALPHA = 0.05;

/** Non-empty hourly buckets kept per series: a week of continuous activity. */
export const MAX_RATE_BUCKETS = 168;

/**
 * Buckets older than this before a series' newest are dropped: their EWMA weight is below
 * (1 − α)^336 ≈ 3·10⁻⁸, and the store loads the same 14 days, so the busiest-hour and
 * history figures agree between a live baseline and a reloaded one.
 */
export const MAX_RATE_AGE_HOURS = 14 * 24;

export interface RateStats {
  /** Events in the hour being scored, before the event being scored. */
  readonly current: number;
  /** EWMA of the completed hours before the scored hour (empty hours count as zero). */
  readonly mean: number;
  readonly variance: number;
  /** The busiest retained hour before the scored hour. */
  readonly peak: number;
  /** Non-empty completed hours the statistic is built from. */
  readonly buckets: number;
  /** Hours from the oldest retained bucket to the scored hour. */
  readonly spanHours: number;
}

interface MutableRateStats {
  current: number;
  mean: number;
  variance: number;
  peak: number;
  buckets: number;
  spanHours: number;
}

/**
 * Folds `hours` zero counts into (mean, variance) at once. With x = 0 every step is
 * m' = βm and v' = β(v + αm²) (β = 1 − α); by induction, after k steps
 * m_k = β^k·m and v_k = β^k·(v + m²(1 − β^k)).
 */
export function decayEwma(
  mean: number,
  variance: number,
  hours: number,
  alpha: number = EWMA_ALPHA,
): { mean: number; variance: number } {
  if (hours <= 0) return { mean, variance };
  const b = Math.pow(1 - alpha, hours);
  return { mean: b * mean, variance: b * (variance + mean * mean * (1 - b)) };
}

interface Fold {
  mean: number;
  variance: number;
  /** Hour of the last folded bucket. */
  previous: number;
  /** Buckets folded. */
  used: number;
  peak: number;
}

function freshFold(): Fold {
  return { mean: 0, variance: 0, previous: 0, used: 0, peak: 0 };
}

function foldBucket(fold: Fold, hour: number, x: number, alpha: number): void {
  if (fold.used === 0) {
    fold.mean = x;
    fold.variance = 0;
  } else {
    const gap = hour - fold.previous - 1;
    if (gap > 0) {
      const b = Math.pow(1 - alpha, gap);
      fold.variance = b * (fold.variance + fold.mean * fold.mean * (1 - b));
      fold.mean *= b;
    }
    const d = x - fold.mean;
    fold.mean += alpha * d;
    fold.variance = (1 - alpha) * (fold.variance + alpha * d * d);
  }
  fold.previous = hour;
  if (x > fold.peak) fold.peak = x;
  fold.used++;
}

/** The fold advanced through the empty hours up to `hour − 1`, into `out`. */
function decayInto(out: MutableRateStats, fold: Fold, hour: number, alpha: number): void {
  const gap = fold.used > 0 ? hour - fold.previous - 1 : 0;
  if (gap > 0) {
    const b = Math.pow(1 - alpha, gap);
    out.mean = b * fold.mean;
    out.variance = b * (fold.variance + fold.mean * fold.mean * (1 - b));
  } else {
    out.mean = fold.mean;
    out.variance = fold.variance;
  }
  out.peak = fold.peak;
}

/**
 * The statistic over buckets strictly before `hour`, advanced through the empty hours up
 * to `hour − 1`. `hours` must be ascending. The EWMA starts at the first bucket's count.
 */
export function ewmaOfBuckets(
  hours: ArrayLike<number>,
  counts: ArrayLike<number>,
  hour: number,
  alpha: number = EWMA_ALPHA,
): Omit<RateStats, 'current'> {
  const out: MutableRateStats = {
    current: 0,
    mean: 0,
    variance: 0,
    peak: 0,
    buckets: 0,
    spanHours: 0,
  };
  computeInto(out, hours, counts, hours.length, hour, alpha);
  const { current: _current, ...stats } = out;
  return stats;
}

function computeInto(
  out: MutableRateStats,
  hours: ArrayLike<number>,
  counts: ArrayLike<number>,
  length: number,
  hour: number,
  alpha: number,
): void {
  const fold = freshFold();
  for (let i = 0; i < length && hours[i] < hour; i++) foldBucket(fold, hours[i], counts[i], alpha);
  decayInto(out, fold, hour, alpha);
  out.buckets = fold.used;
  out.spanHours = fold.used > 0 ? hour - hours[0] : 0;
}

/**
 * One series: the retained buckets, the EWMA folded incrementally through the completed
 * ones (O(1) per hour instead of a pass over the window), and the pending delta.
 *
 * A bucket is folded once its hour is over. Evicting old buckets does not unfold them:
 * the live EWMA keeps their geometric tail, weighing at most (1 − α)^168 ≈ 2·10⁻⁴ of the
 * total, which is all a reloaded baseline (folding only the retained buckets) can differ
 * by. Anything else that would change a folded bucket (a late event) refolds the window.
 */
export class RateSeries {
  // Epoch hours ascending (non-empty buckets only) and their counts. The window is
  // [start, length): eviction advances `start`, and the arrays are compacted now and then
  // rather than shifted on every new hour.
  private hours: number[] = [];
  private counts: number[] = [];
  private start = 0;
  private fold: Fold = freshFold();
  /** Retained buckets (from `start`) already folded. */
  private folded = 0;
  private refold = false;
  private peakStale = false;
  private readonly stats: MutableRateStats = {
    current: 0,
    mean: 0,
    variance: 0,
    peak: 0,
    buckets: 0,
    spanHours: 0,
  };
  private pendingHour = NaN;
  private pendingCount = 0;
  // Flattened [hour, count] pairs for pending counts that left the fast slot.
  private readonly pendingOther: number[] = [];
  pending = false;

  constructor(readonly key: string) {}

  /** Loads stored buckets (ascending, de-duplicated), keeping the most recent. */
  load(hours: readonly number[], counts: readonly number[]): void {
    let from = Math.max(0, hours.length - MAX_RATE_BUCKETS);
    const oldest = hours.length > 0 ? hours[hours.length - 1] - MAX_RATE_AGE_HOURS : 0;
    while (from < hours.length && hours[from] < oldest) from++;
    this.hours = hours.slice(from);
    this.counts = counts.slice(from);
    this.start = 0;
    this.refold = true;
  }

  /** The retained buckets, oldest first. */
  forEachBucket(fn: (hour: number, count: number) => void): void {
    for (let i = this.start; i < this.hours.length; i++) fn(this.hours[i], this.counts[i]);
  }

  get size(): number {
    return this.hours.length - this.start;
  }

  /** Returns true when this made the series newly pending (so the owner can list it). */
  add(hour: number, n: number): boolean {
    const hours = this.hours;
    const last = hours.length - 1;
    if (last >= this.start && hours[last] === hour) {
      this.counts[last] += n;
      if (last < this.start + this.folded) this.refold = true;
    } else if (last < this.start || hours[last] < hour) {
      hours.push(hour);
      this.counts.push(n);
      if (
        hours.length - this.start > MAX_RATE_BUCKETS ||
        hours[this.start] < hour - MAX_RATE_AGE_HOURS
      ) {
        this.evictOld();
      }
    } else {
      this.addLate(hour, n);
    }
    if (hour === this.pendingHour) {
      this.pendingCount += n;
    } else {
      if (this.pendingCount > 0) this.pendingOther.push(this.pendingHour, this.pendingCount);
      this.pendingHour = hour;
      this.pendingCount = n;
    }
    if (this.pending) return false;
    this.pending = true;
    return true;
  }

  private evictOld(): void {
    const hours = this.hours;
    const oldest = hours[hours.length - 1] - MAX_RATE_AGE_HOURS;
    let drop = Math.max(0, hours.length - this.start - MAX_RATE_BUCKETS);
    while (this.start + drop < hours.length && hours[this.start + drop] < oldest) drop++;
    if (drop === 0) return;
    for (let i = this.start; i < this.start + drop; i++) {
      if (this.counts[i] >= this.fold.peak) this.peakStale = true;
    }
    if (drop > this.folded && this.fold.used > 0) this.refold = true;
    this.folded = Math.max(0, this.folded - drop);
    this.start += drop;
    if (this.start >= 64) {
      hours.splice(0, this.start);
      this.counts.splice(0, this.start);
      this.start = 0;
    }
  }

  private addLate(hour: number, n: number): void {
    const hours = this.hours;
    let lo = this.start;
    let hi = hours.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (hours[mid] < hour) lo = mid + 1;
      else hi = mid;
    }
    if (hours[lo] === hour) {
      this.counts[lo] += n;
    } else if (
      (lo === this.start && this.size >= MAX_RATE_BUCKETS) ||
      hour < hours[hours.length - 1] - MAX_RATE_AGE_HOURS
    ) {
      // Outside what the window keeps: loading a snapshot would drop it too.
      return;
    } else {
      hours.splice(lo, 0, hour);
      this.counts.splice(lo, 0, n);
      if (this.size > MAX_RATE_BUCKETS) this.evictOld();
    }
    if (lo < this.start + this.folded) this.refold = true;
  }

  countAt(hour: number): number {
    const hours = this.hours;
    for (let i = hours.length - 1; i >= this.start; i--) {
      if (hours[i] === hour) return this.counts[i];
      if (hours[i] < hour) return 0;
    }
    return 0;
  }

  /** Statistic for scoring an event in `hour`; the returned object is reused per series. */
  statsAt(hour: number): RateStats {
    const stats = this.stats;
    const hours = this.hours;
    const start = this.start;
    if (this.folded > 0 && hours[start + this.folded - 1] >= hour && !this.refold) {
      // Scoring an hour the fold has passed (a late event): compute it apart.
      const window = hours.slice(start);
      computeInto(stats, window, this.counts.slice(start), window.length, hour, EWMA_ALPHA);
      stats.current = this.countAt(hour);
      return stats;
    }
    if (this.refold) {
      this.fold = freshFold();
      this.folded = 0;
      this.refold = false;
      this.peakStale = false;
    }
    const fold = this.fold;
    while (start + this.folded < hours.length && hours[start + this.folded] < hour) {
      foldBucket(fold, hours[start + this.folded], this.counts[start + this.folded], EWMA_ALPHA);
      this.folded++;
    }
    if (this.peakStale) {
      let peak = 0;
      for (let i = start; i < start + this.folded; i++) {
        if (this.counts[i] > peak) peak = this.counts[i];
      }
      fold.peak = peak;
      this.peakStale = false;
    }
    decayInto(stats, fold, hour, EWMA_ALPHA);
    stats.buckets = this.folded;
    stats.spanHours = this.folded > 0 ? hour - hours[start] : 0;
    stats.current = this.countAt(hour);
    return stats;
  }

  /** Appends the pending buckets (summed per hour, ascending) to `out` and clears them. */
  takePending(out: RateBucket[]): void {
    const other = this.pendingOther;
    if (this.pendingCount > 0) other.push(this.pendingHour, this.pendingCount);
    let ordered = true;
    for (let i = 2; i < other.length; i += 2) {
      if (other[i] <= other[i - 2]) {
        ordered = false;
        break;
      }
    }
    if (ordered) {
      // Events in time order (the usual case): the pending hours are already distinct and
      // ascending.
      for (let i = 0; i < other.length; i += 2) {
        out.push({ action: this.key, bucketStart: other[i] * RATE_BUCKET_MS, count: other[i + 1] });
      }
    } else {
      const sums = new Map<number, number>();
      for (let i = 0; i < other.length; i += 2) {
        sums.set(other[i], (sums.get(other[i]) ?? 0) + other[i + 1]);
      }
      for (const [hour, count] of [...sums].sort((a, b) => a[0] - b[0])) {
        out.push({ action: this.key, bucketStart: hour * RATE_BUCKET_MS, count });
      }
    }
    other.length = 0;
    this.pendingHour = NaN;
    this.pendingCount = 0;
    this.pending = false;
  }
}

/**
 * Series from stored buckets: summed per (action, hour), ascending. Past `maxEventSeries`
 * actions (reserved keys do not count), the actions first seen earliest keep their own
 * series and the rest are summed into OTHER_ACTIONS_KEY, as absorbing them would have.
 */
export function loadSeries(buckets: readonly RateBucket[], maxEventSeries: number): RateSeries[] {
  const byKey = new Map<string, Map<number, number>>();
  for (const bucket of buckets) {
    const hour = Math.floor(bucket.bucketStart / RATE_BUCKET_MS);
    let sums = byKey.get(bucket.action);
    if (sums === undefined) byKey.set(bucket.action, (sums = new Map()));
    sums.set(hour, (sums.get(hour) ?? 0) + bucket.count);
  }
  const keyed = [...byKey].map(([key, sums]) => ({
    key,
    entries: [...sums].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]),
  }));
  const firstHour = (e: { entries: Array<[number, number]> }): number => e.entries[0]?.[0] ?? 0;
  keyed.sort((a, b) => firstHour(a) - firstHour(b) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const out: RateSeries[] = [];
  const other = new Map<number, number>();
  let eventSeries = 0;
  const build = (key: string, entries: Array<[number, number]>): RateSeries => {
    const s = new RateSeries(key);
    s.load(
      entries.map((e) => e[0]),
      entries.map((e) => e[1]),
    );
    return s;
  };
  for (const { key, entries } of keyed) {
    const reserved = isReservedKey(key);
    if (key === OTHER_ACTIONS_KEY || (!reserved && eventSeries >= maxEventSeries)) {
      for (const [hour, n] of entries) other.set(hour, (other.get(hour) ?? 0) + n);
      continue;
    }
    out.push(build(key, entries));
    if (!reserved) eventSeries++;
  }
  if (other.size > 0)
    out.push(
      build(
        OTHER_ACTIONS_KEY,
        [...other].sort((a, b) => a[0] - b[0]),
      ),
    );
  return out;
}
