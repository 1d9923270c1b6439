import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { Disposition, ExceptionKind, Resolution, Severity } from '@vigil/contracts';
import { TIMESTAMP } from '../column-types';

/** A labelled verdict on a detector's call: one per resolved case, read by tuning. */
@Entity({ name: 'detector_feedback' })
@Index('idx_detector_feedback_detector', ['detector', 'at'])
export class DetectorFeedbackEntity {
  @PrimaryColumn({ name: 'case_id', type: 'varchar', length: 64 })
  caseId!: string;

  @Column({ type: 'varchar', length: 64 })
  detector!: ExceptionKind;

  @Column({ name: 'identity_id', type: 'varchar', length: 200 })
  identityId!: string;

  @Column({ name: 'identity_kind', type: 'varchar', length: 32, nullable: true })
  identityKind!: string | null;

  @Column({ type: 'varchar', length: 32 })
  disposition!: Disposition;

  @Column({ type: 'varchar', length: 32 })
  resolution!: Resolution;

  @Column({ type: 'varchar', length: 16 })
  severity!: Severity;

  @Column({ type: 'double precision', nullable: true })
  score!: number | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  value!: string | null;

  /** The baseline dimension of `value`, or the detector's kind; allowances are scoped by it. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  dimension!: string | null;

  /** Left out of tuning: the false positive came from bad data, not from the detector. */
  @Column({ type: 'boolean', default: false })
  excluded!: boolean;

  @Column({ name: 'exclusion_reason', type: 'varchar', length: 500, nullable: true })
  exclusionReason!: string | null;

  /** The tuning run that first read this verdict. */
  @Column({ name: 'tuning_run_id', type: 'varchar', length: 200, nullable: true })
  tuningRunId!: string | null;

  @Column({ type: 'varchar', length: 4000 })
  reason!: string;

  @Column({ name: 'decided_by', type: 'varchar', length: 200 })
  decidedBy!: string;

  @Column({ type: TIMESTAMP })
  at!: Date;
}
