import type {
  Deviation,
  Identity,
  RaisedException,
  TelemetryEvent,
} from '../../../contracts/src/telemetry';
import type { ExceptionKind, IdentityKind, Sensitivity } from '../../../contracts/src/vocabulary';
import type { AllowanceIndex } from '../tuning/allowances';
import { DEFAULT_LEARNING, type Baseline, type LearningSettings } from '../baseline/baseline';
import { emptyView, fillView, type MutableEventView } from '../baseline/event-view';
import { credentialReuse, offHours, rateSpike } from './activity';
import { eventSensitivity, type DetectionContext, type Detector } from './context';
import { deviationFingerprint } from './fingerprint';
import { compilePolicy } from './glob';
import { renewalOutsideWindow, rotationOutsideWindow, rotationOverdue } from './lifecycle';
import { humanUse, unusualRecordSet } from './misuse';
import { novelResource, novelScope, novelTool } from './novelty';
import {
  crossEnvironment,
  policyViolation,
  privilegeElevation,
  unclassifiedIdentity,
} from './policy';
import type { DetectorKind } from './scoring';
import { severityOf } from './severity';
import { parseEventTime } from './time';

/**
 * Minimum score for a deviation to become an exception, per kind. The store may override
 * them (tuning moves them toward a target precision). Sweep and reporter kinds are listed
 * for completeness; their producers score them.
 */
export const DEFAULT_THRESHOLDS: Readonly<Record<ExceptionKind, number>> = {
  novel_scope: 0.5,
  novel_tool: 0.5,
  novel_resource: 0.6,
  rate_spike: 0.5,
  off_hours: 0.6,
  privilege_elevation: 0.6,
  rotation_outside_window: 0.5,
  renewal_outside_window: 0.5,
  policy_violation: 0.5,
  unusual_record_set: 0.55,
  human_use: 0.6,
  credential_reuse: 0.5,
  cross_environment: 0.5,
  unclassified_identity: 0.2,
  rotation_overdue: 0.5,
  certificate_expiring: 0.5,
  telemetry_gap: 0.5,
  unused_privilege: 0.5,
  dormant_identity: 0.5,
  external_finding: 0,
};

export interface DetectionSettings {
  readonly thresholds: Readonly<Record<ExceptionKind, number>>;
  /** Complete threshold maps for identity kinds tuned apart from the rest. */
  readonly thresholdsByIdentityKind?: Readonly<
    Partial<Record<IdentityKind, Readonly<Record<ExceptionKind, number>>>>
  >;
  /** Scoped allowances: findings they cover are absorbed without raising. */
  readonly allowances?: AllowanceIndex;
  readonly learning: LearningSettings;
  /** Detectors switched off entirely (not run). */
  readonly disabled?: ReadonlySet<ExceptionKind>;
}

export const DEFAULT_DETECTION_SETTINGS: DetectionSettings = {
  thresholds: DEFAULT_THRESHOLDS,
  learning: DEFAULT_LEARNING,
};

export interface DetectorSpec {
  readonly kind: DetectorKind;
  readonly detect: Detector;
  /** Event types it can fire on; null: any. */
  readonly eventTypes: readonly string[] | null;
  /**
   * What it can raise while the identity is learning (see the cold-start rule in raise):
   * 'always' for detectors of declared policy, 'sensitive' for first-seen detectors (only
   * on high or critical resources), absent for detectors that need a learned baseline.
   */
  readonly whileLearning?: 'always' | 'sensitive';
}

/** Every event detector, with the event types it applies to. */
export const DETECTORS: readonly DetectorSpec[] = [
  {
    kind: 'unclassified_identity',
    detect: unclassifiedIdentity,
    eventTypes: null,
    whileLearning: 'always',
  },
  { kind: 'policy_violation', detect: policyViolation, eventTypes: null, whileLearning: 'always' },
  {
    kind: 'cross_environment',
    detect: crossEnvironment,
    eventTypes: null,
    whileLearning: 'always',
  },
  { kind: 'human_use', detect: humanUse, eventTypes: null },
  { kind: 'novel_scope', detect: novelScope, eventTypes: null, whileLearning: 'sensitive' },
  { kind: 'novel_resource', detect: novelResource, eventTypes: null, whileLearning: 'sensitive' },
  {
    kind: 'novel_tool',
    detect: novelTool,
    eventTypes: ['tool.invoked'],
    whileLearning: 'sensitive',
  },
  {
    kind: 'privilege_elevation',
    detect: privilegeElevation,
    eventTypes: ['privilege.elevated', 'scope.requested'],
    whileLearning: 'sensitive',
  },
  {
    kind: 'unusual_record_set',
    detect: unusualRecordSet,
    eventTypes: ['record.accessed'],
    whileLearning: 'sensitive',
  },
  {
    kind: 'rotation_outside_window',
    detect: rotationOutsideWindow,
    eventTypes: ['credential.rotated'],
    whileLearning: 'always',
  },
  {
    kind: 'renewal_outside_window',
    detect: renewalOutsideWindow,
    eventTypes: ['certificate.renewed'],
    whileLearning: 'always',
  },
  { kind: 'rotation_overdue', detect: rotationOverdue, eventTypes: null, whileLearning: 'always' },
  { kind: 'rate_spike', detect: rateSpike, eventTypes: null },
  { kind: 'off_hours', detect: offHours, eventTypes: null },
  { kind: 'credential_reuse', detect: credentialReuse, eventTypes: null },
];

