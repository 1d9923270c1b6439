import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { Criticality, IdentityKind, IdentityPolicy, IdentityStatus } from '@vigil/contracts';
import { JSON_DOCUMENT, TIMESTAMP } from '../column-types';

/** The identity inventory: what each NHI is, who owns it and what it declared it may do. */
@Entity({ name: 'identities' })
@Index('idx_identities_kind', ['kind'])
@Index('idx_identities_team', ['team'])
@Index('idx_identities_owner', ['owner'])
@Index('idx_identities_vendor', ['vendor'])
export class IdentityEntity {
  @PrimaryColumn({ type: 'varchar', length: 160 })
  id!: string;

  @Column({ type: 'varchar', length: 32 })
  kind!: IdentityKind;

  @Column({ type: 'varchar', length: 200, nullable: true })
  owner!: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  team!: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  vendor!: string | null;

  @Column({ type: 'varchar', length: 16 })
  criticality!: Criticality;

  @Column({ type: 'varchar', length: 200, nullable: true })
  environment!: string | null;

  @Column({ type: JSON_DOCUMENT })
  policy!: IdentityPolicy;

  @Column({ type: 'varchar', length: 16 })
  status!: IdentityStatus;

  /** Where the identity came from: first seen in telemetry rather than declared. Never reset. */
  @Column({ name: 'auto_registered', type: 'boolean' })
  autoRegistered!: boolean;

  @Column({ name: 'created_at', type: TIMESTAMP })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: TIMESTAMP })
  updatedAt!: Date;

  @Column({ name: 'updated_by', type: 'varchar', length: 200 })
  updatedBy!: string;
}
