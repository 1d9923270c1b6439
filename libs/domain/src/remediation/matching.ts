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
 * The playbook that remediates `kind` on an identity of `identityKind` (null: unknown).
 * A playbook that names the identity kind beats one for any identity kind; among equals the
 * lowest id wins, so the choice never depends on the order of the list. Of several
 * versions of one id, only the highest is considered.
 */
export function matchPlaybook(
  playbooks: readonly Playbook[],
  kind: ExceptionKind | string,
  identityKind: string | null,
): Playbook | null {
  return mostSpecific(
    activePlaybooks(playbooks).filter((p) => (p.matches.kinds as readonly string[]).includes(kind)),
    identityKind,
  );
}

/**
 * The playbook that contains an identity of `identityKind` (one marked `containment`), by
 * the same rule as matchPlaybook: specific beats any, then the lowest id.
 */
export function containmentFor(
  playbooks: readonly Playbook[],
  identityKind: string | null,
): Playbook | null {
  return mostSpecific(
    activePlaybooks(playbooks).filter((p) => p.containment),
    identityKind,
  );
}

function mostSpecific(
  candidates: readonly Playbook[],
  identityKind: string | null,
): Playbook | null {
  let specific: Playbook | null = null;
  let general: Playbook | null = null;
  for (const playbook of candidates) {
    const kinds = playbook.matches.identityKinds as readonly string[];
    if (kinds.length === 0) {
      if (!general || compareIds(playbook.id, general.id) < 0) general = playbook;
    } else if (identityKind !== null && kinds.includes(identityKind)) {
      if (!specific || compareIds(playbook.id, specific.id) < 0) specific = playbook;
    }
  }
  return specific ?? general;
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

function rank(level: Severity): number {
  return SEVERITIES.indexOf(level);
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
