import type { TelemetryEvent } from '@vigil/contracts';
import {
  BASELINE_DIMENSIONS,
  Baseline,
  DEFAULT_LEARNING,
  DISTINCT_IP_KEY,
  HOURS_PER_WEEK,
  MAX_LIFECYCLE_MOMENTS,
  MAX_VALUE_LENGTH,
  MAX_VALUES_PER_DIMENSION,
  OVERFLOW_VALUE,
  RATE_BUCKET_MS,
  RECORD_VOLUME_KEY,
  applyDelta,
  clampValue,
  emptySnapshot,
  hourOfWeekOf,
  isBrowserUserAgent,
  normaliseUserAgent,
  recordSetOf,
  storableValue,
  viewOf,
  type BaselineDelta,
  type BaselineSnapshot,
} from '@vigil/domain';
import { DAY, HOUR, T0, absorbAll, event, pick, prng, rhythm } from './support';

function timeOf(e: TelemetryEvent): number {
  return Date.parse(e.time);
}

describe('what an event contributes', () => {
  const b = absorbAll(new Baseline('svc-payments'), [
    event({
      at: T0,
      type: 'tool.invoked',
      action: 'invoke',
      resource: 'kb:articles',
      scope: 'kb:read',
      attributes: { tool: 'kb.search' },
      source: {
        ip: '10.0.0.4',
        userAgent: 'Agent-SDK/1.2.3 (linux)',
        host: 'agents-1',
        environment: 'prod',
      },
    }),
  ]);

  it.each([
    ['event_type', 'tool.invoked'],
    ['action', 'invoke'],
    ['scope', 'kb:read'],
    ['tool', 'kb.search'],
    ['resource', 'kb:articles'],
    ['source_ip', '10.0.0.4'],
    ['user_agent', 'agent-sdk/ (linux)'],
    ['host', 'agents-1'],
    ['environment', 'prod'],
  ] as const)('%s = %s', (dimension, value) => {
    expect(b.seen(dimension, value)).toMatchObject({ count: 1, firstSeen: T0, lastSeen: T0 });
    expect(b.distinct(dimension)).toBe(1);
    expect([...b.values(dimension)]).toEqual([value]);
  });

  it('has no record set for events that read none', () => {
    expect(b.distinct('record_set')).toBe(0);
  });

  it('counts the event, its time, its hour of the week and its action rate', () => {
    expect(b.eventCount).toBe(1);
    expect(b.firstEventAt).toBe(T0);
    expect(b.lastEventAt).toBe(T0);
    expect(b.hourOfWeek(0)).toBe(1);
    expect(b.hourOfWeekTotal).toBe(1);
    expect(b.rate('invoke', T0)?.current).toBe(1);
  });

  it('names the tool by its resource when attributes carry none', () => {
    const v = viewOf(
      event({ at: T0, type: 'tool.invoked', resource: 'payments.refund', attributes: {} }),
      T0,
    );
    expect(v.tool).toBe('payments.refund');
    expect(viewOf(event({ at: T0, type: 'api.called', resource: 'x' }), T0).tool).toBeNull();
  });

  it('falls back to the event type for the rate key when there is no action', () => {
    expect(viewOf(event({ at: T0, type: 'token.used', action: null }), T0).rateKey).toBe(
      'token.used',
    );
  });
});

describe('record sets', () => {
  const read = (resource: string | null, attributes: Record<string, unknown> = {}) =>
    recordSetOf(event({ at: T0, type: 'record.accessed', resource, attributes }));

  it.each([
    ['crm:contacts/8812', 'crm:contacts'],
    ['salesforce:Account:001xx', 'salesforce:Account'],
    ['hr/payroll/2026/11', 'hr/payroll/2026'],
    ['contacts', 'contacts'],
  ])('%s → %s', (resource, set) => {
    expect(read(resource)).toBe(set);
  });

  it('prefers attributes.recordType, then attributes.object', () => {
    expect(read('crm:contacts/1', { recordType: 'Lead', object: 'Contact' })).toBe('Lead');
    expect(read('crm:contacts/1', { object: 'Contact' })).toBe('Contact');
    expect(read(null)).toBeNull();
  });

  it('sums attributes.recordCount into the record volume, 1 when absent', () => {
    const b = absorbAll(new Baseline('app'), [
      event({
        at: T0,
        type: 'record.accessed',
        resource: 'crm:a/1',
        attributes: { recordCount: 40 },
      }),
      event({ at: T0 + 1, type: 'record.accessed', resource: 'crm:a/2' }),
    ]);
    expect(b.recordVolumeCountInHour(T0 / RATE_BUCKET_MS)).toBe(41);
    expect(b.rate(RECORD_VOLUME_KEY, T0)?.current).toBe(41);
    expect(b.seen('record_set', 'crm:a')?.count).toBe(2);
  });
});

