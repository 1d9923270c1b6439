import type { TelemetryEvent } from '@vigil/contracts';
import {
  applyDelta,
  Baseline,
  emptySnapshot,
  mergeDeltas,
  type BaselineDelta,
  type BaselineSnapshot,
} from '@vigil/domain';

const T0 = Date.UTC(2026, 10, 23);
const MINUTE = 60_000;

function event(n: number, identityId: string, minute: number): TelemetryEvent {
  return {
    id: `evt-${n}`,
    time: new Date(T0 + minute * MINUTE).toISOString(),
    identityId,
    type: n % 7 === 0 ? 'credential.rotated' : 'secret.accessed',
    action: ['read', 'list', 'write'][n % 3]!,
    resource: `vault:prod/db-${n % 5}`,
    scope: 'secrets:read',
    source: { ip: `10.0.0.${n % 4}`, host: `host-${n % 2}` },
    outcome: 'allowed',
    attributes: {},
  };
}

/** Deltas as ingest takes them: one per identity per batch, over several batches. */
function deltasOf(identities: readonly string[], batches: number, perBatch: number) {
  const baselines = new Map(identities.map((id) => [id, new Baseline(id)]));
  const deltas: BaselineDelta[] = [];
  let n = 0;
  for (let batch = 0; batch < batches; batch++) {
    for (let i = 0; i < perBatch; i++, n++) {
      const identityId = identities[n % identities.length]!;
      const e = event(n, identityId, n * 37);
      baselines.get(identityId)!.absorb(e, Date.parse(e.time));
    }
    for (const baseline of baselines.values()) {
      const delta = baseline.takeDelta();
      if (delta) deltas.push(delta);
    }
  }
  return deltas;
}

function appliedOneByOne(deltas: readonly BaselineDelta[]): Map<string, BaselineSnapshot> {
  const snapshots = new Map<string, BaselineSnapshot>();
  for (const delta of deltas) {
    const id = delta.identityId;
    snapshots.set(id, applyDelta(snapshots.get(id) ?? emptySnapshot(id), delta));
  }
  return snapshots;
}

describe('mergeDeltas', () => {
  it('adds to a baseline what applying its inputs one by one adds', () => {
    const deltas = deltasOf(['svc-b', 'svc-a', 'svc-c'], 12, 50);
    const merged = mergeDeltas(deltas);
    const expected = appliedOneByOne(deltas);
    expect(merged.map((d) => d.identityId)).toEqual(['svc-a', 'svc-b', 'svc-c']);
    for (const delta of merged) {
      expect(applyDelta(emptySnapshot(delta.identityId), delta)).toEqual(
        expected.get(delta.identityId),
      );
    }
  });

  it('gives the same result whatever the order of its inputs', () => {
    const deltas = deltasOf(['svc-a', 'svc-b'], 8, 40);
    const forward = mergeDeltas(deltas);
    const backward = mergeDeltas([...deltas].reverse());
    const snapshot = (ds: BaselineDelta[]) =>
      ds.map((d) => applyDelta(emptySnapshot(d.identityId), d));
    expect(snapshot(backward)).toEqual(snapshot(forward));
  });

  it('merges merged deltas again without counting anything twice', () => {
    const deltas = deltasOf(['svc-a', 'svc-b'], 6, 30);
    const twice = mergeDeltas([
      ...mergeDeltas(deltas.slice(0, 5)),
      ...mergeDeltas(deltas.slice(5)),
    ]);
    const once = mergeDeltas(deltas);
    expect(twice.map((d) => applyDelta(emptySnapshot(d.identityId), d))).toEqual(
      once.map((d) => applyDelta(emptySnapshot(d.identityId), d)),
    );
    expect(twice.find((d) => d.identityId === 'svc-a')?.eventCount).toBe(90);
  });

  it('passes a lone delta through and returns nothing for nothing', () => {
    const [only] = deltasOf(['svc-a'], 1, 5);
    expect(mergeDeltas([only!])).toEqual([only]);
    expect(mergeDeltas([])).toEqual([]);
  });
});
