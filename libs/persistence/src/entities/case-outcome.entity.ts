import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Disposition, Resolution } from '@vigil/contracts';
import { BIGINT_AS_NUMBER, TIMESTAMP } from '../column-types';

/** How a case ended: one row per case, the label later used to tune detectors. */
@Entity({ name: 'case_outcomes' })
export class CaseOutcomeEntity {
  @PrimaryColumn({ name: 'case_id', type: 'varchar', length: 64 })
  caseId!: string;

  @Column({ type: 'varchar', length: 32 })
  resolution!: Resolution;

  @Column({ type: 'varchar', length: 32 })
  disposition!: Disposition;

  @Column({ name: 'decided_by', type: 'varchar', length: 200 })
  decidedBy!: string;

  @Column({ type: 'integer' })
  occurrences!: number;

  @Column({ name: 'opened_at', type: TIMESTAMP })
  openedAt!: Date;

  @Column({ name: 'resolved_at', type: TIMESTAMP })
  resolvedAt!: Date;

  @Column({ name: 'time_to_resolve_ms', type: 'bigint', transformer: BIGINT_AS_NUMBER })
  timeToResolveMs!: number;

  @Column({ name: 'acknowledged_at', type: TIMESTAMP, nullable: true })
  acknowledgedAt!: Date | null;

  @Column({
    name: 'time_to_acknowledge_ms',
    type: 'bigint',
    nullable: true,
    transformer: BIGINT_AS_NUMBER,
  })
  timeToAcknowledgeMs!: number | null;

  @Column({ name: 'recorded_at', type: TIMESTAMP })
  recordedAt!: Date;
}