interface Plan {
  readonly generic: readonly DetectorSpec[];
  readonly byType: ReadonlyMap<string, readonly DetectorSpec[]>;
}

// The detectors to run per event type, resolved once: the per-event cost is one map lookup.
function planFor(specs: readonly DetectorSpec[]): Plan {
  const generic = specs.filter((d) => d.eventTypes === null);
  const byType = new Map<string, readonly DetectorSpec[]>();
  for (const spec of specs) {
    for (const type of spec.eventTypes ?? []) {
      byType.set(type, [...(byType.get(type) ?? generic), spec]);
    }
  }
  return { generic, byType };
}

const ALL = planFor(DETECTORS);
const LEARNING = planFor(DETECTORS.filter((d) => d.whileLearning === 'always'));
const LEARNING_SENSITIVE = planFor(DETECTORS.filter((d) => d.whileLearning !== undefined));

// processEvent runs synchronously and nothing keeps its view or context once it returns
// (deviations copy what they need), so one of each is reused: two fewer allocations per
// event, measurable at hundreds of thousands of events a second.
type MutableContext = { -readonly [K in keyof DetectionContext]: DetectionContext[K] };
const SCRATCH_VIEW: MutableEventView = emptyView();
let scratchContext: MutableContext | null = null;

const NONE: readonly Deviation[] = Object.freeze([]);
const NO_EXCEPTIONS: readonly RaisedException[] = Object.freeze([]);

/**
 * Runs the detectors that apply to the event; the baseline must not contain it yet. With
 * `learning` given, detectors whose findings the cold-start rule would drop are not run
 * at all (the per-event path); without it, every applicable detector runs (what-if
 * replays and diagnostics see everything).
 */
export function detect(
  ctx: DetectionContext,
  settings: DetectionSettings = DEFAULT_DETECTION_SETTINGS,
  learning?: boolean,
): readonly Deviation[] {
  const plan =
    learning !== true
      ? ALL
      : ctx.sensitivity === 'high' || ctx.sensitivity === 'critical'
        ? LEARNING_SENSITIVE
        : LEARNING;
  const detectors = plan.byType.get(ctx.view.type) ?? plan.generic;
  const disabled = settings.disabled;
  let found: Deviation[] | null = null;
  for (let i = 0; i < detectors.length; i++) {
    const spec = detectors[i];
    if (disabled !== undefined && disabled.has(spec.kind)) continue;
    const deviation = spec.detect(ctx);
    if (deviation !== null) (found ??= []).push(deviation);
  }
  return found ?? NONE;
}

export interface RaiseOptions {
  readonly thresholds: Readonly<Record<ExceptionKind, number>>;
  /** Whether the identity's baseline is still learning (before this event). */
  readonly learning: boolean;
  readonly identity: Identity;
  readonly sensitivity: Sensitivity;
  readonly eventId: string;
  /** For the fingerprint's day bucket. */
  readonly eventTimeMs: number;
  readonly allowances?: AllowanceIndex;
}

const NOVELTY_KINDS: ReadonlySet<ExceptionKind> = new Set<ExceptionKind>([
  'novel_scope',
  'novel_tool',
  'novel_resource',
]);

function isFirstSeen(d: Deviation): boolean {
  return NOVELTY_KINDS.has(d.kind) || d.evidence.firstSeen === true;
}

/**
 * Cold start: while learning, the baseline cannot tell routine from deviation, so only
 * policy violations (declared intent needs no baseline) and first-seen access to high or
 * critical resources escalate. Everything is still absorbed.
 */
function passesColdStart(d: Deviation, options: RaiseOptions): boolean {
  if (!options.learning || d.policyViolation) return true;
  return (options.sensitivity === 'high' || options.sensitivity === 'critical') && isFirstSeen(d);
}

