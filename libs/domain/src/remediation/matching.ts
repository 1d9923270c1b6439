import type { Playbook } from '../../../contracts/src/remediation';
import {
  SEVERITIES,
  type Criticality,
  type ExceptionKind,
  type Severity,
} from '../../../contracts/src/vocabulary';

/**
 * The active version of each playbook: the highest version per id, in id order. Lists that
 * already hold one version per id come back unchanged (sorted).
 */
export function activePlaybooks(playbooks: readonly Playbook[]): Playbook[] {
  const latest = new Map<string, Playbook>();
  for (const playbook of playbooks) {
    const seen = latest.get(playbook.id);
    if (!seen || playbook.version > seen.version) latest.set(playbook.id, playbook);
  }
  return [...latest.values()].sort((a, b) => compareIds(a.id, b.id));
}

/**
 * The playbook that remediates `kind` on an identity of `identityKind` (null: unknown),
 * given the exception's `evidence`. A playbook that lists `matches.dimensions` matches only
 * when the deviating value's dimension (deviatingDimension) is one of them, and never when
 * that dimension is unknown. Among the matches, a playbook that names the identity kind
 * beats one for any identity kind; within each, one constrained to dimensions beats one
 * that is not; among equals the lowest id wins, so the choice never depends on the order of
 * the list. Of several versions of one id, only the highest is considered.
 */
export function matchPlaybook(
  playbooks: readonly Playbook[],
  kind: ExceptionKind | string,
  identityKind: string | null,
  evidence: Readonly<Record<string, unknown>> = {},
): Playbook | null {
  const dimension = deviatingDimension(kind, evidence);
  return mostSpecific(
    activePlaybooks(playbooks).filter(
      (p) => (p.matches.kinds as readonly string[]).includes(kind) && allowsDimension(p, dimension),
    ),
    identityKind,
    true,
  );
}

/** The dimension of the deviating value that each of these kinds is about. */
const KIND_DIMENSIONS: ReadonlyMap<string, string> = new Map<ExceptionKind, string>([
  ['novel_scope', 'scope'],
  ['novel_tool', 'tool'],
  ['novel_resource', 'resource'],
  ['privilege_elevation', 'scope'],
]);

/**
 * What the deviating value of an exception is (`scope`, `tool`, `resource`, `decision`, …),
 * or null when neither the kind nor the evidence says. A policy_violation names it in
 * `violation` (`evidence.details.violation`, else `evidence.violation`); novel_scope,
 * novel_tool, novel_resource and privilege_elevation are about a scope, a tool, a resource
 * and a scope; otherwise `evidence.details.dimension`, else `evidence.dimension`.
 */
export function deviatingDimension(
  kind: ExceptionKind | string,
  evidence: Readonly<Record<string, unknown>>,
): string | null {
  const details = isObject(evidence.details) ? evidence.details : {};
  if (kind === 'policy_violation') {
    const violation = nonEmptyString(details.violation) ?? nonEmptyString(evidence.violation);
    if (violation !== null) return violation;
  }
  const fixed = KIND_DIMENSIONS.get(kind);
  if (fixed !== undefined) return fixed;
  return nonEmptyString(details.dimension) ?? nonEmptyString(evidence.dimension);
}

/**
 * The playbook that contains an identity of `identityKind` (one marked `containment`): one
 * that names the identity kind beats one for any identity kind, then the lowest id. Its
 * `matches.dimensions` play no part here.
 */
export function containmentFor(
  playbooks: readonly Playbook[],
  identityKind: string | null,
): Playbook | null {
  return mostSpecific(
    activePlaybooks(playbooks).filter((p) => p.containment),
    identityKind,
    false,
  );
}

/**
 * The most specific candidate for the identity kind: naming it beats any identity kind; then,
 * when `byDimensions`, being constrained to dimensions beats not; then the lowest id.
 */
function mostSpecific(
  candidates: readonly Playbook[],
  identityKind: string | null,
  byDimensions: boolean,
): Playbook | null {
  let best: Playbook | null = null;
  let bestSpecificity = -1;
  for (const playbook of candidates) {
    const kinds = playbook.matches.identityKinds as readonly string[];
    let specificity: number;
    if (kinds.length === 0) specificity = 0;
    else if (identityKind !== null && kinds.includes(identityKind)) specificity = 2;
    else continue;
    if (byDimensions && constrainedToDimensions(playbook)) specificity += 1;
    if (
      best === null ||
      specificity > bestSpecificity ||
      (specificity === bestSpecificity && compareIds(playbook.id, best.id) < 0)
    ) {
      best = playbook;
      bestSpecificity = specificity;
    }
  }
  return best;
}

function constrainedToDimensions(playbook: Playbook): boolean {
  return (playbook.matches.dimensions?.length ?? 0) > 0;
}

/** Unconstrained playbooks allow any dimension, an unknown one included; others only theirs. */
function allowsDimension(playbook: Playbook, dimension: string | null): boolean {
  const dimensions = playbook.matches.dimensions ?? [];
  return dimensions.length === 0 || (dimension !== null && dimensions.includes(dimension));
}

/** Whether the playbook may run without a human for this case, and why (not). */
export interface CeilingVerdict {
  readonly automatic: boolean;
  readonly reason: string;
}

/**
 * The playbook's auto-remediation ceiling against the case: automatic only when the case's
 * severity and the identity's criticality are both at or below the ceiling. An identity
 * whose criticality is unknown (not in the inventory) is never remediated automatically.
 */
export function withinCeiling(
  playbook: Playbook,
  severity: Severity,
  criticality: Criticality | null,
): CeilingVerdict {
  const ceiling = playbook.autoCeiling;
  if (ceiling === null) {
    return {
      automatic: false,
      reason: `playbook ${playbook.id} never runs on its own; it needs an analyst's approval`,
    };
  }
  const limit = `severity up to ${ceiling.maxSeverity}, criticality up to ${ceiling.maxCriticality}`;
  if (rank(severity) > rank(ceiling.maxSeverity)) {
    return {
      automatic: false,
      reason: `severity ${severity} is above the ceiling of playbook ${playbook.id} (${limit})`,
    };
  }
  if (criticality === null) {
    return {
      automatic: false,
      reason: `the identity's criticality is unknown; playbook ${playbook.id} runs on its own only for ${limit}`,
    };
  }
  if (rank(criticality) > rank(ceiling.maxCriticality)) {
    return {
      automatic: false,
      reason: `identity criticality ${criticality} is above the ceiling of playbook ${playbook.id} (${limit})`,
    };
  }
  return {
    automatic: true,
    reason: `severity ${severity} and criticality ${criticality} are within the ceiling of playbook ${playbook.id} (${limit})`,
  };
}

/** The deviating value a detector put in a case's evidence (`evidence.value`), if any. */
export function deviatingValue(evidence: Readonly<Record<string, unknown>>): string | null {
  const value = evidence.value;
  return typeof value === 'string' && value !== '' ? value : null;
}

function nonEmptyString(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function rank(level: Severity): number {
  return SEVERITIES.indexOf(level);
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
