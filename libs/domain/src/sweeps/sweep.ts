import type { SweepKind } from '../../../contracts/src/schedules';
import { certificateExpiringFinding } from './certificates';
import { rotationOverdueFinding } from './rotation';
import { telemetryGapFinding } from './telemetry-gap';
import type { SweepFinding, SweepSettings, SweepSubject } from './types';
import { unusedPrivilegeFindings } from './unused-privilege';

/**
 * The findings of a stateless sweep on one identity at `asOf`. The dormancy sweep also
 * reads and writes marks across runs, so it goes through dormancyStep instead.
 */
export function statelessFindings(
  sweep: Exclude<SweepKind, 'dormant_identity'>,
  subject: SweepSubject,
  asOf: number,
  settings: SweepSettings,
): SweepFinding[] {
  switch (sweep) {
    case 'rotation_overdue':
      return present(rotationOverdueFinding(subject, asOf));
    case 'certificate_expiring':
      return present(certificateExpiringFinding(subject, asOf, settings));
    case 'telemetry_gap':
      return present(telemetryGapFinding(subject, asOf, settings));
    case 'unused_privilege':
      return unusedPrivilegeFindings(subject, asOf, settings);
  }
}

function present(finding: SweepFinding | null): SweepFinding[] {
  return finding === null ? [] : [finding];
}
