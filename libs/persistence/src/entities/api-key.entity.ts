import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { Role } from '@vigil/contracts';
import { TIMESTAMP } from '../column-types';

/** An API key: its id (the public part of the key), whom it names, its role, its secret's hash. */
@Entity({ name: 'api_keys' })
export class ApiKeyEntity {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  id!: string;

  /** The person (e-mail) or service the key belongs to: the actor of what it changes. */
  @Index('idx_api_keys_name')
  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  role!: Role;

  /** `scrypt$N$r$p$<salt>$<hash>`, both base64url; never the secret. */
  @Column({ name: 'secret_hash', type: 'varchar', length: 200 })
  secretHash!: string;

  @Column({ name: 'created_at', type: TIMESTAMP })
  createdAt!: Date;

  @Column({ name: 'created_by', type: 'varchar', length: 200 })
  createdBy!: string;

  @Column({ name: 'last_used_at', type: TIMESTAMP, nullable: true })
  lastUsedAt!: Date | null;

  @Column({ name: 'revoked_at', type: TIMESTAMP, nullable: true })
  revokedAt!: Date | null;

  @Column({ name: 'revoked_by', type: 'varchar', length: 200, nullable: true })
  revokedBy!: string | null;
}
