import type { Deviation } from '../../../contracts/src/telemetry';
import type { Allowance, Verdict } from '../../../contracts/src/tuning';
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

/**
 * Allowances for new benign-expected verdicts: one per identity × detector × dimension ×
 * value, none for a case that already has one (an accepted risk adds its own at once).
 */
export function allowancesFromVerdicts(
  fresh: readonly Verdict[],
  casesWithAllowance: ReadonlySet<string>,
  runId: string,
  at: Date,
  days: number,
): Allowance[] {
  const scopes = new Set<string>();
  const out: Allowance[] = [];
  for (const v of fresh) {
    if (v.disposition !== 'benign_expected' || v.value === null) continue;
    if (casesWithAllowance.has(v.caseId)) continue;
    const dimension = v.dimension ?? v.detector;
    const scope = `${v.identityId}\u0000${v.detector}\u0000${dimension}\u0000${v.value}`;
    if (scopes.has(scope)) continue;
    scopes.add(scope);
    out.push({
      id: `verdict-${v.caseId}`,
      identityId: v.identityId,
      detector: v.detector,
      dimension,
      value: v.value.slice(0, 500),
      source: 'benign_verdict',
      caseId: v.caseId,
      runId,
      reason: `case ${v.caseId} judged benign-expected`,
      createdAt: at.toISOString(),
      expiresAt: new Date(at.getTime() + days * 86_400_000).toISOString(),
      endedAt: null,
      endReason: null,
    });
  }
  return out;
}

/** The rules detection checks, from stored allowances. */
export function allowanceRules(allowances: readonly Allowance[]): AllowanceRule[] {
  return allowances.map((a) => ({
    identityId: a.identityId,
    detector: a.detector,
    dimension: a.dimension,
    value: a.value,
    expiresAtMs: Date.parse(a.expiresAt),
  }));
}
