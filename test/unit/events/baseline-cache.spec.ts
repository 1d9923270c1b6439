import { Logger } from '@nestjs/common';
import type { TelemetryEvent } from '@vigil/contracts';
import {
  applyDelta,
  emptySnapshot,
  mergeDeltas,
  type Baseline,
  type BaselineDelta,
  type BaselineSnapshot,
} from '@vigil/domain';
import type { BaselineStore } from '@vigil/persistence';
import {
  BaselineCache,
  DEFAULT_BASELINE_CACHE,
  type BaselineCacheOptions,
} from '../../../apps/api/src/events/baseline-cache';
import { eventually } from '../../support/eventually';

const T0 = Date.UTC(2026, 10, 23, 9);
const TTL = 1_000;

/** The store's semantics in memory, with switches to fail or hold its calls. */
class MemoryStore {
  readonly snapshots = new Map<string, BaselineSnapshot>();
  readonly applied: BaselineDelta[][] = [];
  failures = 0;
  holdApply: Promise<void> | null = null;
  holdLoad: Promise<void> | null = null;

  async load(ids: readonly string[]): Promise<Map<string, BaselineSnapshot>> {
    const loaded = new Map(ids.map((id) => [id, this.snapshots.get(id) ?? emptySnapshot(id)]));
    await this.holdLoad;
    return loaded;
  }

