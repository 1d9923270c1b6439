import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { TimelineEntryType } from '@vigil/contracts';
import { JSON_DOCUMENT, TIMESTAMP } from '../column-types';

/** One line of a case's timeline; (caseId, seq) makes a retried write a no-op. */
@Entity({ name: 'case_timeline' })
@Index('idx_case_timeline_type', ['type', 'caseId', 'seq'])
export class TimelineEntryEntity {
  @PrimaryColumn({ name: 'case_id', type: 'varchar', length: 64 })
  caseId!: string;

  @PrimaryColumn({ type: 'integer' })
  seq!: number;

  @Column({ type: TIMESTAMP })
  at!: Date;

  @Column({ type: 'varchar', length: 32 })
  type!: TimelineEntryType;

  @Column({ type: 'varchar', length: 200 })
  actor!: string;

  @Column({ type: 'varchar', length: 500 })
  summary!: string;

  @Column({ type: JSON_DOCUMENT })
  detail!: Record<string, unknown>;
}
