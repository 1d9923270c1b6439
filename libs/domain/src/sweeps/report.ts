import type { ExceptionReport } from '../../../contracts/src/case';
import type { Identity } from '../../../contracts/src/telemetry';
import { deviationFingerprint } from '../detection/fingerprint';
import { round } from '../detection/scoring';
import { identityBrief } from '../case/evidence';
import { severityOf } from '../detection/severity';
import type { SweepFinding } from './types';
import { SWEEP_META } from './types';

/**
 * The dedup key of a sweep finding: identity, kind and the finding's episode, built as the
 * event detectors build theirs, so a rotation overdue found by the sweep and by an event
 * joins one case.
 */
export function sweepFingerprint(finding: SweepFinding, asOf: number): string {
  return deviationFingerprint(finding.identityId, finding.kind, finding.value, asOf);
}

/**
 * The exception report of a finding, shaped like ingest's: the evidence names the detector
 * (here the sweep), its score and reason, the OWASP / NIST mapping, the finding's details,
 * the identity in brief, and who the case goes to. Severity is the documented product of
 * score, identity criticality and the tier of what it is about.
 */
export function sweepReport(
  finding: SweepFinding,
  identity: Identity,
  run: { readonly reportId: string; readonly asOf: number; readonly sweepRunId: string },
): ExceptionReport {
  const meta = SWEEP_META[finding.kind];
  const score = round(Math.min(1, Math.max(0, finding.score)), 3);
  return {
    reportId: run.reportId,
    identityId: finding.identityId,
    kind: finding.kind,
    severity: severityOf(score, identity.criticality, finding.sensitivity),
    fingerprint: sweepFingerprint(finding, run.asOf),
    reportedAt: new Date(run.asOf).toISOString(),
    evidence: {
      detector: finding.kind,
      source: 'sweep',
      sweepRunId: run.sweepRunId,
      sweptAt: new Date(run.asOf).toISOString(),
      reason: finding.reason,
      score,
      value: finding.value,
      owasp: meta.owasp,
      nist: meta.nist,
      details: finding.details,
      identity: { ...identityBrief(identity), status: identity.status },
      routeTo: identity.owner,
    },
  };
}
