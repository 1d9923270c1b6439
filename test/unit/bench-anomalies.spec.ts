import { Baseline, DEFAULT_DETECTION_SETTINGS, processEvent } from '@vigil/domain';
import { ANOMALY_TYPES, injectAnomalies } from '../../bench/anomalies';
import { generateStream } from '../../bench/generator';

// The quality benchmark's figures are only as good as its labels: these check that the
// injection is deterministic, keeps the stream ordered, and lands after learning.
describe('bench anomaly injection', () => {
  const stream = generateStream({ seed: 7, identities: 300, days: 21, maxEvents: 150_000 });
  const inject = () => injectAnomalies(stream, { seed: 11, perType: 4 });
  const injected = inject();

  it('is deterministic for a seed', () => {
    const again = inject();
    expect(again.anomalies).toEqual(injected.anomalies);
    expect(again.events.map((e) => e.id)).toEqual(injected.events.map((e) => e.id));
  });

  it('injects every type, one anomaly per identity, into a time-ordered stream', () => {
    const types = new Set(injected.anomalies.map((a) => a.type));
    expect([...types].sort()).toEqual([...ANOMALY_TYPES].sort());
    const identities = injected.anomalies.map((a) => a.identityId);
    expect(new Set(identities).size).toBe(identities.length);
    const times = injected.events.map((e) => Date.parse(e.time));
    expect(times.every((t, i) => i === 0 || t >= times[i - 1])).toBe(true);
    const ids = new Set(injected.events.map((e) => e.id));
    expect(ids.size).toBe(injected.events.length);
    for (const a of injected.anomalies) {
      for (const id of a.eventIds) expect(ids.has(id)).toBe(true);
      for (const id of a.suppressedEventIds) expect(ids.has(id)).toBe(false);
    }
  });

  it('places every injected event after its identity left learning', () => {
    const injectedIds = new Set(injected.anomalies.flatMap((a) => a.eventIds));
    const identities = new Map(injected.identities.map((i) => [i.id, i]));
    const baselines = new Map<string, Baseline>();
    let checked = 0;
    for (const event of injected.events) {
      let baseline = baselines.get(event.identityId);
      if (baseline === undefined)
        baselines.set(event.identityId, (baseline = new Baseline(event.identityId)));
      if (injectedIds.has(event.id)) {
        expect(baseline.isLearning(DEFAULT_DETECTION_SETTINGS.learning)).toBe(false);
        checked++;
      }
      processEvent(event, identities.get(event.identityId)!, baseline);
    }
    expect(checked).toBe(injectedIds.size);
  });
});
