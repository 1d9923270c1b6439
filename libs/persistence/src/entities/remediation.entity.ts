import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type {
  ConnectorKind,
  EscalationPolicy,
  Playbook,
  RemediationAction,
  Severity,
} from '@vigil/contracts';
import { JSON_DOCUMENT, TIMESTAMP } from '../column-types';

/** `<caseId>:<step>` and an optional round suffix: 64 + 1 + 64 characters and some room. */
export const IDEMPOTENCY_KEY_LENGTH = 200;
/** The longest scope or tool name a restriction holds. */
export const RESTRICTION_VALUE_LENGTH = 500;

/**
 * One version of a playbook. Versions are never changed; the highest version of an id is
 * the active one. A built-in playbook has no row until someone edits it.
 */
@Entity({ name: 'playbooks' })
export class PlaybookEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;

  @PrimaryColumn({ type: 'integer' })
  version!: number;

  @Column({ type: JSON_DOCUMENT })
  definition!: Playbook;

  @Column({ name: 'created_at', type: TIMESTAMP })
  createdAt!: Date;

  @Column({ name: 'created_by', type: 'varchar', length: 200 })
  createdBy!: string;
}

/** The escalation policy of a severity where it differs from the built-in default. */
@Entity({ name: 'escalation_policies' })
export class EscalationPolicyEntity {
  @PrimaryColumn({ type: 'varchar', length: 16 })
  severity!: Severity;

  @Column({ type: JSON_DOCUMENT })
  definition!: EscalationPolicy;

  @Column({ name: 'updated_at', type: TIMESTAMP })
  updatedAt!: Date;

  @Column({ name: 'updated_by', type: 'varchar', length: 200 })
  updatedBy!: string;
}

export type RestrictionKind = 'scope' | 'tool';

/**
 * A scope revoked from, or a tool blocked for, an identity by a case's remediation step.
 * A value is restricted while any row for it exists; each row
 * belongs to the step that created it, and undoing that step removes only its own row.
 */
@Entity({ name: 'identity_restrictions' })
@Index('idx_identity_restrictions_identity', ['identityId', 'kind'])
export class IdentityRestrictionEntity {
  /** The step's idempotency key: one restriction per step, however often it is retried. */
  @PrimaryColumn({ name: 'idempotency_key', type: 'varchar', length: IDEMPOTENCY_KEY_LENGTH })
  idempotencyKey!: string;

  @Column({ name: 'identity_id', type: 'varchar', length: 160 })
  identityId!: string;

  @Column({ type: 'varchar', length: 16 })
  kind!: RestrictionKind;

  @Column({ type: 'varchar', length: RESTRICTION_VALUE_LENGTH })
  value!: string;

  @Column({ name: 'case_id', type: 'varchar', length: 64 })
  caseId!: string;

  @Column({ name: 'created_at', type: TIMESTAMP })
  createdAt!: Date;
}

export type RemediationPhase = 'execute' | 'compensate';
/**
 * `applied`: the step took effect; `compensated`: it was undone; `not_applied`: it was
 * compensated before it ever ran, and will not run afterwards.
 */
export type RemediationActionStatus = 'applied' | 'compensated' | 'not_applied';

/**
 * The internal connector's ledger: one row per step idempotency key, written in the same
 * transaction as the step's effect, so the effect happens once however often the step is
 * retried, and its undo happens once too.
 */
@Entity({ name: 'remediation_actions' })
@Index('idx_remediation_actions_case', ['caseId'])
@Index('idx_remediation_actions_identity', ['identityId'])
export class RemediationActionEntity {
  @PrimaryColumn({ name: 'idempotency_key', type: 'varchar', length: IDEMPOTENCY_KEY_LENGTH })
  idempotencyKey!: string;

  @Column({ name: 'case_id', type: 'varchar', length: 64 })
  caseId!: string;

  @Column({ type: 'varchar', length: 64 })
  step!: string;

  @Column({ type: 'varchar', length: 32 })
  action!: RemediationAction;

  @Column({ type: 'varchar', length: 16 })
  connector!: ConnectorKind;

  @Column({ name: 'identity_id', type: 'varchar', length: 160 })
  identityId!: string;

  @Column({ type: 'varchar', length: 16 })
  phase!: RemediationPhase;

  @Column({ type: 'varchar', length: 32 })
  status!: RemediationActionStatus;

  /** What the step did (and, once compensated, what the undo did): enough to undo it. */
  @Column({ type: JSON_DOCUMENT })
  detail!: Record<string, unknown>;

  @Column({ name: 'created_at', type: TIMESTAMP })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: TIMESTAMP })
  updatedAt!: Date;
}
