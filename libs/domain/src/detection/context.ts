import type { Deviation, Identity, TelemetryEvent } from '../../../contracts/src/telemetry';
import type { ExceptionKind, Sensitivity } from '../../../contracts/src/vocabulary';
import type { Baseline } from '../baseline/baseline';
import { viewOf, type EventView } from '../baseline/event-view';
import { compilePolicy, policySensitivity, type CompiledPolicy } from './glob';
import { parseEventTime } from './time';

export interface DetectionContext {
  readonly event: TelemetryEvent;
  readonly eventTimeMs: number;
  readonly identity: Identity;
  /** The identity's baseline before this event is absorbed. */
  readonly baseline: Baseline;
  /** Tier of the event's resource under the identity's policy. */
  readonly sensitivity: Sensitivity;
  /** The event's values as the baseline keys them, extracted once for all detectors. */
  readonly view: EventView;
  /** The identity's policy with its globs compiled. */
  readonly policy: CompiledPolicy;
  /**
   * When set, a detector may return null instead of building a deviation that scores
   * below its kind's threshold (raise would drop it anyway). Unset, every deviation
   * above MIN_REPORTED_SCORE is reported.
   */
  readonly thresholds?: Readonly<Partial<Record<ExceptionKind, number>>>;
}

export type Detector = (ctx: DetectionContext) => Deviation | null;

/**
 * The resource's tier; events without a resource (a scope request, say) are tiered by
 * their scope, so a declared `vault:*` tier also covers a request for a vault scope.
 */
export function eventSensitivity(policy: CompiledPolicy, view: EventView): Sensitivity {
  return policySensitivity(policy, view.resource ?? view.scope);
}

export function contextFor(
  event: TelemetryEvent,
  identity: Identity,
  baseline: Baseline,
  eventTimeMs: number = parseEventTime(event.time),
): DetectionContext {
  if (Number.isNaN(eventTimeMs)) throw new Error(`event ${event.id} has no valid time`);
  const view = viewOf(event, eventTimeMs);
  const policy = compilePolicy(identity.policy);
  return {
    event,
    eventTimeMs,
    identity,
    baseline,
    sensitivity: eventSensitivity(policy, view),
    view,
    policy,
  };
}
