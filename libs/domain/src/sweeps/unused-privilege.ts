import { DAY_MS, OVERFLOW_VALUE } from '../baseline/event-view';
import type { BaselineDimension, BaselineSnapshot } from '../baseline/types';
import { compileGlob, compilePolicy, policySensitivity } from '../detection/glob';
import { EVIDENCE_SAMPLE, isoTime, round } from '../detection/scoring';
import type { SweepFinding, SweepSettings, SweepSubject } from './types';

/** Which declared grants a sweep checks, and the baseline dimension their use shows in. */
const GRANTS: ReadonlyArray<{
  readonly field: 'allowedScopes' | 'allowedTools';
  readonly dimension: 'scope' | 'tool';
}> = [
  { field: 'allowedScopes', dimension: 'scope' },
  { field: 'allowedTools', dimension: 'tool' },
];

/**
 * Granted scopes and tools (declared allow patterns) that no event used for
 * `unusedPrivilegeDays`: least privilege says revoke them. A grant's last use is the latest
 * last-seen of the baseline values it matches; never used, it counts from the identity's
 * declaration. A dimension whose value list overflowed cannot prove a grant unused and is
 * skipped. The grant is the value: one case per grant, revoked or back in use ends it.
 */
export function unusedPrivilegeFindings(
  subject: SweepSubject,
  asOf: number,
  settings: SweepSettings,
): SweepFinding[] {
  const { identity, baseline } = subject;
  if (identity.status !== 'active') return [];
  const findings: SweepFinding[] = [];
  const policy = compilePolicy(identity.policy);
  const thresholdMs = settings.unusedPrivilegeDays * DAY_MS;
  for (const { field, dimension } of GRANTS) {
    const patterns = [...new Set(identity.policy[field])];
    if (patterns.length === 0 || overflowed(baseline, dimension)) continue;
    for (const pattern of patterns) {
      const use = lastUse(baseline, dimension, pattern);
      const since = use?.at ?? identity.createdAt;
      if (asOf - since < thresholdMs) continue;
      const unusedDays = (asOf - since) / DAY_MS;
      const beyond = (unusedDays - settings.unusedPrivilegeDays) / settings.unusedPrivilegeDays;
      const noun = dimension === 'scope' ? 'scope' : 'tool';
      findings.push({
        identityId: identity.id,
        kind: 'unused_privilege',
        score: 0.5 + (use === null ? 0.1 : 0) + 0.3 * Math.min(1, beyond),
        reason:
          use === null
            ? `${identity.id} holds the ${noun} grant "${pattern}" and has not used it in the ` +
              `${round(unusedDays, 1)} days since it was declared: revoke it (least privilege).`
            : `${identity.id} last used its ${noun} grant "${pattern}" ${round(unusedDays, 1)} ` +
              `days ago (${use.value}): revoke it unless a rare job still needs it.`,
        value: pattern,
        sensitivity: dimension === 'scope' ? policySensitivity(policy, pattern) : 'low',
        details: {
          dimension,
          grant: pattern,
          lastUsedAt: use === null ? null : isoTime(use.at),
          lastUsedValue: use?.value ?? null,
          usedValues: use?.values ?? [],
          declaredAt: isoTime(identity.createdAt),
          unusedDays: round(unusedDays, 1),
          thresholdDays: settings.unusedPrivilegeDays,
        },
      });
    }
  }
  return findings;
}

function overflowed(baseline: BaselineSnapshot, dimension: BaselineDimension): boolean {
  return baseline.values.some((v) => v.dimension === dimension && v.value === OVERFLOW_VALUE);
}

function lastUse(
  baseline: BaselineSnapshot,
  dimension: BaselineDimension,
  pattern: string,
): { at: number; value: string; values: string[] } | null {
  const matches = compileGlob(pattern);
  let latest: { at: number; value: string } | null = null;
  const values: string[] = [];
  for (const row of baseline.values) {
    if (row.dimension !== dimension || !matches(row.value)) continue;
    if (values.length < EVIDENCE_SAMPLE) values.push(row.value);
    if (latest === null || row.lastSeen > latest.at)
      latest = { at: row.lastSeen, value: row.value };
  }
  return latest === null ? null : { ...latest, values };
}
