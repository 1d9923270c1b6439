/**
 * Labelled anomalies for the quality benchmark, injected into a routine stream from
 * bench/generator.ts: one anomaly per target identity, of each worked-example type, each
 * after its identity has left the learning period (so the test is of the learned
 * baseline, not of the cold-start rule). Every injected event copies what the identity
 * routinely sends (its sources, scopes, resources, active hours) and changes only what
 * the anomaly is about, so a detector can only find it by that change. Seeded and
 * deterministic: the same stream and seed give the same anomalies.
 */
import type { Identity, TelemetryEvent } from '../libs/contracts/src/telemetry';
import type { ExceptionKind, IdentityKind } from '../libs/contracts/src/vocabulary';
import { DEFAULT_LEARNING, type LearningSettings } from '../libs/domain/src/baseline/baseline';
import { prng, type Random, type Stream } from './generator';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

export const ANOMALY_TYPES = [
  'novel_sensitive_scope',
  'agent_tool_outside_policy',
  'oauth_new_record_set',
  'certificate_renewal_outside_window',
  'rotation_overdue',
  'rate_spike',
  'human_use',
] as const;
export type AnomalyType = (typeof ANOMALY_TYPES)[number];

export interface AnomalyLabel {
  readonly anomalyId: string;
  readonly type: AnomalyType;
  readonly identityId: string;
  readonly identityKind: IdentityKind;
  /** The injected events: a case explains this anomaly if it was raised on one of them. */
  readonly eventIds: readonly string[];
  /**
   * Routine events that are part of the anomaly's own window, so a case raised on them is
   * the anomaly's detection: the identity's other calls in a burst hour (the burst is the
   * hour's count, and whichever call crosses the threshold raises), and every use of an
   * overdue credential after it became due (the detector reports the first use of each day).
   */
  readonly contextEventIds: readonly string[];
  /** The exception kind context events can explain (null when there are none). */
  readonly contextKind: ExceptionKind | null;
  /** Routine events removed to make the anomaly (a rotation that never happened). */
  readonly suppressedEventIds: readonly string[];
  readonly note: string;
}

export interface InjectOptions {
  readonly seed: number;
  /** Anomalies per type, at most (fewer when the stream has fewer fitting identities). */
  readonly perType: number;
  readonly learning?: LearningSettings;
}

export interface Injected {
  /** The stream's identities, with the policy declarations the anomalies rely on. */
  readonly identities: readonly Identity[];
  /** Routine and injected events, in time order. */
  readonly events: readonly TelemetryEvent[];
  readonly anomalies: readonly AnomalyLabel[];
}

interface Timed {
  readonly event: TelemetryEvent;
  readonly ms: number;
}

interface Target {
  identity: Identity;
  readonly events: Timed[];
  /** Time of the first event the engine sees with the baseline out of learning. */
  readonly learnedAt: number | null;
}

const BROWSER_USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0',
];
const VAULT_SECRETS = [
  'payments/db-root',
  'billing/signing-key',
  'identity/admin-token',
  'hr/payroll-db',
  'ci/deploy-key',
];
const FORBIDDEN_TOOLS = ['payments.refund', 'shell.exec', 'user.delete', 'email.send', 'db.export'];
const FOREIGN_RECORD_SETS = [
  'crm:leads',
  'crm:cases',
  'hr:employees',
  'finance:invoices',
  'crm:payment_methods',
];
const LIFECYCLE_TYPES = new Set(['credential.rotated', 'certificate.renewed']);

function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

