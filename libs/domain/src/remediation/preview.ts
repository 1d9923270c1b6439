import type { Playbook, PlaybookPreview } from '../../../contracts/src/remediation';
import type { Identity } from '../../../contracts/src/telemetry';
import type { Severity } from '../../../contracts/src/vocabulary';
import { deviatingValue, withinCeiling } from './matching';
import { resolveSteps } from './templates';

/** What a dry run resolves a playbook against. */
export interface PreviewInput {
  /** The case, when there is one; a hypothetical exception has none. */
  readonly caseId?: string;
  /** null when the identity is not in the inventory. */
  readonly identity: Identity | null;
  /** The exception: whose it is and its evidence (`{{evidence.…}}`). */
  readonly report: {
    readonly identityId: string;
    readonly evidence: Readonly<Record<string, unknown>>;
  };
  /** The deviating value (`{{value}}`); by default the evidence's `value`. */
  readonly value?: string | null;
  readonly severity: Severity;
}

/**
 * What the playbook would do for this case, without doing it: every step resolved, and
 * whether the ceiling lets it run on its own. Throws PlaybookTemplateError like
 * resolveSteps when a step's parameter has no value for the case.
 */
export function previewPlaybook(playbook: Playbook, input: PreviewInput): PlaybookPreview {
  const ceiling = withinCeiling(playbook, input.severity, input.identity?.criticality ?? null);
  const requests = resolveSteps(playbook, {
    caseId: input.caseId ?? 'preview',
    identityId: input.report.identityId,
    value: input.value !== undefined ? input.value : deviatingValue(input.report.evidence),
    evidence: input.report.evidence,
    identity: input.identity,
  });
  return {
    playbookId: playbook.id,
    playbookVersion: playbook.version,
    automatic: ceiling.automatic,
    ceiling: ceiling.reason,
    steps: requests.map(({ caseId: _caseId, idempotencyKey: _key, ...request }, i) => ({
      ...request,
      verify: playbook.steps[i]!.verify,
      compensate: playbook.steps[i]!.compensate,
    })),
  };
}
