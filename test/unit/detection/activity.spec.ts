import type { Deviation, Identity, TelemetryEvent } from '@vigil/contracts';
import {
  Baseline,
  CREDENTIAL_REUSE_RULE,
  DEFAULT_THRESHOLDS,
  RATE_SPIKE_RULE,
  credentialReuse,
  offHours,
  poissonLog10Cdf,
  rateSpike,
  type Detector,
} from '@vigil/domain';
import {
  AFTER_HISTORY,
  DAY,
  HOUR,
  T0,
  absorbAll,
  ctx,
  event,
  identity,
  learned,
  prng,
} from './support';

/** Feeds events one by one as ingest does (detect, then absorb); returns what fired. */
function feed(
  detector: Detector,
  baseline: Baseline,
  events: readonly TelemetryEvent[],
  id: Identity = identity(),
): Array<{ index: number; deviation: Deviation }> {
  const fired: Array<{ index: number; deviation: Deviation }> = [];
  events.forEach((e, index) => {
    const deviation = detector(ctx(e, id, baseline));
    if (deviation !== null) fired.push({ index, deviation });
    baseline.absorb(e, Date.parse(e.time));
  });
  return fired;
}

function burst(n: number, at: number, input: Partial<TelemetryEvent> = {}): TelemetryEvent[] {
  return Array.from({ length: n }, (_, i) =>
    event({ at: at + Math.floor((i * HOUR) / (n + 1)), action: 'read', ...input }),
  );
}

describe('rate_spike', () => {
  const monday10 = AFTER_HISTORY + 10 * HOUR;

  it('fires when the hour crosses its burst threshold, and again only when it doubles', () => {
    const b = learned();
    const fired = feed(rateSpike, b, burst(200, monday10));
    expect(fired.length).toBeGreaterThanOrEqual(2);
    const [first, second] = fired;
    const threshold = first.deviation.evidence.threshold as number;
    expect(first.index + 1).toBe(threshold);
    expect(second.index + 1).toBe(2 * threshold);
    expect(threshold).toBeGreaterThanOrEqual(RATE_SPIKE_RULE.minCount);
    expect(first.deviation.score).toBeCloseTo(0.5, 2);
    expect(second.deviation.score).toBeCloseTo(0.75, 2);
    expect(first.deviation.evidence).toMatchObject({ action: 'read', count: threshold });
    expect(first.deviation.evidence.zScore as number).toBeGreaterThanOrEqual(RATE_SPIKE_RULE.zMin);
    expect(first.deviation.value).toBe('read');
  });

  it('does not fire on a normal hour', () => {
    expect(feed(rateSpike, learned(), burst(12, monday10))).toEqual([]);
  });

  it('needs a minimum count, however quiet the identity usually is', () => {
    const quiet = learned({ perHour: [0, 1] });
    expect(feed(rateSpike, quiet, burst(RATE_SPIKE_RULE.minCount - 1, monday10))).toEqual([]);
    expect(
      feed(rateSpike, learned({ perHour: [0, 1] }), burst(RATE_SPIKE_RULE.minCount, monday10)),
    ).toHaveLength(1);
  });

  it('needs enough history', () => {
    const young = learned({ days: 1 });
    expect(feed(rateSpike, young, burst(200, T0 + DAY + 10 * HOUR))).toEqual([]);
  });

  it('does not fire on Monday morning after a quiet weekend', () => {
    const weekdays = learned({ days: 12, perHour: [20, 40], hours: [9, 17] });
    // Days 5 and 6 of each week are idle: rebuild the same rhythm without weekends.
    const b = new Baseline('svc-payments');
    const events: TelemetryEvent[] = [];
    const random = prng(3);
    for (let d = 0; d < 14; d++) {
      if (d % 7 >= 5) continue;
      for (let h = 9; h <= 17; h++)
        events.push(...burst(20 + Math.floor(random() * 20), T0 + d * DAY + h * HOUR));
    }
    absorbAll(b, events);
    expect(weekdays.eventCount).toBeGreaterThan(0);
    expect(feed(rateSpike, b, burst(40, AFTER_HISTORY + 9 * HOUR))).toEqual([]);
  });
});

