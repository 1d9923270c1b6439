import type { SweepKind } from '../../../contracts/src/schedules';
import type { Identity, OwaspNhiCategory } from '../../../contracts/src/telemetry';
import type { Sensitivity } from '../../../contracts/src/vocabulary';
import type { BaselineSnapshot } from '../baseline/types';
import { DETECTOR_META, type DetectorMeta } from '../detection/scoring';

/** One identity as a sweep sees it: its declaration, when it was declared, its baseline. */
export interface SweepSubject {
  readonly identity: Identity & {
    /** Epoch ms the inventory first recorded the identity. */
    readonly createdAt: number;
    /** Epoch ms of its latest declaration (a status change is one). */
    readonly updatedAt: number;
  };
  readonly baseline: BaselineSnapshot;
}

/** What a sweep found on one identity; the report to its case is built from this. */
export interface SweepFinding {
  readonly identityId: string;
  readonly kind: SweepKind;
  /** In [0, 1], like a detector's score; with the identity's criticality, the severity. */
  readonly score: number;
  readonly reason: string;
  /**
   * What makes this finding one episode of the problem (a reference date, a grant, the last
   * event before a silence): part of the fingerprint, so a re-run of the sweep joins the
   * open case and a recurrence after it closed is a new one.
   */
  readonly value: string;
  /** Tier of what the finding is about (a granted scope); `low` when nothing is tiered. */
  readonly sensitivity: Sensitivity;
  /** What an analyst needs to act, under the report's `details`. */
  readonly details: Readonly<Record<string, unknown>>;
}

/**
 * OWASP NHI Top 10 (2025) and NIST CSF 2.0 for what each sweep finds. A silent identity is
 * often one decommissioned without being offboarded, or one whose logging broke (DE.CM-03:
 * technology usage monitored); a dormant one waking up is the classic improper offboarding.
 */
export const SWEEP_META: Readonly<Record<SweepKind, DetectorMeta>> = {
  rotation_overdue: DETECTOR_META.rotation_overdue,
  certificate_expiring: { owasp: 'NHI7', nist: 'PR.AA-01' },
  telemetry_gap: { owasp: 'NHI1' satisfies OwaspNhiCategory, nist: 'DE.CM-03' },
  unused_privilege: { owasp: 'NHI5', nist: 'PR.AA-05' },
  dormant_identity: { owasp: 'NHI1', nist: 'DE.CM-03' },
};

/** The thresholds of the sweeps; the defaults are documented in the README. */
export interface SweepSettings {
  /** A granted scope or tool unused this long is reported. */
  readonly unusedPrivilegeDays: number;
  /** An identity silent this long is dormant; activity after it is reported. */
  readonly dormancyDays: number;
  /** Telemetry gap: never for a silence shorter than this… */
  readonly gapMinSilenceHours: number;
  /** …nor shorter than this multiple of the identity's longest usual silence… */
  readonly gapCadenceFactor: number;
  /** …and only for identities with this many active hours in their baseline window… */
  readonly gapMinActiveHours: number;
  /** …spread over at least this many days. */
  readonly gapMinHistoryDays: number;
  /** A certificate's renewal window: a third of its validity, at most this many days. */
  readonly certificateRenewBeforeMaxDays: number;
  /**
   * After a case of a finding resolves, the same finding (same episode) is not reported
   * again for this long: a rotation just requested is not observed yet, an analyst's
   * verdict on a silence holds for a while.
   */
  readonly quietDays: number;
}

export const DEFAULT_SWEEP_SETTINGS: SweepSettings = {
  unusedPrivilegeDays: 30,
  dormancyDays: 30,
  gapMinSilenceHours: 6,
  gapCadenceFactor: 1.5,
  gapMinActiveHours: 24,
  gapMinHistoryDays: 3,
  certificateRenewBeforeMaxDays: 30,
  quietDays: 7,
};