describe('user agents', () => {
  it('normalise away case and version numbers, so an SDK upgrade is not new', () => {
    expect(normaliseUserAgent('aws-sdk-go/1.44.12 (go1.20; linux; amd64)')).toBe(
      normaliseUserAgent('AWS-SDK-Go/1.45.0 (go1.21; linux; amd64)'),
    );
  });

  it.each([
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36',
      true,
    ],
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 Version/17.1 Safari/605.1.15',
      true,
    ],
    ['Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0', true],
    ['Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/120.0 Safari/537.36 Edg/120.0', true],
    [
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/120.0 Safari/537.36',
      false,
    ],
    ['Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', false],
    ['aws-sdk-go/1.44.12 (go1.20; linux; amd64)', false],
    ['python-requests/2.31.0', false],
    ['curl/8.4.0', false],
    ['Mozilla/5.0 Chrome/120.0 aws-sdk-js/3.400.0', false],
  ])('%s → browser %s', (ua, browser) => {
    expect(isBrowserUserAgent(ua)).toBe(browser);
  });
});

describe('values', () => {
  it('are trimmed; empty and whitespace-only values are absent', () => {
    expect(clampValue('  read ')).toBe('read');
    expect(clampValue('')).toBeNull();
    expect(clampValue('   ')).toBeNull();
    expect(clampValue(42)).toBeNull();
  });

  it('longer than the limit keep a prefix and a hash, and stay distinct', () => {
    const a = clampValue(`${'x'.repeat(1000)}a`)!;
    const b = clampValue(`${'x'.repeat(1000)}b`)!;
    expect(a.length).toBeLessThanOrEqual(MAX_VALUE_LENGTH);
    expect(a).not.toBe(b);
    expect(clampValue(`${'x'.repeat(1000)}a`)).toBe(a);
  });

  it('are made storable (no NUL, no unpaired surrogate) without merging distinct ones', () => {
    const nul = storableValue('a\u0000b');
    const lone = storableValue('a\ud800b');
    expect(nul.includes('\u0000')).toBe(false);
    expect(lone).not.toMatch(/[\ud800-\udfff]/);
    expect(nul).not.toBe(storableValue('a\u0000c'));
    expect(storableValue('emoji 😀 ok')).toBe('emoji 😀 ok');
    expect(storableValue(nul)).toBe(nul);
  });

  it('keep an unstorable value under its storable form, found again from the raw form', () => {
    const b = absorbAll(new Baseline('x'), [
      event({ at: T0, resource: 'db:a\u0000b' }),
      event({ at: T0 + 1, resource: 'db:a\u0000b' }),
    ]);
    expect([...b.values('resource')]).toEqual([storableValue('db:a\u0000b')]);
    expect(b.seen('resource', 'db:a\u0000b')?.count).toBe(2);
  });
});

describe('bounds', () => {
  it('saturate a dimension past its cap and count every later occurrence as overflow', () => {
    const events = Array.from({ length: MAX_VALUES_PER_DIMENSION + 10 }, (_, i) =>
      event({ at: T0 + i, resource: `s3:bucket/object-${i}` }),
    );
    events.push(event({ at: T0 + 999_999, resource: 's3:bucket/object-0' }));
    const b = absorbAll(new Baseline('wl'), events);
    expect(b.distinct('resource')).toBe(MAX_VALUES_PER_DIMENSION);
    expect(b.isSaturated('resource')).toBe(true);
    expect(b.overflow('resource')).toBe(11);
    expect(b.observations('resource')).toBe(events.length);
    expect(b.missingMass('resource')).toBe(1);
    expect(b.seen('resource', 'object-999')).toBeUndefined();
    expect(b.isSaturated('scope')).toBe(false);
  });

  it('keep the last lifecycle moments only', () => {
    const b = absorbAll(
      new Baseline('key'),
      Array.from({ length: MAX_LIFECYCLE_MOMENTS + 5 }, (_, i) =>
        event({ at: T0 + i * DAY, type: 'credential.rotated' }),
      ),
    );
    expect(b.lifecycleMoments('rotation')).toHaveLength(MAX_LIFECYCLE_MOMENTS);
    expect(b.lastMoment('rotation')).toBe(T0 + (MAX_LIFECYCLE_MOMENTS + 4) * DAY);
  });
});

