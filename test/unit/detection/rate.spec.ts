import {
  Baseline,
  EWMA_ALPHA,
  MAX_RATE_AGE_HOURS,
  MAX_RATE_BUCKETS,
  decayEwma,
  ewmaOfBuckets,
} from '@vigil/domain';
import { HOUR, T0, event } from './support';

const H0 = T0 / HOUR;

/** The EWMA the slow way: one update per hour, empty hours as explicit zeros. */
function dense(counts: number[], alpha = EWMA_ALPHA): { mean: number; variance: number } {
  let mean = counts[0];
  let variance = 0;
  for (let i = 1; i < counts.length; i++) {
    const d = counts[i] - mean;
    mean += alpha * d;
    variance = (1 - alpha) * (variance + alpha * d * d);
  }
  return { mean, variance };
}

describe('EWMA gap handling', () => {
  it('folds k empty hours in closed form, equal to k zero updates', () => {
    for (const k of [1, 2, 7, 24, 300]) {
      const closed = decayEwma(12, 30, k);
      const stepped = dense([12, ...new Array<number>(k).fill(0)]);
      // dense() starts with variance 0; start both from the same state instead.
      let mean = 12;
      let variance = 30;
      for (let i = 0; i < k; i++) {
        const d = -mean;
        mean += EWMA_ALPHA * d;
        variance = (1 - EWMA_ALPHA) * (variance + EWMA_ALPHA * d * d);
      }
      expect(closed.mean).toBeCloseTo(mean, 10);
      expect(closed.variance).toBeCloseTo(variance, 10);
      expect(stepped.mean).toBeCloseTo(decayEwma(12, 0, k).mean, 10);
    }
  });

  it('is unchanged by a gap of zero hours', () => {
    expect(decayEwma(5, 2, 0)).toEqual({ mean: 5, variance: 2 });
  });

  it('over sparse buckets equals the dense hour-by-hour EWMA with zeros', () => {
    const hours = [0, 1, 5, 6, 30, 31, 32, 80];
    const counts = [10, 12, 3, 9, 40, 1, 7, 22];
    const until = 100;
    const denseCounts = new Array<number>(until).fill(0);
    hours.forEach((h, i) => (denseCounts[h] = counts[i]));
    const expected = dense(denseCounts);
    const stats = ewmaOfBuckets(hours, counts, until);
    expect(stats.mean).toBeCloseTo(expected.mean, 10);
    expect(stats.variance).toBeCloseTo(expected.variance, 10);
    expect(stats.peak).toBe(40);
    expect(stats.buckets).toBe(8);
    expect(stats.spanHours).toBe(100);
  });

  it('advances across a very long gap in constant time', () => {
    const started = Date.now();
    const stats = ewmaOfBuckets([0, 1], [100, 100], 1e12);
    expect(Date.now() - started).toBeLessThan(50);
    expect(stats.mean).toBe(0);
    expect(Number.isFinite(stats.variance)).toBe(true);
  });

  it('leaves the scored hour itself out', () => {
    const stats = ewmaOfBuckets([0, 1, 2], [5, 5, 500], 2);
    expect(stats.peak).toBe(5);
    expect(stats.buckets).toBe(2);
  });
});

function hourly(counts: Array<[hourOffset: number, count: number]>, action = 'read'): Baseline {
  const b = new Baseline('x');
  for (const [h, n] of counts) {
    for (let i = 0; i < n; i++)
      b.absorb(event({ at: T0 + h * HOUR + i, action }), T0 + h * HOUR + i);
  }
  return b;
}

describe('the live rate statistic', () => {
  it('matches the batch computation over its buckets, hour after hour', () => {
    const plan: Array<[number, number]> = [
      [0, 3],
      [1, 5],
      [4, 2],
      [9, 8],
      [10, 1],
      [30, 6],
    ];
    const b = new Baseline('x');
    const hours: number[] = [];
    const counts: number[] = [];
    for (const [h, n] of plan) {
      // Score before absorbing, as detection does.
      const live = b.rate('read', T0 + h * HOUR);
      if (live !== undefined) {
        const batch = ewmaOfBuckets(hours, counts, H0 + h);
        expect(live.mean).toBe(batch.mean);
        expect(live.variance).toBe(batch.variance);
        expect(live.peak).toBe(batch.peak);
        expect(live.current).toBe(0);
      }
      for (let i = 0; i < n; i++)
        b.absorb(event({ at: T0 + h * HOUR + i, action: 'read' }), T0 + h * HOUR + i);
      hours.push(H0 + h);
      counts.push(n);
    }
    expect(b.rate('read', T0 + 30 * HOUR)?.current).toBe(6);
  });

  it('refolds when a late event lands in an hour already folded', () => {
    const b = hourly([
      [0, 4],
      [1, 4],
      [2, 4],
    ]);
    b.rate('read', T0 + 3 * HOUR);
    b.absorb(event({ at: T0 + 1 * HOUR + 500, action: 'read' }), T0 + HOUR + 500);
    const live = b.rate('read', T0 + 3 * HOUR)!;
    const batch = ewmaOfBuckets([H0, H0 + 1, H0 + 2], [4, 5, 4], H0 + 3);
    expect(live.mean).toBe(batch.mean);
    expect(live.peak).toBe(5);
  });

  it('scores a late event against the hours before it', () => {
    const b = hourly([
      [0, 4],
      [1, 8],
      [5, 2],
    ]);
    b.rate('read', T0 + 6 * HOUR);
    const late = b.rate('read', T0 + 1 * HOUR)!;
    expect(late.current).toBe(8);
    expect(late.buckets).toBe(1);
    expect(late.peak).toBe(4);
  });

  it('keeps a bounded window and agrees with a reloaded baseline within the evicted tail', () => {
    const plan: Array<[number, number]> = [];
    for (let h = 0; h < MAX_RATE_BUCKETS + 60; h++) plan.push([h, 1 + ((h * 7) % 11)]);
    const b = new Baseline('x');
    for (const [h, n] of plan) {
      b.rate('read', T0 + h * HOUR);
      for (let i = 0; i < n; i++)
        b.absorb(event({ at: T0 + h * HOUR + i, action: 'read' }), T0 + h * HOUR + i);
    }
    const at = T0 + (MAX_RATE_BUCKETS + 61) * HOUR;
    const live = { ...b.rate('read', at)! };
    const reloaded = Baseline.fromSnapshot(b.toSnapshot()).rate('read', at)!;
    expect(b.toSnapshot().rateBuckets.filter((r) => r.action === 'read')).toHaveLength(
      MAX_RATE_BUCKETS,
    );
    expect(reloaded.buckets).toBe(live.buckets);
    expect(reloaded.peak).toBe(live.peak);
    expect(reloaded.spanHours).toBe(live.spanHours);
    const tail = Math.pow(1 - EWMA_ALPHA, MAX_RATE_BUCKETS);
    expect(Math.abs(reloaded.mean - live.mean) / live.mean).toBeLessThan(tail * 10);
    expect(Math.abs(reloaded.variance - live.variance) / live.variance).toBeLessThan(tail * 50);
  });

  it('drops buckets older than the age limit', () => {
    const b = hourly([
      [0, 50],
      [MAX_RATE_AGE_HOURS + 5, 1],
    ]);
    const stats = b.rate('read', T0 + (MAX_RATE_AGE_HOURS + 6) * HOUR)!;
    expect(stats.peak).toBe(1);
    expect(stats.buckets).toBe(1);
  });
});
