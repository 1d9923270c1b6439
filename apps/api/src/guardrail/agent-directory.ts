import { Injectable, Inject } from '@nestjs/common';
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
export class AgentDirectory {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<Entry>>();
  private generation = 0;

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
    if (age >= this.ttlMs / 2 && !this.loading.has(id)) {
      // A failed read leaves the entry to expire, and the next request reads it itself.
      this.load(id).catch(() => undefined);
    }
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

  private load(id: string): Promise<Entry> {
    const pending = this.loading.get(id);
    if (pending) return pending;
    const generation = this.generation;
    const loaded = this.read(id).then((entry) => {
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

  private async read(id: string): Promise<Entry> {
    const loadedAt = Date.now();
    const [identity, restrictions] = await Promise.all([
      this.identities.get(id),
      this.restrictions.list(id),
    ]);
    if (!identity) return { facts: null, loadedAt };
    const blockedTools = new Map<string, string>();
    for (const restriction of restrictions) {
      if (restriction.kind === 'tool' && !blockedTools.has(restriction.value)) {
        blockedTools.set(restriction.value, restriction.caseId);
      }
    }
    return { facts: { identity, blockedTools }, loadedAt };
  }
}