describe('off_hours', () => {
  const b = learned();

  it('fires for activity at 03:00 from an office-hours identity', () => {
    const d = offHours(ctx(event({ at: AFTER_HISTORY + 3 * HOUR }), identity(), b))!;
    expect(d.kind).toBe('off_hours');
    expect(d.value).toBe('mon');
    expect(d.score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLDS.off_hours);
    expect(d.evidence).toMatchObject({ slot: 'mon 03:00 UTC', windowCount: 0 });
    expect(d.owasp).toBe('NHI2');
  });

  it('tolerates an hour of jitter around the usual hours', () => {
    expect(
      offHours(ctx(event({ at: AFTER_HISTORY + 7 * HOUR + 50 * 60_000 }), identity(), b)),
    ).toBeNull();
    expect(
      offHours(ctx(event({ at: AFTER_HISTORY + 19 * HOUR + 10 * 60_000 }), identity(), b)),
    ).toBeNull();
    expect(offHours(ctx(event({ at: AFTER_HISTORY + 12 * HOUR }), identity(), b))).toBeNull();
  });

  it('needs a week of history', () => {
    const young = learned({ days: 6 });
    expect(offHours(ctx(event({ at: T0 + 6 * DAY + 3 * HOUR }), identity(), young))).toBeNull();
  });

  it('stays silent for an identity too sparse to have a rhythm', () => {
    const random = prng(9);
    const sparse = absorbAll(
      new Baseline('svc-payments'),
      Array.from({ length: 60 }, () => event({ at: T0 + Math.floor(random() * 20 * DAY) })).sort(
        (x, y) => Date.parse(x.time) - Date.parse(y.time),
      ),
    );
    for (let h = 0; h < 24; h++) {
      expect(offHours(ctx(event({ at: T0 + 21 * DAY + h * HOUR }), identity(), sparse))).toBeNull();
    }
  });

  it('does not call the quiet hours of a bursty batch job off-hours', () => {
    const events: TelemetryEvent[] = [];
    for (let d = 0; d < 14; d++) {
      events.push(...burst(500, T0 + d * DAY + 2 * HOUR));
      events.push(...burst(2, T0 + d * DAY + 10 * HOUR));
    }
    const batch = absorbAll(new Baseline('svc-payments'), events);
    expect(offHours(ctx(event({ at: AFTER_HISTORY + 20 * HOUR }), identity(), batch))).toBeNull();
  });

  it('computes the Poisson tail in log space', () => {
    expect(poissonLog10Cdf(0, 1)).toBeCloseTo(Math.log10(Math.exp(-1)), 10);
    expect(poissonLog10Cdf(2, 3)).toBeCloseTo(Math.log10(Math.exp(-3) * (1 + 3 + 4.5)), 10);
    expect(poissonLog10Cdf(0, 5000)).toBeCloseTo(-5000 / Math.LN10, 6);
  });
});

describe('credential_reuse', () => {
  const monday10 = AFTER_HISTORY + 10 * HOUR;
  const fromIps = (ips: string[]) =>
    ips.map((ip, i) => event({ at: monday10 + i * 60_000, source: { ip, host: 'pay-1' } }));

  it('fires when an hour sees far more distinct source IPs than usual', () => {
    const ips = Array.from({ length: 20 }, (_, i) => `203.0.113.${i + 1}`);
    const fired = feed(credentialReuse, learned(), fromIps(ips));
    expect(fired.length).toBeGreaterThanOrEqual(1);
    const d = fired[0].deviation;
    expect(d.kind).toBe('credential_reuse');
    expect(d.value).toBe('source_ip');
    expect(d.evidence.distinctThisHour).toBeGreaterThanOrEqual(CREDENTIAL_REUSE_RULE.minCount);
    expect(d.owasp).toBe('NHI9');
  });

  it('counts an address once per hour', () => {
    const same = Array.from({ length: 30 }, () => '203.0.113.9');
    expect(feed(credentialReuse, learned(), fromIps(same))).toEqual([]);
  });

  it('does not fire for the usual addresses', () => {
    expect(feed(credentialReuse, learned(), fromIps(['10.0.0.4', '10.0.0.5', '10.0.0.4']))).toEqual(
      [],
    );
  });

  it('is off for a fleet too large to track', () => {
    const fleet = absorbAll(
      new Baseline('svc-payments'),
      Array.from({ length: 400 }, (_, i) =>
        event({ at: T0 + i * 60_000, source: { ip: `10.9.${i >> 8}.${i & 255}` } }),
      ),
    );
    expect(fleet.isSaturated('source_ip')).toBe(true);
    expect(feed(credentialReuse, fleet, fromIps(['203.0.113.1', '203.0.113.2']))).toEqual([]);
  });
});
