import type { IdentityPolicy } from '../../../contracts/src/telemetry';
import { SENSITIVITIES, type Sensitivity } from '../../../contracts/src/vocabulary';

export type Matcher = (value: string) => boolean;

const REGEX_SPECIALS = /[.+?^${}()|[\]\\]/g;

/**
 * `*` matches any run of characters (including none, and including separators); every
 * other character matches itself. Plain names and single trailing stars, the usual
 * shapes, avoid a regular expression.
 */
export function compileGlob(pattern: string): Matcher {
  const star = pattern.indexOf('*');
  if (star === -1) return (value) => value === pattern;
  if (pattern === '*') return () => true;
  if (star === pattern.length - 1) {
    const prefix = pattern.slice(0, -1);
    return (value) => value.startsWith(prefix);
  }
  const source = pattern
    .split('*')
    .map((part) => part.replace(REGEX_SPECIALS, '\\$&'))
    .join('.*');
  const regex = new RegExp(`^${source}$`, 's');
  return (value) => regex.test(value);
}

export function compileGlobs(patterns: readonly string[]): Matcher {
  const matchers = patterns.map(compileGlob);
  if (matchers.length === 1) return matchers[0];
  return (value) => {
    for (const m of matchers) if (m(value)) return true;
    return false;
  };
}

export interface CompiledPolicy {
  /** Null when the policy declares no allowed scopes (then nothing violates). */
  readonly allowedScopes: Matcher | null;
  readonly allowedTools: Matcher | null;
  /** Most sensitive tier first. */
  readonly tiers: ReadonlyArray<{ readonly match: Matcher; readonly sensitivity: Sensitivity }>;
}

// Policies are immutable values shared by all events of an identity: compile each once.
const COMPILED = new WeakMap<IdentityPolicy, CompiledPolicy>();

export function compilePolicy(policy: IdentityPolicy): CompiledPolicy {
  let compiled = COMPILED.get(policy);
  if (compiled === undefined) {
    const rank = (s: Sensitivity): number => SENSITIVITIES.indexOf(s);
    compiled = {
      allowedScopes: policy.allowedScopes.length > 0 ? compileGlobs(policy.allowedScopes) : null,
      allowedTools: policy.allowedTools.length > 0 ? compileGlobs(policy.allowedTools) : null,
      tiers: (policy.resourceSensitivity ?? [])
        .map((tier) => ({ match: compileGlob(tier.pattern), sensitivity: tier.sensitivity }))
        .sort((a, b) => rank(b.sensitivity) - rank(a.sensitivity)),
    };
    COMPILED.set(policy, compiled);
  }
  return compiled;
}

/**
 * The sensitivity tier of a resource under an identity's policy: the highest tier whose
 * pattern matches (tiers may overlap; the order they are declared in does not matter),
 * 'low' when none does or there is no resource.
 */
export function resourceSensitivity(policy: IdentityPolicy, resource: string | null): Sensitivity {
  return policySensitivity(compilePolicy(policy), resource);
}

export function policySensitivity(policy: CompiledPolicy, resource: string | null): Sensitivity {
  if (resource === null) return 'low';
  for (const tier of policy.tiers) {
    if (tier.match(resource)) return tier.sensitivity;
  }
  return 'low';
}