function shuffled<T>(random: Random, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * When the engine first treats the identity as learned: the baseline is learning until it
 * has absorbed `minEvents` events whose first and latest are `minDays` apart (Baseline's
 * isLearning), so replay that rule over the identity's own events.
 */
function learnedAt(events: readonly Timed[], learning: LearningSettings): number | null {
  if (events.length === 0) return null;
  const first = events[0].ms;
  for (let k = Math.max(1, learning.minEvents); k < events.length; k++) {
    if (events[k - 1].ms - first >= learning.minDays * DAY) return events[k].ms;
  }
  return null;
}

/** Routine, non-lifecycle events of the target in [from, to). */
function usage(target: Target, from: number, to: number): Timed[] {
  return target.events.filter(
    (t) => t.ms >= from && t.ms < to && !LIFECYCLE_TYPES.has(t.event.type),
  );
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function recordSetOf(resource: string | null): string | null {
  if (resource === null) return null;
  const cut = Math.max(resource.lastIndexOf('/'), resource.lastIndexOf(':'));
  return cut > 0 ? resource.slice(0, cut) : resource;
}

/** Add (or replace) events of the stream: the builder behind every anomaly type. */
class Injector {
  readonly added: TelemetryEvent[] = [];
  readonly removed = new Set<string>();
  readonly anomalies: AnomalyLabel[] = [];
  private sequence = 0;

  constructor(private readonly random: Random) {}

  label(
    target: Target,
    type: AnomalyType,
    events: TelemetryEvent[],
    note: string,
    suppressed: readonly string[] = [],
    context: readonly string[] = [],
  ): void {
    const anomalyId = `anomaly-${this.anomalies.length}`;
    const ids: string[] = [];
    for (const e of events) {
      const id = `${anomalyId}-evt-${this.sequence++}`;
      ids.push(id);
      this.added.push({ ...e, id });
    }
    for (const id of suppressed) this.removed.add(id);
    this.anomalies.push({
      anomalyId,
      type,
      identityId: target.identity.id,
      identityKind: target.identity.kind,
      eventIds: ids,
      contextEventIds: context,
      contextKind:
        context.length === 0 ? null : type === 'rate_spike' ? 'rate_spike' : 'rotation_overdue',
      suppressedEventIds: suppressed,
      note,
    });
  }

  /** A routine usage event of the target, at least a day after it left learning. */
  template(target: Target, end: number): Timed | null {
    if (target.learnedAt === null) return null;
    const candidates = usage(target, target.learnedAt + DAY, end - HOUR);
    return candidates.length === 0 ? null : pick(this.random, candidates);
  }
}

type Builder = (target: Target, injector: Injector, random: Random, end: number) => boolean;

/**
 * (1) A service account reads a secret of a production vault path outside its workload,
 * under a vault scope it never held. The vault tier is declared on its policy when the
 * owner had not tiered vault at all: the example is about a high-value scope.
 */
const novelSensitiveScope: Builder = (target, injector, random, end) => {
  if (target.identity.kind !== 'service_account') return false;
  const template = injector.template(target, end);
  if (template === null) return false;
  const policy = target.identity.policy;
  if (!policy.resourceSensitivity.some((t) => t.pattern.startsWith('vault:'))) {
    target.identity = {
      ...target.identity,
      policy: {
        ...policy,
        resourceSensitivity: [
          ...policy.resourceSensitivity,
          { pattern: 'vault:prod/*', sensitivity: 'critical' },
        ],
      },
    };
  }
  const secret = pick(random, VAULT_SECRETS);
  const at = template.ms + 1_000;
  const base = template.event;
  injector.label(
    target,
    'novel_sensitive_scope',
    [
      {
        ...base,
        time: iso(at),
        type: 'scope.requested',
        action: 'request',
        resource: `vault:prod/${secret}`,
        scope: 'vault:secrets:read',
        attributes: {},
      },
      {
        ...base,
        time: iso(at + 2_000),
        type: 'secret.accessed',
        action: 'read',
        resource: `vault:prod/${secret}`,
        scope: 'vault:secrets:read',
        attributes: {},
      },
    ],
    `scope vault:secrets:read on vault:prod/${secret}`,
  );
  return true;
};

/** (2) An AI agent invokes a tool its declared allowedTools do not include. */
const agentToolOutsidePolicy: Builder = (target, injector, random, end) => {
  if (target.identity.kind !== 'ai_agent') return false;
  const template = injector.template(target, end);
  if (template === null) return false;
  const policy = target.identity.policy;
  const routineTools = [
    ...new Set(
      target.events
        .map((t) => t.event.attributes.tool)
        .filter((tool): tool is string => typeof tool === 'string'),
    ),
  ];
  if (policy.allowedTools.length === 0) {
    // Declare what it routinely uses: the policy the owner would write for this agent.
    target.identity = { ...target.identity, policy: { ...policy, allowedTools: routineTools } };
  }
  const allowed = target.identity.policy.allowedTools;
  const tool = pick(
    random,
    FORBIDDEN_TOOLS.filter((t) => !allowed.includes(t)),
  );
  injector.label(
    target,
    'agent_tool_outside_policy',
    [
      {
        ...template.event,
        time: iso(template.ms + 1_000),
        type: 'tool.invoked',
        action: 'invoke',
        attributes: { tool },
      },
    ],
    `tool ${tool}; allowed ${allowed.join(',')}`,
  );
  return true;
};

/** (3) A third-party OAuth app reads a few records of an object type it never read. */
const oauthNewRecordSet: Builder = (target, injector, random, end) => {
  if (target.identity.kind !== 'oauth_app') return false;
  const template = injector.template(target, end);
  if (template === null || template.event.type !== 'record.accessed') return false;
  const known = new Set(target.events.map((t) => recordSetOf(t.event.resource)));
  const fresh = FOREIGN_RECORD_SETS.filter((s) => !known.has(s));
  if (fresh.length === 0) return false;
  const set = pick(random, fresh);
  const reads = 1 + Math.floor(random() * 3);
  const events: TelemetryEvent[] = [];
  for (let i = 0; i < reads; i++) {
    events.push({
      ...template.event,
      time: iso(template.ms + 1_000 + i * 20_000),
      resource: `${set}/${Math.floor(random() * 1e6)}`,
      attributes: { recordCount: 1 + Math.floor(random() * 50) },
    });
  }
  injector.label(target, 'oauth_new_record_set', events, `record set ${set}`);
  return true;
};

/**
 * (4) A certificate renewed far earlier than its declared period allows, after its last
 * scheduled renewal (so the schedule that follows is not disturbed inside the stream).
 */
const certificateRenewal: Builder = (target, injector, random, end) => {
  const policy = target.identity.policy;
  const period = policy.rotationPeriodDays;
  if (target.identity.kind !== 'certificate' || period === null || target.learnedAt === null) {
    return false;
  }
  const renewals = target.events.filter((t) => t.event.type === 'certificate.renewed');
  if (renewals.length === 0) return false;
  const last = renewals[renewals.length - 1];
  const tolerance = policy.rotationToleranceDays ?? 1;
  // Less than half the window's lower edge after the previous renewal: far outside it.
  const latest = Math.min(end - HOUR, last.ms + ((period - tolerance) / 2) * DAY);
  const earliest = Math.max(last.ms + 6 * HOUR, target.learnedAt + DAY);
  if (latest <= earliest) return false;
  const at = earliest + Math.floor(random() * (latest - earliest));
  injector.label(
    target,
    'certificate_renewal_outside_window',
    [{ ...last.event, time: iso(at) }],
    `renewed ${((at - last.ms) / DAY).toFixed(1)} days after the previous renewal; period ${period}±${tolerance}`,
  );
  return true;
};

/**
 * (5) A credential whose rotation job stopped: its scheduled rotations from some point on
 * are removed, and it keeps being used well past period + tolerance. The labelled event
 * is a use at the start of a day more than a day past due (the overdue detector reports
 * the first use of each day).
 */
const rotationOverdue: Builder = (target, injector, random, end) => {
  const kind = target.identity.kind;
  const policy = target.identity.policy;
  const period = policy.rotationPeriodDays;
  if ((kind !== 'api_key' && kind !== 'service_account') || period === null) return false;
  if (target.learnedAt === null) return false;
  const rotations = target.events.filter((t) => t.event.type === 'credential.rotated');
  const tolerance = policy.rotationToleranceDays ?? Math.max(1, period * 0.1);
  // Latest rotation that still leaves a use more than a day past due inside the stream.
  for (let k = rotations.length - 1; k >= 0; k--) {
    const due = rotations[k].ms + (period + tolerance) * DAY;
    const from = Math.max(due + DAY, target.learnedAt + DAY);
    // The first use of a whole day after `from`: inject just before it, so the injected
    // use is the day's first and the detector's once-a-day report lands on it.
    const days = [
      ...new Set(
        usage(target, from, end - HOUR)
          .map((t) => Math.floor(t.ms / DAY))
          .filter((d) => d * DAY >= from),
      ),
    ];
    if (days.length === 0) continue;
    const day = pick(random, days);
    const first = target.events.find((t) => Math.floor(t.ms / DAY) === day)!;
    if (LIFECYCLE_TYPES.has(first.event.type) || first.ms - 1_000 < day * DAY) continue;
    const at = first.ms - 1_000;
    const suppressed = rotations.slice(k + 1).map((t) => t.event.id);
    const pastDue = usage(target, due, end + 1).map((t) => t.event.id);
    injector.label(
      target,
      'rotation_overdue',
      [{ ...first.event, time: iso(at) }],
      `last rotation ${iso(rotations[k].ms)}, due ${iso(due)}, used ${iso(at)}`,
      suppressed,
      pastDue,
    );
    return true;
  }
  return false;
};

/**
 * (6) A burst of 20× the identity's hourly norm for its busiest action, inside one of its
 * active hours, made of calls it routinely makes (same scopes, resources, sources). Only
 * identities whose burst reaches the detector's floor of 25 calls qualify, and bursts are
 * capped at 2,000 calls.
 */
const rateSpike: Builder = (target, injector, random, end) => {
  const template = injector.template(target, end);
  if (template === null) return false;
  const action = template.event.action;
  const before = usage(target, target.events[0].ms, template.ms).filter(
    (t) => t.event.action === action,
  );
  const activeHours = new Set(target.events.map((t) => Math.floor(t.ms / HOUR))).size;
  const norm = target.events.filter((t) => t.event.action === action).length / activeHours;
  const burst = Math.round(20 * norm);
  if (burst < 25 || burst > 2_000 || before.length === 0) return false;
  const hourStart = Math.floor(template.ms / HOUR) * HOUR;
  const events: TelemetryEvent[] = [];
  for (let i = 0; i < burst; i++) {
    const like = pick(random, before).event;
    events.push({ ...like, time: iso(hourStart + Math.floor(random() * HOUR)) });
  }
  const sameHour = usage(target, hourStart, hourStart + HOUR)
    .filter((t) => t.event.action === action)
    .map((t) => t.event.id);
  injector.label(
    target,
    'rate_spike',
    events,
    `${burst} "${action}" calls in the hour from ${iso(hourStart)}; norm ${norm.toFixed(2)}/h`,
    [],
    sameHour,
  );
  return true;
};

/** (7) A person uses a service identity's credential from a browser on a laptop. */
const humanUse: Builder = (target, injector, random, end) => {
  const kind = target.identity.kind;
  if (kind !== 'service_account' && kind !== 'api_key' && kind !== 'workload') return false;
  const template = injector.template(target, end);
  if (template === null) return false;
  const userAgent = pick(random, BROWSER_USER_AGENTS);
  const ip = `192.168.${Math.floor(random() * 255)}.${1 + Math.floor(random() * 253)}`;
  const calls = 1 + Math.floor(random() * 3);
  const events: TelemetryEvent[] = [];
  for (let i = 0; i < calls; i++) {
    events.push({
      ...template.event,
      time: iso(template.ms + 1_000 + i * 2 * MINUTE),
      source: { ...template.event.source, ip, userAgent, host: `laptop-${ip.split('.')[3]}` },
    });
  }
  injector.label(target, 'human_use', events, userAgent);
  return true;
};

const BUILDERS: Readonly<Record<AnomalyType, Builder>> = {
  novel_sensitive_scope: novelSensitiveScope,
  agent_tool_outside_policy: agentToolOutsidePolicy,
  oauth_new_record_set: oauthNewRecordSet,
  certificate_renewal_outside_window: certificateRenewal,
  rotation_overdue: rotationOverdue,
  rate_spike: rateSpike,
  human_use: humanUse,
};

/**
 * Injects up to `perType` anomalies of every type, each on its own identity (so a case
 * can be attributed to one anomaly), and returns the merged stream with the labels.
 */
export function injectAnomalies(stream: Stream, options: InjectOptions): Injected {
  const random = prng(options.seed);
  const learning = options.learning ?? DEFAULT_LEARNING;
  const byIdentity = new Map<string, Timed[]>();
  let end = 0;
  for (const event of stream.events) {
    const ms = Date.parse(event.time);
    end = Math.max(end, ms);
    let list = byIdentity.get(event.identityId);
    if (list === undefined) byIdentity.set(event.identityId, (list = []));
    list.push({ event, ms });
  }
  const targets: Target[] = stream.identities.map((identity) => {
    const events = byIdentity.get(identity.id) ?? [];
    return { identity, events, learnedAt: learnedAt(events, learning) };
  });
  const injector = new Injector(random);
  const used = new Set<string>();
  const order = shuffled(random, targets);
  for (const type of ANOMALY_TYPES) {
    let made = 0;
    for (const target of order) {
      if (made >= options.perType) break;
      if (used.has(target.identity.id) || target.learnedAt === null) continue;
      if (BUILDERS[type](target, injector, random, end)) {
        used.add(target.identity.id);
        made++;
      }
    }
  }
  const added = injector.added.map((event) => ({ event, ms: Date.parse(event.time) }));
  added.sort((a, b) => a.ms - b.ms);
  // Merge the sorted routine stream with the sorted injections; at equal times the
  // routine event goes first, as a late-arriving injected event would.
  const events: TelemetryEvent[] = [];
  let a = 0;
  for (const event of stream.events) {
    if (injector.removed.has(event.id)) continue;
    const ms = Date.parse(event.time);
    while (a < added.length && added[a].ms < ms) events.push(added[a++].event);
    events.push(event);
  }
  while (a < added.length) events.push(added[a++].event);
  return {
    identities: targets.map((t) => t.identity),
    events,
    anomalies: injector.anomalies,
  };
}
