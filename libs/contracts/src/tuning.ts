import type { TelemetryEvent } from './telemetry';
import type { Disposition, ExceptionKind, IdentityKind } from './vocabulary';

/**
 * Feedback → tuning: what a baselineTuning run reads (labelled verdicts), what it changes
 * (thresholds, allowances) and what it records so it can be audited and reverted.
 */

export const TUNING_TRIGGERS = ['schedule', 'manual'] as const;
export type TuningTrigger = (typeof TUNING_TRIGGERS)[number];

export interface TuningRunInput {
  readonly trigger: TuningTrigger;
  /** Who asked for the run: `schedule`, or the actor of `POST /v1/tuning/runs`. */
  readonly requestedBy: string;
  /** Overrides TUNING_TARGET_PRECISION for this run. */
  readonly targetPrecision?: number;
}

/** Where an allowance came from. */
export const ALLOWANCE_SOURCES = ['benign_verdict', 'accepted_risk'] as const;
export type AllowanceSource = (typeof ALLOWANCE_SOURCES)[number];

/** Why an allowance stopped applying. */
export const ALLOWANCE_ENDINGS = ['expired', 'lapsed', 'reverted'] as const;
export type AllowanceEnding = (typeof ALLOWANCE_ENDINGS)[number];

/**
 * A scoped exemption in one identity's baseline: this detector's finding on this value of
 * this dimension is expected until `expiresAt`. Never global: another identity, another
 * value or another detector still raises.
 */
export interface Allowance {
  readonly id: string;
  readonly identityId: string;
  readonly detector: ExceptionKind;
  /** The baseline dimension the value lives in (`scope`, `tool`…), or the detector's kind. */
  readonly dimension: string;
  readonly value: string;
  readonly source: AllowanceSource;
  /** The case whose verdict or acceptance it comes from. */
  readonly caseId: string | null;
  /** The tuning run that added it (verdict allowances). */
  readonly runId: string | null;
  readonly reason: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly endedAt: string | null;
  readonly endReason: AllowanceEnding | null;
}

/** Verdict counts behind a threshold decision. */
export interface VerdictCounts {
  readonly truePositive: number;
  readonly falsePositive: number;
  readonly benignExpected: number;
  readonly undetermined: number;
}

/** One threshold a run moved (or considered and left, with the reason). */
export interface ThresholdChange {
  readonly detector: ExceptionKind;
  /** Null: the detector's threshold for every identity kind without its own. */
  readonly identityKind: IdentityKind | null;
  /**
   * Thresholds before and after. For an identity kind, null means it has no threshold of
   * its own and follows the detector's.
   */
  readonly before: number | null;
  readonly after: number | null;
  /** Confirmed share of the verdicts at or above the old threshold; null without verdicts. */
  readonly precision: number | null;
  readonly verdicts: VerdictCounts;
  readonly reason: string;
}

export const TUNING_RUN_STATUSES = ['applied', 'reverted'] as const;
export type TuningRunStatus = (typeof TUNING_RUN_STATUSES)[number];

export interface TuningRunInputs {
  readonly trigger: TuningTrigger;
  readonly requestedBy: string;
  readonly targetPrecision: number;
  /** Verdicts read (the window), of which new since the previous run, and excluded as bad data. */
  readonly verdicts: number;
  readonly newVerdicts: number;
  readonly excluded: number;
  readonly windowDays: number;
}

export interface TuningRevert {
  readonly at: string;
  readonly by: string;
  /** Thresholds put back to their value before the run (null: no override of its own). */
  readonly restored: ReadonlyArray<{
    readonly detector: ExceptionKind;
    readonly identityKind: IdentityKind | null;
    readonly threshold: number | null;
  }>;
  /** Thresholds left alone because they changed again after the run. */
  readonly skipped: ReadonlyArray<{
    readonly detector: ExceptionKind;
    readonly identityKind: IdentityKind | null;
    readonly reason: string;
  }>;
  readonly allowancesRemoved: number;
  readonly allowancesRestored: number;
}

