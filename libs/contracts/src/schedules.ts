import type { ExceptionKind } from './vocabulary';

/**
 * The scheduled side of Vigil: workflows that run on Temporal Schedules (one Schedule each)
 * rather than per exception. Their names are what the Temporal UI shows.
 */
export const BASELINE_TUNING_WORKFLOW = 'baselineTuning';
export const IDENTITY_SWEEP_WORKFLOW = 'identitySweep';
export const EVENT_RETENTION_WORKFLOW = 'eventRetention';
export const TUNING_REPLAY_WORKFLOW = 'tuningReplay';

/** Sweeps look at the whole inventory on a timer; each raises one exception kind. */
export const SWEEP_KINDS = [
  'rotation_overdue',
  'certificate_expiring',
  'telemetry_gap',
  'unused_privilege',
  'dormant_identity',
] as const satisfies readonly ExceptionKind[];
export type SweepKind = (typeof SWEEP_KINDS)[number];

/** Schedule ids: stable, so every worker start updates the same Schedules. */
export const SCHEDULE_IDS = {
  tuning: 'vigil-baseline-tuning',
  retention: 'vigil-event-retention',
  sweep: (kind: SweepKind): string => `vigil-sweep-${kind.replace(/_/g, '-')}`,
} as const;

export interface SweepInput {
  readonly sweep: SweepKind;
}

export interface EventRetentionInput {
  /** Events ingested longer ago than this are deleted. */
  readonly retentionDays: number;
}
