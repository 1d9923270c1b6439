import type { AuthorizeRequest } from '@vigil/contracts';
import {
  agentSlice,
  decisionContext,
  LruMap,
  type AgentFacts,
  type CedarValue,
  type PolicyReads,
} from '@vigil/domain';

/** Decisions kept; the least recently used go first. */
export const MAX_DECISIONS = 20_000;

/**
 * Cedar's decisions, remembered by everything Cedar is given: the policy set (its engine
 * id, which names the version and its content), the principal entity as the set sees it,
 * the action, the tool and the context (which carries the declaration and remediation facts
 * and the target). Cedar is deterministic, so a remembered decision is the one Cedar would
 * give again; a changed identity or restriction, or another active set, makes another key.
 * A context value the policies only compare with literals counts by its place among them
 * (see `decisionContext`): values in one place get the same answer from Cedar.
 *
 * Freshness is the identity cache's: facts are read again after AUTHORIZE_CACHE_TTL_MS (or
 * at once after a change through this process), and new facts make new keys. The decisions
 * of a set are dropped when another set becomes active.
 */
export class DecisionCache<V> {
  private readonly entries: LruMap<string, V>;
  private engineId: string | null = null;
  hits = 0;
  misses = 0;

  constructor(capacity: number = MAX_DECISIONS) {
    this.entries = new LruMap(capacity);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The key of a request to a preparsed set, or null when the set is not preparsed. */
  keyOf(
    engineId: string | null,
    reads: PolicyReads,
    facts: AgentFacts,
    request: Pick<AuthorizeRequest, 'tool' | 'action'>,
    context: Readonly<Record<string, CedarValue>>,
  ): string | null {
    if (engineId === null) return null;
    if (engineId !== this.engineId) {
      this.entries.clear();
      this.engineId = engineId;
    }
    return (
      `${agentSlice(facts.identity, reads).json}\u0000${request.action}\u0000` +
      `${request.tool}\u0000${JSON.stringify(decisionContext(context, reads))}`
    );
  }

  get(key: string): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) {
      this.misses += 1;
      return undefined;
    }
    this.hits += 1;
    return value;
  }

  set(key: string, value: V): void {
    this.entries.set(key, value);
  }

  /** Forgets every decision. */
  clear(): void {
    this.entries.clear();
  }
}
