import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { ExceptionReport } from '@vigil/contracts';
import { JSON_DOCUMENT, TIMESTAMP } from '../column-types';

/**
 * An exception report Temporal could not take when it was raised. Its events are already
 * absorbed, so the report waits here and is delivered again until a case has it.
 */
@Entity({ name: 'pending_reports' })
@Index('idx_pending_reports_due', ['nextAttemptAt'])
export class PendingReportEntity {
  @PrimaryColumn({ name: 'report_id', type: 'varchar', length: 64 })
  reportId!: string;

  @Column({ type: JSON_DOCUMENT })
  report!: ExceptionReport;

  @Column({ type: 'integer' })
  attempts!: number;

  @Column({ name: 'last_error', type: 'varchar', length: 500, nullable: true })
  lastError!: string | null;

  @Column({ name: 'created_at', type: TIMESTAMP })
  createdAt!: Date;

  @Column({ name: 'next_attempt_at', type: TIMESTAMP })
  nextAttemptAt!: Date;
}
