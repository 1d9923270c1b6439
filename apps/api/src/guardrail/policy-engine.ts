import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { PolicyStore, type PolicySetRecord } from '@vigil/persistence';
import { compilePolicySet, type CompiledPolicySet } from './cedar';
import { findExamplePolicies, readPolicyFolder } from './policy-files';

/** How often the active version is checked, for sets activated by another API instance. */
export const POLICY_REFRESH_MS = 5_000;
/** Recorded as the publisher of the example set loaded on first start. */
export const EXAMPLES_ACTOR = 'vigil:examples';

/** The policy set the guardrail evaluates now. */
export interface ActivePolicySet {
  readonly version: number;
  readonly compiled: CompiledPolicySet;
}

/**
 * Holds the active policy set, compiled once per version, for the guardrail to evaluate in
 * the request path without touching the database.
 *
 * Freshness: a set published or activated through this process is installed at once;
 * one activated through another instance is picked up by the next check, at most
 * POLICY_REFRESH_MS later. On an empty store the first check loads the example policies
 * from the repository's `policies/` folder as version 1 (idempotent across instances).
 *
 * Failure: a store that cannot be read leaves the loaded set in place, since the set is
 * still a valid decision basis; only a process that never loaded one has nothing to
 * evaluate, and the guardrail's fail mode answers (see GuardrailService).
 */
@Injectable()
export class PolicyEngine implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PolicyEngine.name);
  private current: ActivePolicySet | null = null;
  private refreshing: Promise<ActivePolicySet | null> | null = null;
  private timer: NodeJS.Timeout | undefined;
  private failure: string | null = null;

  constructor(
    private readonly store: PolicyStore,
    private readonly examples: string | null = findExamplePolicies(),
  ) {}

  onApplicationBootstrap(): void {
    // The first check may run before main.ts has migrated the database; a failure here only
    // means the next check (or the first request) loads the set.
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), POLICY_REFRESH_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** The set to evaluate, without waiting; null while none is loaded. */
  active(): ActivePolicySet | null {
    return this.current;
  }

  /** Why no set is loaded (the last load's error), for the fail mode's reason. */
  lastFailure(): string | null {
    return this.failure;
  }

  /** The active set, loading it if none is loaded yet; waits at most `timeoutMs`. */
  async ensure(timeoutMs: number): Promise<ActivePolicySet | null> {
    if (this.current) return this.current;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => {
        this.failure ??= `loading the policy set took longer than ${timeoutMs} ms`;
        resolve(null);
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.refresh(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Installs a set this process just published or activated, without waiting for a check. */
  install(set: PolicySetRecord, compiled: CompiledPolicySet): void {
    if (this.current && this.current.version === set.version) return;
    this.current = { version: set.version, compiled };
    this.failure = null;
    this.logger.log(`policy set v${set.version} is active`);
  }

  /** Compiles a stored version for evaluation (its own preparsed copy in the engine). */
  compile(set: PolicySetRecord): CompiledPolicySet {
    const result = compilePolicySet(set, engineIdOf(set));
    if (!result.ok) {
      throw new Error(
        `policy set v${set.version} does not compile: ` +
          result.diagnostics.map((d) => d.message).join('; '),
      );
    }
    return result.set;
  }

  /** Checks the active version now; one check at a time. */
  refresh(): Promise<ActivePolicySet | null> {
    this.refreshing ??= this.check().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async check(): Promise<ActivePolicySet | null> {
    try {
      let activation = await this.store.activation();
      if (!activation) {
        await this.seed();
        activation = await this.store.activation();
      }
      if (!activation) throw new Error('no policy set is active and no example set was found');
      if (this.current?.version === activation.version) return this.current;
      const set = await this.store.get(activation.version);
      if (!set) throw new Error(`active policy set v${activation.version} is missing`);
      this.install(set, this.compile(set));
      return this.current;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (this.failure !== message) {
        (this.current ? this.logger.warn : this.logger.error).call(
          this.logger,
          `policy set check failed${this.current ? ` (v${this.current.version} stays active)` : ''}: ${message}`,
        );
      }
      this.failure = this.current ? null : message;
      return this.current;
    }
  }

  private async seed(): Promise<void> {
    if (!this.examples) return;
    const source = readPolicyFolder(this.examples);
    if (!compilePolicySet(source, null).ok) {
      throw new Error(`the example policies in ${this.examples} do not validate`);
    }
    if (await this.store.seed(source, EXAMPLES_ACTOR)) {
      this.logger.log(`loaded the example policies from ${this.examples} as v1`);
    }
  }
}

/** Engine ids are per content, so a version compiled twice (two checks) is one entry. */
function engineIdOf(set: PolicySetRecord): string {
  return `v${set.version}-${set.digest.slice(0, 16)}`;
}
