import type { TelemetryEvent } from '@vigil/contracts';
import { Baseline, type SweepSubject } from '@vigil/domain';
import { HOUR, event, identity, type IdentityInput } from '../detection/support';

export { DAY, HOUR, T0, event } from '../detection/support';

/** An identity declared at `createdAt` whose baseline absorbed `events`. */
export function subject(
  input: IdentityInput & { createdAt: number; updatedAt?: number },
  events: readonly TelemetryEvent[] = [],
): SweepSubject {
  const { createdAt, updatedAt, ...declared } = input;
  const base = identity(declared);
  const baseline = new Baseline(base.id);
  for (const e of events) baseline.absorb(e, Date.parse(e.time));
  return {
    identity: { ...base, createdAt, updatedAt: updatedAt ?? createdAt },
    baseline: baseline.toSnapshot(),
  };
}

/** One event every `everyHours` hours from `from` until before `to`. */
export function steady(
  identityId: string,
  from: number,
  to: number,
  everyHours: number,
  make: (at: number) => Partial<TelemetryEvent> = () => ({}),
): TelemetryEvent[] {
  const events: TelemetryEvent[] = [];
  for (let at = from; at < to; at += everyHours * HOUR) {
    events.push(event({ identityId, at, type: 'token.used', action: 'read', ...make(at) }));
  }
  return events;
}
