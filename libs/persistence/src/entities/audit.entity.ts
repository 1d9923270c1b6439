import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { BIGINT_AS_NUMBER, JSON_DOCUMENT, TIMESTAMP } from '../column-types';

/**
 * One row of the append-only audit log: a state change, who made it, on what, and the link
 * to the row before it. `hash` is SHA-256 over the row's canonical serialisation including
 * `prevHash`, so editing, removing or reordering rows breaks the chain.
 */
@Entity({ name: 'audit_log' })
@Index('idx_audit_log_subject', ['subjectType', 'subjectId'])
export class AuditLogEntity {
  /** 1-based and gapless: the chain head is locked while a row is appended. */
  @PrimaryColumn({ type: 'bigint', transformer: BIGINT_AS_NUMBER })
  seq!: number;

  @Index('idx_audit_log_at')
  @Column({ type: TIMESTAMP })
  at!: Date;

  @Column({ type: 'varchar', length: 200 })
  actor!: string;

  /** Dotted, stable vocabulary: `case.opened`, `policy.activated`, `key.revoked`… */
  @Column({ type: 'varchar', length: 64 })
  action!: string;

  @Column({ name: 'subject_type', type: 'varchar', length: 32 })
  subjectType!: string;

  @Column({ name: 'subject_id', type: 'varchar', length: 255 })
  subjectId!: string;

  @Column({ type: JSON_DOCUMENT })
  details!: Record<string, unknown>;

  /** The recorded change's own idempotency key: a retried write does not append twice. */
  @Index('uq_audit_log_key', { unique: true })
  @Column({ name: 'idempotency_key', type: 'varchar', length: 300, nullable: true })
  idempotencyKey!: string | null;

  @Column({ name: 'prev_hash', type: 'varchar', length: 64 })
  prevHash!: string;

  @Column({ type: 'varchar', length: 64 })
  hash!: string;
}

/**
 * The chain head: one row, `slot = 'chain'`, holding the last row's seq and hash. Appenders
 * lock it, which serialises them across processes; verification compares the walked chain's
 * end with it, so removing the newest rows is detected too.
 */
@Entity({ name: 'audit_head' })
export class AuditHeadEntity {
  @PrimaryColumn({ type: 'varchar', length: 16 })
  slot!: string;

  @Column({ type: 'bigint', transformer: BIGINT_AS_NUMBER })
  seq!: number;

  @Column({ type: 'varchar', length: 64 })
  hash!: string;
}
