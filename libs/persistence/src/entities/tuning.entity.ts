import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type {
  AllowanceEnding,
  AllowanceSource,
  ExceptionKind,
  ReplayProgress,
  ReplayRequest,
  ReplayResult,
  ReplayStatus,
  TuningRun,
  TuningRunStatus,
} from '@vigil/contracts';
import { JSON_DOCUMENT, TIMESTAMP } from '../column-types';

/** A detector's threshold for one identity kind, where tuning set it apart from the detector's. */
@Entity({ name: 'identity_kind_thresholds' })
export class IdentityKindThresholdEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  detector!: ExceptionKind;

  @PrimaryColumn({ name: 'identity_kind', type: 'varchar', length: 32 })
  identityKind!: string;

  @Column({ type: 'double precision' })
  threshold!: number;

  @Column({ name: 'updated_at', type: TIMESTAMP })
  updatedAt!: Date;

  @Column({ name: 'updated_by', type: 'varchar', length: 200 })
  updatedBy!: string;
}

export const ALLOWANCE_VALUE_LENGTH = 500;

/** A scoped allowance in one identity's baseline (see Allowance in contracts). */
@Entity({ name: 'baseline_allowances' })
@Index('idx_baseline_allowances_identity', ['identityId'])
@Index('idx_baseline_allowances_active', ['endedAt', 'expiresAt'])
export class BaselineAllowanceEntity {
  @PrimaryColumn({ type: 'varchar', length: 100 })
  id!: string;

  @Column({ name: 'identity_id', type: 'varchar', length: 200 })
  identityId!: string;

  @Column({ type: 'varchar', length: 64 })
  detector!: ExceptionKind;

  @Column({ type: 'varchar', length: 64 })
  dimension!: string;

  @Column({ type: 'varchar', length: ALLOWANCE_VALUE_LENGTH })
  value!: string;

  @Column({ type: 'varchar', length: 32 })
  source!: AllowanceSource;

  @Column({ name: 'case_id', type: 'varchar', length: 64, nullable: true })
  caseId!: string | null;

  @Column({ name: 'run_id', type: 'varchar', length: 200, nullable: true })
  runId!: string | null;

  @Column({ type: 'varchar', length: 1000 })
  reason!: string;

  @Column({ name: 'created_at', type: TIMESTAMP })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: TIMESTAMP })
  expiresAt!: Date;

  @Column({ name: 'ended_at', type: TIMESTAMP, nullable: true })
  endedAt!: Date | null;

  @Column({ name: 'end_reason', type: 'varchar', length: 16, nullable: true })
  endReason!: AllowanceEnding | null;
}

/** One baselineTuning run: the full record as a document, status and times as columns. */
@Entity({ name: 'tuning_runs' })
@Index('idx_tuning_runs_finished', ['finishedAt'])
export class TuningRunEntity {
  @PrimaryColumn({ type: 'varchar', length: 200 })
  id!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: TuningRunStatus;

  @Column({ name: 'started_at', type: TIMESTAMP })
  startedAt!: Date;

  @Column({ name: 'finished_at', type: TIMESTAMP })
  finishedAt!: Date;

  @Column({ type: JSON_DOCUMENT })
  record!: TuningRun;
}

/** A what-if replay: its request, its progress while it runs, and its result. */
@Entity({ name: 'tuning_replays' })
export class TuningReplayEntity {
  @PrimaryColumn({ type: 'varchar', length: 200 })
  id!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: ReplayStatus;

  @Column({ type: JSON_DOCUMENT })
  request!: ReplayRequest;

  @Column({ type: JSON_DOCUMENT })
  progress!: ReplayProgress;

  @Column({ type: JSON_DOCUMENT, nullable: true })
  result!: ReplayResult | null;

  @Column({ type: 'varchar', length: 2000, nullable: true })
  error!: string | null;

  @Column({ name: 'requested_at', type: TIMESTAMP })
  requestedAt!: Date;

  @Column({ name: 'updated_at', type: TIMESTAMP })
  updatedAt!: Date;
}