  async apply(deltas: readonly BaselineDelta[]): Promise<void> {
    await this.holdApply;
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('connection refused');
    }
    this.applied.push([...deltas]);
    for (const delta of mergeDeltas(deltas)) {
      const id = delta.identityId;
      this.snapshots.set(id, applyDelta(this.snapshots.get(id) ?? emptySnapshot(id), delta));
    }
  }

  count(id: string): number {
    return this.snapshots.get(id)?.eventCount ?? 0;
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

let sequence = 0;
function absorb(baseline: Baseline, events: number): void {
  for (let i = 0; i < events; i++) {
    const n = sequence++;
    const event: TelemetryEvent = {
      id: `evt-${n}`,
      time: new Date(T0 + n * 60_000).toISOString(),
      identityId: baseline.identityId,
      type: 'secret.accessed',
      action: 'read',
      resource: `vault:prod/db-${n % 3}`,
      scope: 'secrets:read',
      source: { ip: '10.0.0.4' },
      outcome: 'allowed',
      attributes: {},
    };
    baseline.absorb(event, Date.parse(event.time));
  }
}

describe('BaselineCache', () => {
  let store: MemoryStore;
  let now: number;
  let cache: BaselineCache;

  const create = (options: Partial<BaselineCacheOptions> = {}) =>
    new BaselineCache(
      store as unknown as BaselineStore,
      { ...DEFAULT_BASELINE_CACHE, ttlMs: TTL, ...options },
      () => now,
    );

  const one = async (id: string) => (await cache.getMany([id])).get(id)!;

  beforeEach(() => {
    store = new MemoryStore();
    now = 0;
    cache = create();
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await cache.stop();
  });

  it('buffers what batches absorbed and writes it with one apply per flush', async () => {
    const baselines = await cache.getMany(['svc-a', 'svc-b']);
    absorb(baselines.get('svc-a')!, 3);
    absorb(baselines.get('svc-b')!, 2);
    cache.record(baselines.values());
    absorb(baselines.get('svc-a')!, 4);
    cache.record(baselines.values());
    expect(cache.bufferedEvents).toBe(9);
    expect(store.applied).toHaveLength(0);

    await cache.flush();
    expect(store.applied).toHaveLength(1);
    expect(store.count('svc-a')).toBe(7);
    expect(store.count('svc-b')).toBe(2);
    expect(cache.bufferedEvents).toBe(0);

    await cache.flush();
    expect(store.applied).toHaveLength(1);
  });

  it('adds the unflushed deltas to a baseline read again after the TTL, once', async () => {
    const first = await one('svc-a');
    absorb(first, 3);
    cache.record([first]);

    now += TTL;
    const reloaded = await one('svc-a');
    expect(reloaded).not.toBe(first);
    expect(reloaded.eventCount).toBe(3);

    await cache.flush();
    now += TTL;
    expect((await one('svc-a')).eventCount).toBe(3);
    expect(store.count('svc-a')).toBe(3);
  });

  it('reads a baseline after a write in progress, never halfway through it', async () => {
    const baseline = await one('svc-a');
    absorb(baseline, 3);
    cache.record([baseline]);
    const apply = deferred();
    store.holdApply = apply.promise;
    const flushed = cache.flush();
    await new Promise((resolve) => setImmediate(resolve));

    now += TTL;
    let read: Baseline | undefined;
    const reading = one('svc-a').then((b) => (read = b));
    await new Promise((resolve) => setImmediate(resolve));
    expect(read).toBeUndefined();

    apply.resolve();
    await Promise.all([flushed, reading]);
    expect(read!.eventCount).toBe(3);
    expect(store.count('svc-a')).toBe(3);
  });

  it('writes after a read in progress, so the read counts a delta once', async () => {
    const baseline = await one('svc-a');
    absorb(baseline, 3);
    cache.record([baseline]);
    const load = deferred();
    store.holdLoad = load.promise;
    now += TTL;
    const reading = one('svc-a');
    const flushed = cache.flush();
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.applied).toHaveLength(0);

    load.resolve();
    const [read] = await Promise.all([reading, flushed]);
    expect(read.eventCount).toBe(3);
    expect(store.count('svc-a')).toBe(3);
  });

  it('keeps the deltas of a failed write and retries them with a growing wait', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    cache = create({ flushIntervalMs: 5, retryMs: 40, maxRetryMs: 80 });
    store.failures = 3;
    const baseline = await one('svc-a');
    absorb(baseline, 3);
    cache.record([baseline]);
    cache.start();

    await eventually(async () => expect(warn).toHaveBeenCalled(), { intervalMs: 1 });
    absorb(baseline, 2);
    cache.record([baseline]);
    await eventually(async () => expect(store.count('svc-a')).toBe(5));

    expect(cache.bufferedEvents).toBe(0);
    expect(store.applied).toHaveLength(1);
    expect(warn.mock.calls.map((call) => call.length)).toEqual([1, 1, 1]);
    expect(warn.mock.calls.map((call) => String(call[0]))).toEqual([
      'baseline write failed (attempt 1), retrying in 40 ms with 3 event(s) buffered: connection refused',
      'baseline write failed (attempt 2), retrying in 80 ms with 5 event(s) buffered: connection refused',
      'baseline write failed (attempt 3), retrying in 80 ms with 5 event(s) buffered: connection refused',
    ]);
  });

  it('rejects an explicit flush that fails, and keeps its deltas for the next', async () => {
    const baseline = await one('svc-a');
    absorb(baseline, 4);
    cache.record([baseline]);
    store.failures = 1;
    await expect(cache.flush()).rejects.toThrow('connection refused');
    expect(cache.bufferedEvents).toBe(4);
    now += TTL;
    expect((await one('svc-a')).eventCount).toBe(4);
    await cache.flush();
    expect(store.count('svc-a')).toBe(4);
  });

  it('drops what a failed batch absorbed, and the baseline it absorbed it into', async () => {
    const baseline = await one('svc-a');
    absorb(baseline, 2);
    cache.record([baseline]);
    absorb(baseline, 5);
    cache.discard([baseline]);

    const fresh = await one('svc-a');
    expect(fresh).not.toBe(baseline);
    expect(fresh.eventCount).toBe(2);
    await cache.flush();
    expect(store.count('svc-a')).toBe(2);
  });

  it('reads a baseline again when a batch recorded into a copy that was replaced', async () => {
    const old = await one('svc-a');
    now += TTL;
    const replaced = await one('svc-a');
    expect(replaced).not.toBe(old);
    absorb(old, 3);
    cache.record([old]);

    const current = await one('svc-a');
    expect(current).not.toBe(replaced);
    expect(current.eventCount).toBe(3);
  });

  it('gives snapshots with the buffered deltas added, without writing them', async () => {
    const baseline = await one('svc-a');
    absorb(baseline, 3);
    cache.record([baseline]);
    const snapshots = await cache.snapshots(['svc-a', 'svc-none']);
    expect(snapshots.get('svc-a')?.eventCount).toBe(3);
    expect(snapshots.get('svc-none')).toEqual(emptySnapshot('svc-none'));
    expect(store.applied).toHaveLength(0);
  });

  it('writes what is buffered when it stops', async () => {
    cache.start();
    const baseline = await one('svc-a');
    absorb(baseline, 6);
    cache.record([baseline]);
    await cache.stop();
    expect(store.count('svc-a')).toBe(6);
  });

  it('gives up on stopping after a few failed writes and says what is lost', async () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    cache = create({ retryMs: 1 });
    store.failures = 10;
    const baseline = await one('svc-a');
    absorb(baseline, 6);
    cache.record([baseline]);
    await cache.stop();
    expect(store.failures).toBe(7);
    expect(error).toHaveBeenCalledWith(
      'baseline changes of 6 event(s) not written: connection refused',
    );
  });
});