/**
 * One event should open as few cases as it has distinct problems:
 * - a policy violation covers a privilege elevation or a novelty of the same value (the
 *   scope outside the allowed list is also, trivially, new);
 * - a privilege elevation covers a novelty of the same value;
 * - an unusual record set covers any novelty on its event (a new object type read
 *   through a new resource name is one finding);
 * - of several novelties left (a new scope on a new resource), the highest-scoring one
 *   stays and names the others in its evidence.
 */
function collapse(kept: Deviation[]): Deviation[] {
  if (kept.length < 2) return kept;
  const violations = new Set<string>();
  const elevations = new Set<string>();
  let recordSet = false;
  for (const d of kept) {
    if (d.kind === 'policy_violation') violations.add(d.value);
    else if (d.kind === 'privilege_elevation') elevations.add(d.value);
    else if (d.kind === 'unusual_record_set') recordSet = true;
  }
  let best: Deviation | null = null;
  const others: string[] = [];
  const out: Deviation[] = [];
  for (const d of kept) {
    if (d.kind === 'privilege_elevation' && violations.has(d.value)) continue;
    if (NOVELTY_KINDS.has(d.kind)) {
      if (recordSet || violations.has(d.value) || elevations.has(d.value)) continue;
      if (best === null || d.score > best.score) {
        if (best !== null) others.push(`${best.kind}:${best.value}`);
        best = d;
      } else {
        others.push(`${d.kind}:${d.value}`);
      }
      continue;
    }
    out.push(d);
  }
  if (best !== null) {
    out.push(
      others.length === 0 ? best : { ...best, evidence: { ...best.evidence, alsoNovel: others } },
    );
  }
  return out;
}

/** Thresholds, the cold-start rule, de-duplication within the event, severity, fingerprint. */
export function raise(deviations: readonly Deviation[], options: RaiseOptions): RaisedException[] {
  const kept: Deviation[] = [];
  const thresholdOf = (kind: Deviation['kind']) =>
    options.thresholds[kind] ?? DEFAULT_THRESHOLDS[kind];
  for (const d of deviations) {
    const threshold = thresholdOf(d.kind);
    if (d.score < threshold) continue;
    if (!passesColdStart(d, options)) continue;
    if (options.allowances?.allows(options.identity.id, d, options.eventTimeMs)) continue;
    kept.push(d);
  }
  const identity = options.identity;
  return collapse(kept).map((deviation) => ({
    deviation,
    identityId: identity.id,
    severity: severityOf(deviation.score, identity.criticality, options.sensitivity),
    fingerprint: deviationFingerprint(
      identity.id,
      deviation.kind,
      deviation.value,
      options.eventTimeMs,
    ),
    eventId: options.eventId,
    threshold: thresholdOf(deviation.kind),
  }));
}

/**
 * The ingest pipeline's per-event step: detect against the baseline as it was, raise what
 * passes, then absorb the event (every event, deviating or not: the delta stays a pure
 * function of the event stream, and a repeat of a raised deviation joins its open case by
 * fingerprint). `eventTimeMs` may be passed when the caller already parsed the time.
 */
export function processEvent(
  event: TelemetryEvent,
  identity: Identity,
  baseline: Baseline,
  settings: DetectionSettings = DEFAULT_DETECTION_SETTINGS,
  eventTimeMs: number = parseEventTime(event.time),
): readonly RaisedException[] {
  if (Number.isNaN(eventTimeMs)) throw new Error(`event ${event.id} has no valid time`);
  const view = fillView(SCRATCH_VIEW, event, eventTimeMs);
  const policy = compilePolicy(identity.policy);
  const sensitivity = eventSensitivity(policy, view);
  const ctx = (scratchContext ??= {
    event,
    eventTimeMs,
    identity,
    baseline,
    sensitivity,
    view,
    policy,
    thresholds: settings.thresholdsByIdentityKind?.[identity.kind] ?? settings.thresholds,
  });
  ctx.event = event;
  ctx.eventTimeMs = eventTimeMs;
  ctx.identity = identity;
  ctx.baseline = baseline;
  ctx.sensitivity = sensitivity;
  ctx.policy = policy;
  const thresholds = settings.thresholdsByIdentityKind?.[identity.kind] ?? settings.thresholds;
  ctx.thresholds = thresholds;
  const learning = baseline.isLearning(settings.learning);
  const deviations = detect(ctx, settings, learning);
  const raised =
    deviations.length === 0
      ? NO_EXCEPTIONS
      : raise(deviations, {
          thresholds,
          allowances: settings.allowances,
          learning,
          identity,
          sensitivity,
          eventId: event.id,
          eventTimeMs,
        });
  baseline.absorbView(view);
  return raised;
}

export { processEvent as process };
