import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import {
  applyDelta,
  Baseline,
  mergeDeltas,
  type BaselineDelta,
  type BaselineSnapshot,
} from '@vigil/domain';
import type { BaselineStore } from '@vigil/persistence';

interface Entry {
  readonly baseline: Baseline;
  readonly loadedAt: number;
}

export interface BaselineCacheOptions {
  /** How long a loaded baseline is trusted before it is read again (other API instances add to it too). */
  readonly ttlMs: number;
  /** Identities kept in memory; the least recently used go first. */
  readonly maxEntries: number;
  /** How often the buffered deltas are written to the store, in one transaction. */
  readonly flushIntervalMs: number;
  /** Wait before retrying a failed write; doubles on each further failure up to `maxRetryMs`. */
  readonly retryMs: number;
  readonly maxRetryMs: number;
}

export const DEFAULT_BASELINE_CACHE: BaselineCacheOptions = {
  ttlMs: 60_000,
  maxEntries: 50_000,
  flushIntervalMs: 500,
  retryMs: 1_000,
  maxRetryMs: 30_000,
};

/** Attempts at the final write on shutdown before the buffered deltas are given up. */
const SHUTDOWN_FLUSH_ATTEMPTS = 3;

/**
 * Baselines in process memory, and a write-behind buffer of what ingest added to them.
 *
 * Reads: a batch pays one database read for the identities it has not seen lately;
 * concurrent misses for the same identities share one load.
 *
 * Writes: `record` takes the deltas of a batch's baselines into a buffer, and a timer writes
 * the buffer every `flushIntervalMs` with one `BaselineStore.apply` (one transaction), so
 * the deltas of many requests, which are commutative, become one set of upserts. A write
 * that fails keeps its deltas, merged, for the next attempt, which waits longer after each
 * failure; nothing is dropped while the process runs. Shutdown writes what remains.
 *
 * What failure means here: once `record` has taken a batch's deltas, its events count as
 * seen and absorbed, and a failing database delays their baseline rows instead of failing
 * the request or forgetting the events. A process that dies without shutting down loses
 * the deltas of at most the last interval (and of the time the database was failing): the
 * events stay recorded in the ledger, so a retry does not count them again, and the
 * baseline under-counts them instead of counting anything twice.
 *
 * Consistency: a baseline read from the store, for the cache or for `snapshots`, has this
 * process's buffered deltas added to it; reads and writes of the buffer never overlap (a
 * shared/exclusive gate), so a delta is either in the store or in the buffer, never both
 * and never neither. (A write whose commit succeeded but whose reply was lost counts as
 * failed, and its retry adds the deltas again; no write can tell that case apart.) Other
 * instances' deltas reach this one's baselines when they have written them and the TTL has
 * expired here.
 */