describe('lifecycle history', () => {
  const b = absorbAll(new Baseline('cert'), [
    event({ at: T0, type: 'certificate.renewed' }),
    event({ at: T0 + 30 * DAY, type: 'certificate.renewed' }),
    event({ at: T0 + 61 * DAY, type: 'certificate.renewed' }),
    event({ at: T0 + 5 * DAY, type: 'credential.rotated' }),
  ]);

  it('separates rotations from renewals, and keeps them in time order', () => {
    expect(b.lastMoment('renewal')).toBe(T0 + 61 * DAY);
    expect(b.lastMoment('rotation')).toBe(T0 + 5 * DAY);
    expect(b.intervals('renewal')).toEqual([30 * DAY, 31 * DAY]);
    expect(b.typicalInterval('renewal')).toBe(30.5 * DAY);
  });

  it('has no typical interval before two intervals are known', () => {
    expect(b.typicalInterval('rotation')).toBeNull();
  });
});

describe('learning', () => {
  const settings = { minEvents: 10, minDays: 2 };
  const at = (n: number, spanDays: number) =>
    Array.from({ length: n }, (_, i) =>
      event({ at: T0 + (i / Math.max(1, n - 1)) * spanDays * DAY }),
    );

  it.each([
    [0, 0, true],
    [9, 5, true],
    [10, 1.99, true],
    [10, 2, false],
    [500, 3, false],
  ])('%i events over %f days → learning %s', (n, days, learning) => {
    expect(absorbAll(new Baseline('x'), at(n, days)).isLearning(settings)).toBe(learning);
  });

  it('defaults to 200 events over 3 days', () => {
    expect(DEFAULT_LEARNING).toEqual({ minEvents: 200, minDays: 3 });
  });
});

describe('hour of the week', () => {
  it('counts Monday 00:00 UTC as slot 0 and Sunday 23:00 as the last', () => {
    expect(hourOfWeekOf(T0 / HOUR)).toBe(0);
    expect(hourOfWeekOf(T0 / HOUR - 1)).toBe(HOURS_PER_WEEK - 1);
    expect(hourOfWeekOf(T0 / HOUR + 24 * 5 + 3)).toBe(123);
    expect(hourOfWeekOf(-1)).toBe(hourOfWeekOf(HOURS_PER_WEEK - 1));
  });
});

describe('novelty statistics', () => {
  it('estimate the missing mass from values seen once (Good–Turing)', () => {
    const events = [
      ...Array.from({ length: 8 }, (_, i) => event({ at: T0 + i, resource: 'a' })),
      event({ at: T0 + 10, resource: 'b' }),
      event({ at: T0 + 11, resource: 'c' }),
    ];
    const b = absorbAll(new Baseline('x'), events);
    expect(b.missingMass('resource')).toBeCloseTo(2 / 10);
    expect(new Baseline('y').missingMass('resource')).toBeNaN();
  });

  it('measure new values per day over the last two weeks, leaving out the first day', () => {
    const events = [
      event({ at: T0, resource: 'first-day' }),
      ...Array.from({ length: 10 }, (_, d) =>
        event({ at: T0 + (d + 2) * DAY, resource: `day-${d}` }),
      ),
    ];
    const b = absorbAll(new Baseline('x'), events);
    const now = T0 + 12 * DAY;
    expect(b.newValuesPerDay('resource', now)).toBeCloseTo(10 / 11);
    expect(b.newValuesPerDay('resource', T0 + DAY / 2)).toBe(0);
  });
});

