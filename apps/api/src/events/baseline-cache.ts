import { Baseline } from '@vigil/domain';
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
}

export const DEFAULT_BASELINE_CACHE: BaselineCacheOptions = { ttlMs: 60_000, maxEntries: 50_000 };

/**
 * Baselines in process memory, so a batch pays one database read for the identities it has
 * not seen lately. Concurrent misses for the same identities share one load.
 */
export class BaselineCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Baseline>>();

  constructor(
    private readonly store: BaselineStore,
    private readonly options: BaselineCacheOptions = DEFAULT_BASELINE_CACHE,
    private readonly now: () => number = Date.now,
  ) {}

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

  /** Drops identities whose in-memory baseline may hold events the database does not. */
  invalidate(ids: readonly string[]): void {
    for (const id of ids) this.entries.delete(id);
  }

  private async load(ids: string[], found: Map<string, Baseline>): Promise<void> {
    const batch = this.store
      .load(ids)
      .then(
        (snapshots) => new Map(ids.map((id) => [id, Baseline.fromSnapshot(snapshots.get(id)!)])),
      );
    for (const id of ids) {
      const one = batch.then((baselines) => baselines.get(id)!);
      one.catch(() => undefined);
      this.loading.set(id, one);
    }
    try {
      const baselines = await batch;
      const loadedAt = this.now();
      for (const [id, baseline] of baselines) {
        this.entries.set(id, { baseline, loadedAt });
        found.set(id, baseline);
      }
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