export class BaselineCache implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(BaselineCache.name);
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Baseline>>();
  private pending = new Map<string, BaselineDelta[]>();
  private pendingEvents = 0;
  private readonly gate = new Gate();
  private flushing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = true;

  constructor(
    private readonly store: BaselineStore,
    private readonly options: BaselineCacheOptions = DEFAULT_BASELINE_CACHE,
    private readonly now: () => number = Date.now,
  ) {}

  onApplicationBootstrap(): void {
    this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** Starts the periodic writes. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(this.options.flushIntervalMs);
  }

  /** Stops the periodic writes and writes what is buffered, a few attempts at most. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.flush();
        return;
      } catch (error) {
        if (attempt >= SHUTDOWN_FLUSH_ATTEMPTS) {
          this.logger.error(
            `baseline changes of ${this.pendingEvents} event(s) not written: ${messageOf(error)}`,
          );
          return;
        }
        await delay(Math.min(this.options.retryMs * attempt, this.options.maxRetryMs));
      }
    }
  }

  /** Events whose baseline changes are buffered, not yet in the store. */
  get bufferedEvents(): number {
    return this.pendingEvents;
  }

  async getMany(ids: readonly string[]): Promise<Map<string, Baseline>> {
    const found = new Map<string, Baseline>();
    const waits: Array<Promise<void>> = [];
    const misses: string[] = [];
    const now = this.now();
    for (const id of ids) {
      const entry = this.entries.get(id);
      if (entry && now - entry.loadedAt < this.options.ttlMs) {
        // Re-insert: Map order is the recency order the eviction reads.
        this.entries.delete(id);
        this.entries.set(id, entry);
        found.set(id, entry.baseline);
        continue;
      }
      const pending = this.loading.get(id);
      if (pending) waits.push(pending.then((baseline) => void found.set(id, baseline)));
      else misses.push(id);
    }
    if (misses.length > 0) waits.push(this.load(misses, found));
    await Promise.all(waits);
    return found;
  }

  /**
   * Takes what these baselines (from `getMany`) absorbed since their last delta into the
   * write buffer. Call it synchronously after absorbing, so that no other batch's events
   * are in between.
   */
  record(baselines: Iterable<Baseline>): void {
    for (const baseline of baselines) {
      const delta = baseline.takeDelta();
      if (!delta) continue;
      const list = this.pending.get(delta.identityId);
      if (list) list.push(delta);
      else this.pending.set(delta.identityId, [delta]);
      this.pendingEvents += delta.eventCount;
      // A newer copy was loaded while this batch ran on the old one: it lacks this delta.
      if (this.entries.get(delta.identityId)?.baseline !== baseline) {
        this.entries.delete(delta.identityId);
      }
    }
  }

  /**
   * Drops what these baselines absorbed since their last delta, and the baselines with it:
   * the next batch reads them again. For a batch whose processing failed.
   */
  discard(baselines: Iterable<Baseline>): void {
    for (const baseline of baselines) {
      baseline.takeDelta();
      if (this.entries.get(baseline.identityId)?.baseline === baseline) {
        this.entries.delete(baseline.identityId);
      }
    }
  }

  /** The stored baselines of these identities with this process's buffered deltas added. */
  snapshots(ids: readonly string[]): Promise<Map<string, BaselineSnapshot>> {
    return this.gate.shared(async () => {
      const stored = await this.store.load(ids);
      for (const [id, snapshot] of stored) stored.set(id, this.withBuffered(snapshot));
      return stored;
    });
  }

  /**
   * Writes the buffered deltas now, after any write in progress. Rejects if the write
   * fails; the deltas then stay buffered.
   */
  flush(): Promise<void> {
    const next = this.flushing.then(
      () => this.flushOnce(),
      () => this.flushOnce(),
    );
    this.flushing = next.catch(() => undefined);
    return next;
  }

  private async flushOnce(): Promise<void> {
    if (this.pending.size === 0) return;
    await this.gate.exclusive(async () => {
      const batch = this.pending;
      const events = this.pendingEvents;
      this.pending = new Map();
      this.pendingEvents = 0;
      const deltas: BaselineDelta[] = [];
      for (const list of batch.values()) for (const delta of list) deltas.push(delta);
      try {
        await this.store.apply(deltas);
      } catch (error) {
        // Back in front of what arrived meanwhile, merged so a long outage stays small.
        for (const delta of mergeDeltas(deltas)) {
          const later = this.pending.get(delta.identityId) ?? [];
          this.pending.set(delta.identityId, [delta, ...later]);
        }
        this.pendingEvents += events;
        throw error;
      }
    });
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), ms);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      await this.flush();
      if (this.failures > 0) {
        this.logger.log(`baseline writes recovered after ${this.failures} failed attempt(s)`);
      }
      this.failures = 0;
      this.schedule(this.options.flushIntervalMs);
    } catch (error) {
      this.failures += 1;
      const wait = Math.min(
        this.options.retryMs * 2 ** Math.min(this.failures - 1, 16),
        this.options.maxRetryMs,
      );
      this.logger.warn(
        `baseline write failed (attempt ${this.failures}), retrying in ${wait} ms with ` +
          `${this.pendingEvents} event(s) buffered: ${messageOf(error)}`,
      );
      this.schedule(wait);
    }
  }

  /** The snapshot with this identity's buffered deltas added; compacts them on the way. */
  private withBuffered(snapshot: BaselineSnapshot): BaselineSnapshot {
    const list = this.pending.get(snapshot.identityId);
    if (!list) return snapshot;
    const [merged] = mergeDeltas(list);
    this.pending.set(snapshot.identityId, [merged!]);
    return applyDelta(snapshot, merged!);
  }

  private async load(ids: string[], found: Map<string, Baseline>): Promise<void> {
    const batch = this.gate.shared(async () => {
      const snapshots = await this.store.load(ids);
      // Synchronous from here to the entries: no delta can be recorded in between.
      const loadedAt = this.now();
      const baselines = new Map<string, Baseline>();
      for (const id of ids) {
        const baseline = Baseline.fromSnapshot(this.withBuffered(snapshots.get(id)!));
        baselines.set(id, baseline);
        this.entries.set(id, { baseline, loadedAt });
      }
      return baselines;
    });
    for (const id of ids) {
      const one = batch.then((baselines) => baselines.get(id)!);
      one.catch(() => undefined);
      this.loading.set(id, one);
    }
    try {
      for (const [id, baseline] of await batch) found.set(id, baseline);
      this.evict();
    } finally {
      for (const id of ids) this.loading.delete(id);
    }
  }

  private evict(): void {
    const excess = this.entries.size - this.options.maxEntries;
    if (excess <= 0) return;
    let removed = 0;
    for (const id of this.entries.keys()) {
      if (removed++ >= excess) break;
      this.entries.delete(id);
    }
  }
}

/**
 * Shared holders (reads) run together; an exclusive holder (a write) runs alone. A waiting
 * exclusive holder goes before shared holders that arrive after it.
 */
class Gate {
  private readers = 0;
  private writer: Promise<void> | null = null;
  private drained: (() => void) | null = null;

  async shared<T>(work: () => Promise<T>): Promise<T> {
    while (this.writer) await this.writer;
    this.readers += 1;
    try {
      return await work();
    } finally {
      this.readers -= 1;
      if (this.readers === 0) this.drained?.();
    }
  }

  async exclusive<T>(work: () => Promise<T>): Promise<T> {
    while (this.writer) await this.writer;
    let release!: () => void;
    this.writer = new Promise<void>((resolve) => (release = resolve));
    try {
      if (this.readers > 0) await new Promise<void>((resolve) => (this.drained = resolve));
      this.drained = null;
      return await work();
    } finally {
      this.writer = null;
      release();
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
