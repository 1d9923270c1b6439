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

  @Column({ type: 'varchar', length: 4000 })
  reason!: string;

  @Column({ name: 'decided_by', type: 'varchar', length: 200 })
  decidedBy!: string;

  @Column({ type: TIMESTAMP })
  at!: Date;
}