describe('the distinct-address series', () => {
  it('counts each source IP once per hour it is active in', () => {
    const b = absorbAll(new Baseline('x'), [
      event({ at: T0, source: { ip: '10.0.0.1' } }),
      event({ at: T0 + 1000, source: { ip: '10.0.0.1' } }),
      event({ at: T0 + 2000, source: { ip: '10.0.0.2' } }),
      event({ at: T0 + HOUR, source: { ip: '10.0.0.1' } }),
    ]);
    expect(b.distinctCountInHour('source_ip', T0 / HOUR)).toBe(2);
    expect(b.distinctCountInHour('source_ip', T0 / HOUR + 1)).toBe(1);
    expect(b.rate(DISTINCT_IP_KEY, T0)?.current).toBe(2);
  });
});

/** A stream touching every part of the baseline, in time order, from a fixed seed. */
function mixedStream(seed: number, days: number): TelemetryEvent[] {
  const random = prng(seed);
  const events = rhythm({
    identityId: 'svc-mixed',
    seed,
    days,
    hours: [6, 20],
    perHour: [0, 12],
    make: (r) => ({
      type: pick(r, ['api.called', 'record.accessed', 'tool.invoked', 'secret.accessed']),
      action: pick(r, ['read', 'write', null]),
      resource: `crm:${pick(r, ['contacts', 'accounts', 'leads'])}/${Math.floor(r() * 40)}`,
      scope: pick(r, ['crm:read', 'crm:write', null]),
      attributes: {
        tool: pick(r, ['kb.search', 'ticket.read']),
        recordCount: Math.floor(r() * 30),
      },
      source: {
        ip: `10.0.0.${Math.floor(r() * 6)}`,
        host: pick(r, ['h1', 'h2']),
        userAgent: `sdk/${Math.floor(r() * 3)}.0`,
        environment: pick(r, ['prod', 'prod', 'staging']),
      },
    }),
  });
  for (let d = 0; d < days; d += 3 + Math.floor(random() * 3)) {
    events.push(
      event({ identityId: 'svc-mixed', type: 'credential.rotated', at: T0 + d * DAY + 7 * HOUR }),
    );
  }
  return events.sort((a, b) => timeOf(a) - timeOf(b));
}

/** Every read a detector makes, at a given time, for comparing two baselines. */
function reads(b: Baseline, at: number): unknown {
  const hour = Math.floor(at / RATE_BUCKET_MS);
  return {
    eventCount: b.eventCount,
    firstEventAt: b.firstEventAt,
    lastEventAt: b.lastEventAt,
    learning: b.isLearning(),
    dimensions: BASELINE_DIMENSIONS.map((d) => ({
      distinct: b.distinct(d),
      observations: b.observations(d),
      overflow: b.overflow(d),
      missingMass: b.missingMass(d),
      newPerDay: b.newValuesPerDay(d, at),
      values: [...b.values(d)].sort().map((v) => {
        const { count, firstSeen, lastSeen } = b.seen(d, v)!;
        return [v, count, firstSeen, lastSeen];
      }),
    })),
    rates: [...b.rateKeys()].sort().map((key) => {
      const s = b.rateInHour(key, hour)!;
      return [key, s.current, s.mean, s.variance, s.peak, s.buckets, s.spanHours];
    }),
    hours: Array.from({ length: HOURS_PER_WEEK }, (_, i) => b.hourOfWeek(i)),
    rotation: b.lifecycleMoments('rotation'),
    renewal: b.lifecycleMoments('renewal'),
  };
}

