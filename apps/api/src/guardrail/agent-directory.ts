import { Injectable, Inject, type OnApplicationShutdown } from '@nestjs/common';
import { VIGIL_CONFIG, type VigilConfig } from '@vigil/config';
import type { AgentFacts } from '@vigil/domain';
import { IdentityStore, RestrictionStore } from '@vigil/persistence';

interface Entry {
  readonly facts: AgentFacts | null;
  readonly loadedAt: number;
}

/** Identities kept; the least recently loaded go first. */
const MAX_ENTRIES = 100_000;
/**
 * While the database fails, an entry this old at most is still served rather than no
 * answer at all: a block or suspension cannot be written to a failing database either.
 */
export const MAX_STALE_MS = 5 * 60_000;
/**
 * Identities due for a background read are gathered this long and read together (one
 * query for their records, one for their restrictions), not one by one.
 */
const REFRESH_GATHER_MS = 100;
/** Identities read in one background read at most. */
const REFRESH_BATCH = 500;

/**
 * What the guardrail knows about each identity (its inventory record and the tools
 * remediation blocked for it), cached in process so that an authorization reads the
 * database at most once per identity per TTL.
 *
 * Freshness bound: a suspension, retirement or tool block made by another process (the
 * worker's remediation, another API instance) takes effect here within the TTL
 * (AUTHORIZE_CACHE_TTL_MS, 2 s by default); one made through this process's identity API
 * takes effect at once, since that API invalidates the entry.
 */
@Injectable()
export class AgentDirectory implements OnApplicationShutdown {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry>>();
  private generation = 0;
  /** Identities waiting for the next background read. */
  private readonly due = new Set<string>();
  private refreshTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly identities: IdentityStore,
    private readonly restrictions: RestrictionStore,
    @Inject(VIGIL_CONFIG) config: VigilConfig,
  ) {
    this.ttlMs = config.authorize.cacheTtlMs;
  }

  private readonly ttlMs: number;

  /**
   * The cached facts when they are fresh, without waiting (undefined: call `get`). The
   * request path's common case: no promise, no timer. Past half its TTL an entry is read
   * again in the background, so an identity in steady use is not read in a request's path;
   * it is never served past its TTL.
   */
  fresh(id: string, now: number = Date.now()): AgentFacts | null | undefined {
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    const age = now - entry.loadedAt;
    if (age >= this.ttlMs) return undefined;
    if (age >= this.ttlMs / 2 && !this.loading.has(id)) this.refreshSoon(id);
    return entry.facts;
  }

  /** The identity's facts, or null when the inventory has no such identity. */
  async get(id: string, now: number = Date.now()): Promise<AgentFacts | null> {
    const entry = this.entries.get(id);
    if (entry && now - entry.loadedAt < this.ttlMs) return entry.facts;
    try {
      return (await this.load(id)).facts;
    } catch (error) {
      if (entry && now - entry.loadedAt < MAX_STALE_MS) return entry.facts;
      throw error;
    }
  }

  /** Forgets an identity, so the next authorization reads it again. */
  invalidate(id: string): void {
    this.entries.delete(id);
    this.loading.delete(id);
  }

  /** Forgets every identity (after a bulk import). */
  invalidateAll(): void {
    this.entries.clear();
    this.loading.clear();
    this.generation += 1;
  }

  /** Stops the background reads (on shutdown). */
  onApplicationShutdown(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    this.due.clear();
  }

  /** Has the identity read again with the others that come due shortly. */
  private refreshSoon(id: string): void {
    this.due.add(id);
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.refreshDue();
    }, REFRESH_GATHER_MS);
    this.refreshTimer.unref();
  }

  private refreshDue(): void {
    const ids = [...this.due].filter((id) => !this.loading.has(id)).slice(0, REFRESH_BATCH);
    for (const id of ids) this.due.delete(id);
    if (this.due.size > 0) this.refreshSoon(this.due.values().next().value as string);
    if (ids.length === 0) return;
    const read = this.readMany(ids);
    // A failed read leaves the entries to expire, and the next request reads it itself.
    for (const id of ids)
      this.track(
        id,
        read.then((entries) => entries.get(id)!),
      ).catch(() => undefined);
  }

  private load(id: string): Promise<Entry> {
    return (
      this.loading.get(id) ??
      this.track(
        id,
        this.readMany([id]).then((e) => e.get(id)!),
      )
    );
  }

  /** Keeps what `read` finds for the identity, unless it was invalidated meanwhile. */
  private track(id: string, read: Promise<Entry>): Promise<Entry> {
    const generation = this.generation;
    const loaded = read.then((entry) => {
      // An invalidation during the read makes this result possibly older than the write.
      if (this.loading.get(id) === loaded && this.generation === generation) {
        this.entries.delete(id);
        this.entries.set(id, entry);
        if (this.entries.size > MAX_ENTRIES) {
          this.entries.delete(this.entries.keys().next().value as string);
        }
      }
      return entry;
    });
    this.loading.set(id, loaded);
    void loaded
      .finally(() => {
        if (this.loading.get(id) === loaded) this.loading.delete(id);
      })
      .catch(() => undefined);
    return loaded;
  }

  private async readMany(ids: readonly string[]): Promise<Map<string, Entry>> {
    const loadedAt = Date.now();
    const [identities, restrictions] = await Promise.all([
      ids.length === 1
        ? this.identities.get(ids[0]!).then((one) => new Map(one ? [[ids[0]!, one]] : []))
        : this.identities.getMany(ids),
      this.restrictions.listMany(ids),
    ]);
    const entries = new Map<string, Entry>();
    for (const id of ids) {
      const identity = identities.get(id);
      if (!identity) {
        entries.set(id, { facts: null, loadedAt });
        continue;
      }
      const blockedTools = new Map<string, string>();
      for (const restriction of restrictions.get(id) ?? []) {
        if (restriction.kind === 'tool' && !blockedTools.has(restriction.value)) {
          blockedTools.set(restriction.value, restriction.caseId);
        }
      }
      entries.set(id, { facts: { identity, blockedTools }, loadedAt });
    }
    return entries;
  }
}
