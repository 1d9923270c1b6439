/**
 * A seeded generator of realistic NHI telemetry: identities of every kind, each with its
 * own daily (and sometimes weekly) rhythm, activity level, vocabulary of actions, scopes,
 * resources, tools and record sets, sources, and scheduled rotations or renewals. The
 * same seed always gives the same stream.
 */
import type { Identity, IdentityPolicy, TelemetryEvent } from '../libs/contracts/src/telemetry';
import type { Criticality, IdentityKind } from '../libs/contracts/src/vocabulary';

const HOUR = 3_600_000;
const DAY = 86_400_000;
/** Monday 2026-10-05 00:00 UTC. */
export const STREAM_START = Date.UTC(2026, 9, 5);

export type Random = () => number;

/** Mulberry32. */
export function prng(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

function between(random: Random, lo: number, hi: number): number {
  return lo + Math.floor(random() * (hi - lo + 1));
}

/** A Poisson draw (Knuth for small means, a normal approximation above 30). */
function poisson(random: Random, mean: number): number {
  if (mean > 30) {
    const u = Math.max(random(), 1e-12);
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
    return Math.max(0, Math.round(mean + z * Math.sqrt(mean)));
  }
  const limit = Math.exp(-mean);
  let k = 0;
  let p = random();
  while (p > limit) {
    k++;
    p *= random();
  }
  return k;
}

const KIND_MIX: ReadonlyArray<readonly [IdentityKind, number]> = [
  ['service_account', 0.3],
  ['api_key', 0.2],
  ['workload', 0.18],
  ['oauth_app', 0.1],
  ['certificate', 0.1],
  ['ai_agent', 0.1],
  ['unclassified', 0.02],
];

const CRITICALITIES: readonly Criticality[] = ['low', 'medium', 'medium', 'high', 'critical'];
const VENDORS = ['Acme CRM', 'Globex Analytics', 'Initech HR', 'Umbrella Support'];
const SDKS = [
  'aws-sdk-go/1.44.%v (go1.21; linux; amd64)',
  'aws-sdk-java/2.20.%v Linux/5.10 OpenJDK_64-Bit_Server_VM/17.0.7',
  'Boto3/1.28.%v Python/3.11.4 Linux/5.15',
  'google-api-go-client/0.5 gl-go/1.21.%v',
  'okhttp/4.11.%v',
  'python-requests/2.31.%v',
];
const SERVICES = ['db', 's3', 'kv', 'queue', 'vault', 'api', 'dw', 'search'];
const TOOLS = [
  'kb.search',
  'ticket.read',
  'ticket.comment',
  'ticket.update',
  'email.draft',
  'calendar.read',
];
const RECORD_SETS = ['contacts', 'accounts', 'opportunities', 'leads', 'cases'];

interface Profile {
  readonly identity: Identity;
  readonly firstHour: number;
  readonly activeHours: number;
  readonly weekdaysOnly: boolean;
  readonly perHour: number;
  readonly actions: readonly string[];
  readonly eventTypes: readonly string[];
  readonly scopes: readonly string[];
  readonly resources: readonly string[];
  /** Share of calls that touch a brand-new object. */
  readonly churn: number;
  readonly ips: readonly string[];
  readonly hosts: readonly string[];
  readonly userAgent: string;
  readonly lifecycleEveryDays: number | null;
}

function policyFor(
  random: Random,
  scopes: readonly string[],
  tools: readonly string[],
): IdentityPolicy {
  const rotates = random() < 0.4;
  return {
    rotationPeriodDays: rotates ? pick(random, [7, 30, 90]) : null,
    rotationToleranceDays: rotates ? 2 : null,
    allowedScopes: random() < 0.3 ? scopes.map((s) => `${s.split(':')[0]}:*`) : [],
    allowedTools: tools,
    resourceSensitivity:
      random() < 0.5
        ? [
            { pattern: 'vault:*', sensitivity: 'critical' },
            { pattern: 'db:prod/*', sensitivity: 'high' },
          ]
        : [],
  };
}

function profileOf(random: Random, index: number): Profile {
  let r = random();
  let kind: IdentityKind = 'service_account';
  for (const [k, share] of KIND_MIX) {
    if (r < share) {
      kind = k;
      break;
    }
    r -= share;
  }
  const id = `${kind.replace('_', '-')}-${index}`;
  const service = pick(random, SERVICES);
  const scopes = Array.from(
    { length: between(random, 1, 4) },
    () => `${service}:${pick(random, ['read', 'write', 'list'])}`,
  );
  const resources = Array.from(
    { length: between(random, 2, 25) },
    (_, i) => `${service}:prod/${id}-${i}`,
  );
  const tools = kind === 'ai_agent' ? TOOLS.slice(0, between(random, 2, TOOLS.length)) : [];
  const around = random() < 0.35;
  const identity: Identity = {
    id,
    kind,
    owner: `owner-${index % 40}@example.com`,
    team: `team-${index % 12}`,
    vendor: kind === 'oauth_app' ? pick(random, VENDORS) : null,
    criticality: pick(random, CRITICALITIES),
    environment: kind === 'oauth_app' ? null : pick(random, ['prod', 'prod', 'staging']),
    policy: policyFor(random, scopes, tools),
    status: 'active',
  };
  const sdk = pick(random, SDKS);
  return {
    identity,
    firstHour: around ? 0 : between(random, 5, 10),
    activeHours: around ? 24 : between(random, 6, 12),
    weekdaysOnly: !around && random() < 0.4,
    // Activity spread log-uniformly over more than three decades, from one call every
    // five active hours to 400 an hour: as in real NHI telemetry, a minority of busy
    // workloads sends most events while most identities are quiet.
    perHour: 0.2 * Math.exp(random() * Math.log(2000)),
    actions:
      kind === 'ai_agent'
        ? ['invoke']
        : Array.from({ length: between(random, 1, 3) }, () =>
            pick(random, ['read', 'write', 'list', 'get', 'put']),
          ),
    eventTypes:
      kind === 'ai_agent'
        ? ['tool.invoked']
        : kind === 'oauth_app'
          ? ['record.accessed']
          : kind === 'certificate'
            ? ['token.used']
            : ['api.called', 'token.used', 'secret.accessed'],
    scopes,
    resources,
    churn: kind === 'workload' || kind === 'ai_agent' ? 0.5 : random() < 0.2 ? 0.02 : 0,
    ips: Array.from(
      { length: between(random, 1, 4) },
      () => `10.${between(random, 0, 255)}.${between(random, 0, 255)}.${between(random, 1, 254)}`,
    ),
    hosts: Array.from({ length: between(random, 1, 3) }, (_, i) => `${id}-host-${i}`),
    userAgent: sdk.replace('%v', String(between(random, 0, 40))),
    lifecycleEveryDays: identity.policy.rotationPeriodDays,
  };
}

function eventOf(random: Random, p: Profile, at: number, sequence: number): TelemetryEvent {
  const type = pick(random, p.eventTypes);
  const id = p.identity.id;
  let resource = pick(random, p.resources);
  if (p.churn > 0 && random() < p.churn) resource = `${resource}/${Math.floor(random() * 1e9)}`;
  const attributes: Record<string, unknown> = {};
  if (type === 'tool.invoked') attributes.tool = pick(random, p.identity.policy.allowedTools);
  if (type === 'record.accessed') {
    resource = `crm:${pick(random, RECORD_SETS.slice(0, 3))}/${Math.floor(random() * 1e6)}`;
    attributes.recordCount = between(random, 1, 50);
  }
  return {
    id: `evt-${sequence}`,
    time: new Date(at).toISOString(),
    identityId: id,
    type,
    action: pick(random, p.actions),
    resource,
    scope: type === 'record.accessed' || type === 'tool.invoked' ? null : pick(random, p.scopes),
    source: {
      ip: pick(random, p.ips),
      host: pick(random, p.hosts),
      userAgent: p.userAgent,
      environment: p.identity.environment ?? undefined,
    },
    outcome: 'allowed',
    attributes,
  };
}

export interface Stream {
  readonly identities: readonly Identity[];
  readonly events: readonly TelemetryEvent[];
}

export interface StreamOptions {
  readonly seed: number;
  readonly identities: number;
  readonly days: number;
  /** Stop once this many events exist (the stream is cut at a time boundary). */
  readonly maxEvents: number;
}

/** Events of all identities over `days`, in time order. */
export function generateStream(options: StreamOptions): Stream {
  const random = prng(options.seed);
  const profiles = Array.from({ length: options.identities }, (_, i) => profileOf(random, i));
  // Scale every identity's activity so the whole period fits the event budget: the stream
  // then spans all its days (baselines leave learning) instead of stopping early.
  let expected = 0;
  for (const p of profiles) {
    const days = p.weekdaysOnly ? (options.days * 5) / 7 : options.days;
    expected += p.perHour * p.activeHours * days;
  }
  const scale = Math.min(1, (options.maxEvents * 0.98) / expected);
  const timed: Array<{ at: number; profile: Profile; lifecycle: boolean }> = [];
  for (const p of profiles) {
    for (let d = 0; d < options.days; d++) {
      const dayStart = STREAM_START + d * DAY;
      const weekday = new Date(dayStart).getUTCDay();
      if (p.weekdaysOnly && (weekday === 0 || weekday === 6)) continue;
      for (let h = 0; h < p.activeHours; h++) {
        const hourStart = dayStart + ((p.firstHour + h) % 24) * HOUR;
        const n = poisson(random, p.perHour * scale);
        for (let i = 0; i < n; i++) {
          timed.push({ at: hourStart + Math.floor(random() * HOUR), profile: p, lifecycle: false });
        }
      }
      if (p.lifecycleEveryDays !== null && d % p.lifecycleEveryDays === 0) {
        timed.push({ at: dayStart + (p.firstHour + 1) * HOUR, profile: p, lifecycle: true });
      }
    }
  }
  timed.sort((a, b) => a.at - b.at);
  const cut = timed.slice(0, options.maxEvents);
  const events = cut.map(({ at, profile, lifecycle }, i) => {
    const e = eventOf(random, profile, at, i);
    if (!lifecycle) return e;
    const certificate = profile.identity.kind === 'certificate';
    return {
      ...e,
      type: certificate ? 'certificate.renewed' : 'credential.rotated',
      action: certificate ? 'renew' : 'rotate',
    };
  });
  return { identities: profiles.map((p) => p.identity), events };
}