describe('deltas and snapshots', () => {
  const events = mixedStream(7, 6);
  const end = timeOf(events[events.length - 1]) + HOUR;

  it('take nothing when nothing changed', () => {
    const b = new Baseline('svc-mixed');
    expect(b.takeDelta()).toBeNull();
    absorbAll(b, events.slice(0, 5));
    expect(b.takeDelta()).not.toBeNull();
    expect(b.takeDelta()).toBeNull();
  });

  it('applied to an empty snapshot, rebuild a baseline that reads the same', () => {
    const live = new Baseline('svc-mixed');
    let stored: BaselineSnapshot = emptySnapshot('svc-mixed');
    for (let i = 0; i < events.length; i += 97) {
      absorbAll(live, events.slice(i, i + 97));
      stored = applyDelta(stored, live.takeDelta()!);
    }
    expect(reads(Baseline.fromSnapshot(stored), end)).toEqual(reads(live, end));
    expect(reads(Baseline.fromSnapshot(live.toSnapshot()), end)).toEqual(reads(live, end));
  });

  it('count what was added since the last one', () => {
    const b = new Baseline('svc-mixed');
    absorbAll(b, events.slice(0, 10));
    b.takeDelta();
    absorbAll(b, events.slice(10, 13));
    const delta = b.takeDelta()!;
    expect(delta.eventCount).toBe(3);
    expect(
      delta.values.filter((v) => v.dimension === 'event_type').reduce((n, v) => n + v.count, 0),
    ).toBe(3);
    expect(delta.hourOfWeek.reduce((n, [, c]) => n + c, 0)).toBe(3);
  });

  it('commute: deltas applied in any order give the same snapshot', () => {
    // Two ingesters, each absorbing half of the stream into its own copy of the baseline.
    const a = new Baseline('svc-mixed');
    const b = new Baseline('svc-mixed');
    events.forEach((e, i) => (i % 2 === 0 ? a : b).absorb(e, timeOf(e)));
    const deltas: BaselineDelta[] = [a.takeDelta()!, b.takeDelta()!];
    const start = emptySnapshot('svc-mixed');
    const ab = applyDelta(applyDelta(start, deltas[0]), deltas[1]);
    const ba = applyDelta(applyDelta(start, deltas[1]), deltas[0]);
    expect(ab).toEqual(ba);
    const single = new Baseline('svc-mixed');
    absorbAll(single, events);
    const whole = applyDelta(start, single.takeDelta()!);
    expect(ab.eventCount).toBe(whole.eventCount);
    expect(ab.hourOfWeek).toEqual(whole.hourOfWeek);
    expect(ab.lifecycle).toEqual(whole.lifecycle);
  });

  it('commute for three deltas in every order', () => {
    const parts = [0, 1, 2].map(() => new Baseline('svc-mixed'));
    events.forEach((e, i) => parts[i % 3].absorb(e, timeOf(e)));
    const [d1, d2, d3] = parts.map((p) => p.takeDelta()!);
    const start = emptySnapshot('svc-mixed');
    const orders = [
      [d1, d2, d3],
      [d1, d3, d2],
      [d2, d1, d3],
      [d2, d3, d1],
      [d3, d1, d2],
      [d3, d2, d1],
    ];
    const results = orders.map((o) => o.reduce(applyDelta, start));
    for (const r of results) expect(r).toEqual(results[0]);
  });

  it('refuse to apply to another identity', () => {
    const b = absorbAll(new Baseline('a'), [event({ at: T0 })]);
    expect(() => applyDelta(emptySnapshot('b'), b.takeDelta()!)).toThrow(/cannot apply/);
  });

  it('carry overflow as an ordinary row, so a reloaded baseline is saturated too', () => {
    const live = absorbAll(
      new Baseline('wl'),
      Array.from({ length: MAX_VALUES_PER_DIMENSION + 3 }, (_, i) =>
        event({ at: T0 + i, resource: `o-${i}` }),
      ),
    );
    const stored = applyDelta(emptySnapshot('wl'), live.takeDelta()!);
    expect(stored.values.find((v) => v.value === OVERFLOW_VALUE)?.count).toBe(3);
    const reloaded = Baseline.fromSnapshot(stored);
    expect(reloaded.isSaturated('resource')).toBe(true);
    expect(reloaded.overflow('resource')).toBe(3);
  });

  it('load more values than the cap by keeping the earliest first seen', () => {
    const snapshot: BaselineSnapshot = {
      ...emptySnapshot('x'),
      values: Array.from({ length: MAX_VALUES_PER_DIMENSION + 2 }, (_, i) => ({
        dimension: 'resource' as const,
        value: `r-${i}`,
        count: 2,
        firstSeen: T0 + (MAX_VALUES_PER_DIMENSION + 2 - i) * 1000,
        lastSeen: T0 + 10_000_000,
      })),
    };
    const b = Baseline.fromSnapshot(snapshot);
    expect(b.distinct('resource')).toBe(MAX_VALUES_PER_DIMENSION);
    expect(b.seen('resource', 'r-0')).toBeUndefined();
    expect(b.seen('resource', `r-${MAX_VALUES_PER_DIMENSION + 1}`)?.count).toBe(2);
    expect(b.overflow('resource')).toBe(4);
  });
});
