import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { EventOutcome, EventSource } from '@vigil/contracts';
import { JSON_DOCUMENT, TIMESTAMP } from '../column-types';

/**
 * A raw ingested event, kept for case context and for replaying candidate thresholds. The
 * primary key is the event id: its uniqueness is what makes ingest idempotent. Column widths
 * match the limits ingest validation enforces. Rows older than the retention window (by
 * `ingested_at`) are deleted by the eventRetention workflow.
 */
@Entity({ name: 'events' })
@Index('idx_events_identity_time', ['identityId', 'time'])
@Index('idx_events_ingested_at', ['ingestedAt'])
export class EventEntity {
  @PrimaryColumn({ type: 'varchar', length: 200 })
  id!: string;

  @Column({ name: 'identity_id', type: 'varchar', length: 160 })
  identityId!: string;

  @Column({ type: TIMESTAMP })
  time!: Date;

  @Column({ type: 'varchar', length: 64 })
  type!: string;

  @Column({ type: 'varchar', length: 500, nullable: true })
  action!: string | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  resource!: string | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  scope!: string | null;

  @Column({ type: JSON_DOCUMENT })
  source!: EventSource;

  @Column({ type: 'varchar', length: 16, nullable: true })
  outcome!: EventOutcome | null;

  @Column({ type: JSON_DOCUMENT })
  attributes!: Record<string, unknown>;

  @Column({ name: 'ingested_at', type: TIMESTAMP })
  ingestedAt!: Date;
}