/** The record of one baselineTuning run. */
export interface TuningRun {
  readonly id: string;
  readonly status: TuningRunStatus;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly inputs: TuningRunInputs;
  /** Every threshold that moved. */
  readonly thresholds: readonly ThresholdChange[];
  /** Detectors looked at and left alone, with why. */
  readonly unchanged: readonly ThresholdChange[];
  readonly allowancesAdded: readonly Allowance[];
  readonly allowancesExpired: readonly Allowance[];
  /** One line for people: what the run did and why. */
  readonly reason: string;
  readonly revert: TuningRevert | null;
}

/** A labelled verdict as tuning reads it. */
export interface Verdict {
  readonly caseId: string;
  readonly detector: ExceptionKind;
  readonly identityId: string;
  readonly identityKind: IdentityKind | null;
  readonly disposition: Disposition;
  readonly score: number | null;
  readonly dimension: string | null;
  readonly value: string | null;
  readonly at: string;
}

/** Candidate thresholds for a what-if replay: per detector, and per identity kind. */
export interface ThresholdSet {
  readonly global: Partial<Record<ExceptionKind, number>>;
  readonly byIdentityKind?: Partial<Record<IdentityKind, Partial<Record<ExceptionKind, number>>>>;
}

/** What a what-if replay is asked: a window of recorded events, or a supplied batch. */
export interface ReplayRequest {
  /** Window start and end (ISO); the end null means up to now. */
  readonly from: string | null;
  readonly to: string | null;
  /** A supplied batch instead of the window (replayed against the baselines as they are). */
  readonly events: readonly TelemetryEvent[] | null;
  readonly candidate: ThresholdSet;
  readonly requestedBy: string;
}

export interface ReplayProgress {
  readonly processed: number;
  readonly total: number;
  /** 0-100. */
  readonly percent: number;
  readonly eventsPerSecond: number;
  readonly phase: 'rewinding' | 'replaying' | 'done';
}

export interface ReplayDetectorCount {
  readonly detector: ExceptionKind;
  readonly current: number;
  readonly candidate: number;
  readonly difference: number;
}

/** A confirmed case of the window, and whether each threshold set raises it in the replay. */
export interface ReplayTruePositive {
  readonly caseId: string;
  readonly detector: ExceptionKind;
  readonly identityId: string;
  readonly value: string | null;
  readonly raisedByCurrent: boolean;
  readonly raisedByCandidate: boolean;
}

export interface ReplayResult {
  readonly events: number;
  readonly identities: number;
  readonly detectors: readonly ReplayDetectorCount[];
  readonly totals: { readonly current: number; readonly candidate: number };
  /** Confirmed cases the candidate set would not have raised (and the current set does). */
  readonly missedTruePositives: readonly ReplayTruePositive[];
  /** Every confirmed case of the window with what each set does with it. */
  readonly truePositives: readonly ReplayTruePositive[];
  readonly durationMs: number;
}

export const REPLAY_STATUSES = ['running', 'completed', 'failed'] as const;
export type ReplayStatus = (typeof REPLAY_STATUSES)[number];

export interface TuningReplay {
  readonly id: string;
  readonly status: ReplayStatus;
  readonly request: Omit<ReplayRequest, 'events'> & { readonly suppliedEvents: number };
  readonly progress: ReplayProgress;
  readonly result: ReplayResult | null;
  readonly error: string | null;
  readonly requestedAt: string;
  readonly updatedAt: string;
}

/** Activities of the tuning workflows (baselineTuning, tuningReplay). */
export interface TuningActivities {
  runBaselineTuning(
    input: TuningRunInput & { runId: string; startedAt: string },
  ): Promise<TuningRun>;
  runTuningReplay(input: { replayId: string }): Promise<ReplayResult>;
  failTuningReplay(input: { replayId: string; error: string }): Promise<void>;
}
