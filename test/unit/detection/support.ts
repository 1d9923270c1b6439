import type { Identity, IdentityPolicy, RaisedException, TelemetryEvent } from '@vigil/contracts';
import {
  Baseline,
  DEFAULT_DETECTION_SETTINGS,
  contextFor,
  processEvent,
  type DetectionContext,
  type DetectionSettings,
} from '@vigil/domain';

export const HOUR = 3_600_000;
export const DAY = 86_400_000;
/** Monday 2026-10-05 00:00 UTC. */
export const T0 = Date.UTC(2026, 9, 5);

/** Mulberry32: a tiny seeded PRNG, so generated streams are the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

export interface IdentityInput extends Partial<Omit<Identity, 'policy'>> {
  readonly policy?: Partial<IdentityPolicy>;
}

export function identity(input: IdentityInput = {}): Identity {
  const { policy, ...rest } = input;
  return {
    id: 'svc-payments',
    kind: 'service_account',
    owner: 'alice@example.com',
    team: 'payments',
    vendor: null,
    criticality: 'medium',
    environment: 'prod',
    status: 'active',
    ...rest,
    policy: {
      rotationPeriodDays: null,
      rotationToleranceDays: null,
      allowedScopes: [],
      allowedTools: [],
      resourceSensitivity: [],
      ...policy,
    },
  };
}

let sequence = 0;

export interface EventInput extends Partial<Omit<TelemetryEvent, 'time'>> {
  readonly at: number;
}

export function event(input: EventInput): TelemetryEvent {
  const { at, ...rest } = input;
  sequence++;
  return {
    id: `evt-${sequence}`,
    time: new Date(at).toISOString(),
    identityId: 'svc-payments',
    type: 'api.called',
    action: 'read',
    resource: null,
    scope: null,
    source: {},
    outcome: 'allowed',
    attributes: {},
    ...rest,
  };
}

export function absorbAll(baseline: Baseline, events: readonly TelemetryEvent[]): Baseline {
  for (const e of events) baseline.absorb(e, Date.parse(e.time));
  return baseline;
}

export function ctx(e: TelemetryEvent, id: Identity, baseline: Baseline): DetectionContext {
  return contextFor(e, id, baseline);
}

export function processAll(
  events: readonly TelemetryEvent[],
  identities: ReadonlyMap<string, Identity>,
  baselines: Map<string, Baseline>,
  settings: DetectionSettings = DEFAULT_DETECTION_SETTINGS,
): RaisedException[] {
  const raised: RaisedException[] = [];
  for (const e of events) {
    const id = identities.get(e.identityId);
    if (id === undefined) throw new Error(`no identity ${e.identityId}`);
    let baseline = baselines.get(e.identityId);
    if (baseline === undefined) baselines.set(e.identityId, (baseline = new Baseline(id.id)));
    raised.push(...processEvent(e, id, baseline, settings));
  }
  return raised;
}

export interface RhythmInput {
  readonly identityId: string;
  readonly seed: number;
  readonly days: number;
  /** First and last active hour of the day (UTC), inclusive. */
  readonly hours: readonly [number, number];
  readonly perHour: readonly [number, number];
  readonly make: (random: () => number, at: number) => Omit<EventInput, 'at'>;
  readonly weekdaysOnly?: boolean;
  readonly start?: number;
}

/** Events of one identity with a daily rhythm: a random count per active hour, sorted. */
export function rhythm(input: RhythmInput): TelemetryEvent[] {
  const random = prng(input.seed);
  const start = input.start ?? T0;
  const out: TelemetryEvent[] = [];
  for (let d = 0; d < input.days; d++) {
    const dayStart = start + d * DAY;
    const weekday = new Date(dayStart).getUTCDay();
    if (input.weekdaysOnly === true && (weekday === 0 || weekday === 6)) continue;
    for (let h = input.hours[0]; h <= input.hours[1]; h++) {
      const [lo, hi] = input.perHour;
      const n = lo + Math.floor(random() * (hi - lo + 1));
      const times: number[] = [];
      for (let i = 0; i < n; i++) times.push(dayStart + h * HOUR + Math.floor(random() * HOUR));
      times.sort((a, b) => a - b);
      for (const at of times) {
        out.push(event({ identityId: input.identityId, ...input.make(random, at), at }));
      }
    }
  }
  return out;
}

export function byTime(events: TelemetryEvent[]): TelemetryEvent[] {
  return events.sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
}

export interface HistoryInput {
  readonly identityId?: string;
  readonly days?: number;
  readonly hours?: readonly [number, number];
  readonly perHour?: readonly [number, number];
  readonly seed?: number;
  readonly make?: (random: () => number, at: number) => Omit<EventInput, 'at'>;
}

/** A baseline that has learned a routine: by default two weeks of office-hours calls. */
export function learned(input: HistoryInput = {}): Baseline {
  const identityId = input.identityId ?? 'svc-payments';
  const events = rhythm({
    identityId,
    seed: input.seed ?? 1,
    days: input.days ?? 14,
    hours: input.hours ?? [8, 18],
    perHour: input.perHour ?? [5, 15],
    make:
      input.make ??
      ((r) => ({
        type: 'api.called',
        action: pick(r, ['read', 'write']),
        scope: pick(r, ['db:read', 'db:write']),
        resource: pick(r, ['db:orders', 'db:refunds', 'db:ledger']),
        source: {
          ip: pick(r, ['10.0.0.4', '10.0.0.5']),
          host: 'pay-1',
          userAgent: 'aws-sdk-go/1.44.0',
          environment: 'prod',
        },
      })),
  });
  return absorbAll(new Baseline(identityId), events);
}

/** The end of learned()'s default history: Monday of the third week, 00:00 UTC. */
export const AFTER_HISTORY = T0 + 14 * DAY;
