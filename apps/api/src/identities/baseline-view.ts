import {
  BASELINE_DIMENSIONS,
  Baseline,
  DEFAULT_LEARNING,
  isReservedKey,
  LIFECYCLE_KINDS,
  type BaselineDimension,
  type BaselineSnapshot,
} from '@vigil/domain';

const TOP_VALUES = 25;
const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
const DAY_MS = 86_400_000;

export interface BaselineView {
  readonly identityId: string;
  readonly learning: boolean;
  readonly learningNeeds: { readonly minEvents: number; readonly minDays: number };
  readonly eventCount: number;
  readonly firstEventAt: string | null;
  readonly lastEventAt: string | null;
  /** Per dimension: how many distinct values, and the most used ones. */
  readonly dimensions: Record<
    BaselineDimension,
    {
      readonly distinct: number;
      readonly top: Array<{ value: string; count: number; firstSeen: string; lastSeen: string }>;
    }
  >;
  /** Events per hour of the week (UTC), by day. */
  readonly activeHours: Record<(typeof DAYS)[number], number[]>;
  /** Per action: the learned hourly rate at the last event. */
  readonly rates: Record<
    string,
    { meanPerHour: number; stdDevPerHour: number; peakPerHour: number }
  >;
  readonly lifecycle: Record<string, { last: string | null; intervalsDays: number[] }>;
}

/** An identity's baseline in a form a person can read. */
export function baselineView(snapshot: BaselineSnapshot): BaselineView {
  const baseline = Baseline.fromSnapshot(snapshot);
  const at = snapshot.lastEventAt;
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

  const dimensions = Object.fromEntries(
    BASELINE_DIMENSIONS.map((dimension) => {
      const values = snapshot.values
        // Keys the baseline keeps for itself (overflow counters and the like) are not values.
        .filter((v) => v.dimension === dimension && !isReservedKey(v.value))
        .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
      return [
        dimension,
        {
          distinct: values.length,
          top: values.slice(0, TOP_VALUES).map((v) => ({
            value: v.value,
            count: v.count,
            firstSeen: iso(v.firstSeen)!,
            lastSeen: iso(v.lastSeen)!,
          })),
        },
      ];
    }),
  ) as BaselineView['dimensions'];

  const activeHours = Object.fromEntries(
    DAYS.map((day, d) => [day, snapshot.hourOfWeek.slice(d * 24, d * 24 + 24)]),
  ) as BaselineView['activeHours'];

  const rates: BaselineView['rates'] = {};
  if (at !== null) {
    for (const action of new Set(snapshot.rateBuckets.map((b) => b.action))) {
      if (isReservedKey(action)) continue;
      const stats = baseline.rate(action, at);
      if (!stats) continue;
      rates[action] = {
        meanPerHour: round(stats.mean),
        stdDevPerHour: round(Math.sqrt(stats.variance)),
        peakPerHour: stats.peak,
      };
    }
  }

  const lifecycle = Object.fromEntries(
    LIFECYCLE_KINDS.map((kind) => [
      kind,
      {
        last: iso(baseline.lastMoment(kind)),
        intervalsDays: baseline.intervals(kind).map((ms) => round(ms / DAY_MS)),
      },
    ]),
  );

  return {
    identityId: snapshot.identityId,
    learning: baseline.isLearning(DEFAULT_LEARNING),
    learningNeeds: DEFAULT_LEARNING,
    eventCount: snapshot.eventCount,
    firstEventAt: iso(snapshot.firstEventAt),
    lastEventAt: iso(snapshot.lastEventAt),
    dimensions,
    activeHours,
    rates,
    lifecycle,
  };
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
