import type { Deviation } from '../../../contracts/src/telemetry';
import type { ExceptionKind } from '../../../contracts/src/vocabulary';

/**
 * Allowances: scoped exemptions in one identity's baseline, from a benign-expected verdict
 * or an accepted risk. An allowance names the detector, the dimension and the value it
 * exempts, and ends at its expiry; it never silences a detector, an identity or a value
 * wholesale.
 */

/** The dimension a deviation's value lives in: the baseline dimension, else the detector. */
export function deviationDimension(deviation: Pick<Deviation, 'kind' | 'evidence'>): string {
  const dimension = deviation.evidence.dimension;
  return typeof dimension === 'string' && dimension.length > 0 ? dimension : deviation.kind;
}

/** What detection needs of an allowance. */
export interface AllowanceRule {
  readonly identityId: string;
  readonly detector: ExceptionKind;
  readonly dimension: string;
  readonly value: string;
  /** Epoch ms; events at or after it are no longer exempt. */
  readonly expiresAtMs: number;
}

const NO_RULES: readonly AllowanceRule[] = Object.freeze([]);

/** Active allowances by identity, for the per-event check (one map lookup when none apply). */
export class AllowanceIndex {
  private readonly byIdentity = new Map<string, AllowanceRule[]>();

  constructor(rules: Iterable<AllowanceRule> = []) {
    for (const rule of rules) {
      const list = this.byIdentity.get(rule.identityId);
      if (list) list.push(rule);
      else this.byIdentity.set(rule.identityId, [rule]);
    }
  }

  get size(): number {
    let n = 0;
    for (const list of this.byIdentity.values()) n += list.length;
    return n;
  }

  rulesFor(identityId: string): readonly AllowanceRule[] {
    return this.byIdentity.get(identityId) ?? NO_RULES;
  }

  /** Whether an allowance of this identity exempts the deviation on an event at `timeMs`. */
  allows(identityId: string, deviation: Deviation, timeMs: number): boolean {
    const rules = this.byIdentity.get(identityId);
    if (rules === undefined) return false;
    let dimension: string | null = null;
    for (const rule of rules) {
      if (rule.detector !== deviation.kind || rule.value !== deviation.value) continue;
      if (timeMs >= rule.expiresAtMs) continue;
      dimension ??= deviationDimension(deviation);
      if (rule.dimension === dimension) return true;
    }
    return false;
  }
}

export const NO_ALLOWANCES = new AllowanceIndex();
