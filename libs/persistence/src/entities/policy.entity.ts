import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TIMESTAMP } from '../column-types';

/**
 * One published version of the guardrail's Cedar policy set: the schema and the policies
 * together, since policies are only valid against the schema they were checked with.
 * Versions are never changed.
 */
@Entity({ name: 'policy_sets' })
export class PolicySetEntity {
  @PrimaryColumn({ type: 'integer' })
  version!: number;

  /** Cedar schema, in Cedar's human-readable schema syntax. */
  @Column({ type: 'text' })
  schema!: string;

  /** Cedar policies, in Cedar's policy syntax. */
  @Column({ type: 'text' })
  policies!: string;

  /** SHA-256 of schema and policies: tells a republished set from a new one. */
  @Column({ type: 'varchar', length: 64 })
  digest!: string;

  @Column({ type: 'varchar', length: 500 })
  comment!: string;

  @Column({ name: 'created_at', type: TIMESTAMP })
  createdAt!: Date;

  @Column({ name: 'created_by', type: 'varchar', length: 200 })
  createdBy!: string;
}

/**
 * Which policy set version the guardrail evaluates: one row, `slot = 'active'`. Moving it is
 * one UPDATE, so every reader sees the old version or the new one, never a mix.
 */
@Entity({ name: 'policy_activation' })
export class PolicyActivationEntity {
  @PrimaryColumn({ type: 'varchar', length: 16 })
  slot!: string;

  @Column({ type: 'integer' })
  version!: number;

  @Column({ name: 'activated_at', type: TIMESTAMP })
  activatedAt!: Date;

  @Column({ name: 'activated_by', type: 'varchar', length: 200 })
  activatedBy!: string;
}
