import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { BaselineDimension, LifecycleKind } from '@vigil/domain';
import { BIGINT_AS_NUMBER, TIMESTAMP } from '../column-types';

/*
 * One identity's baseline is spread over several tables, each row keyed so that concurrent
 * ingesters only ever add to counts and widen first/last-seen ranges: every write commutes.
 */

/** Longest stored baseline value or rate-bucket action; longer ones are shortened with a hash. */
export const BASELINE_VALUE_LENGTH = 500;

/** Totals over all of an identity's events. */
@Entity({ name: 'baselines' })
export class BaselineEntity {
  @PrimaryColumn({ name: 'identity_id', type: 'varchar', length: 160 })
  identityId!: string;

  @Column({ name: 'event_count', type: 'bigint', transformer: BIGINT_AS_NUMBER })
  eventCount!: number;

  @Column({ name: 'first_event_at', type: TIMESTAMP, nullable: true })
  firstEventAt!: Date | null;

  @Column({ name: 'last_event_at', type: TIMESTAMP, nullable: true })
  lastEventAt!: Date | null;

  @Column({ name: 'updated_at', type: TIMESTAMP })
  updatedAt!: Date;
}

/** One bar of the hour-of-week histogram; a row per bar keeps concurrent adds commutative. */
@Entity({ name: 'baseline_hours' })
export class BaselineHourEntity {
  @PrimaryColumn({ name: 'identity_id', type: 'varchar', length: 160 })
  identityId!: string;

  /** 0..167, Monday 00:00 UTC first. */
  @PrimaryColumn({ type: 'integer' })
  hour!: number;

  @Column({ type: 'bigint', transformer: BIGINT_AS_NUMBER })
  count!: number;
}

/** A value first seen in one dimension of an identity's behaviour. */
@Entity({ name: 'baseline_values' })
export class BaselineValueEntity {
  @PrimaryColumn({ name: 'identity_id', type: 'varchar', length: 160 })
  identityId!: string;

  @PrimaryColumn({ type: 'varchar', length: 32 })
  dimension!: BaselineDimension;

  @PrimaryColumn({ type: 'varchar', length: BASELINE_VALUE_LENGTH })
  value!: string;

  @Column({ type: 'bigint', transformer: BIGINT_AS_NUMBER })
  count!: number;

  @Column({ name: 'first_seen', type: TIMESTAMP })
  firstSeen!: Date;

  @Column({ name: 'last_seen', type: TIMESTAMP })
  lastSeen!: Date;
}

/** Events per identity, action and hour: what rate statistics are computed from. */
@Entity({ name: 'baseline_rate_buckets' })
@Index('idx_baseline_rate_buckets_start', ['bucketStart'])
export class BaselineRateBucketEntity {
  @PrimaryColumn({ name: 'identity_id', type: 'varchar', length: 160 })
  identityId!: string;

  @PrimaryColumn({ type: 'varchar', length: BASELINE_VALUE_LENGTH })
  action!: string;

  @PrimaryColumn({ name: 'bucket_start', type: TIMESTAMP })
  bucketStart!: Date;

  @Column({ type: 'bigint', transformer: BIGINT_AS_NUMBER })
  count!: number;
}

/** A credential rotation or certificate renewal, whose spacing the baseline learns. */
@Entity({ name: 'baseline_lifecycle' })
export class BaselineLifecycleEntity {
  @PrimaryColumn({ name: 'identity_id', type: 'varchar', length: 160 })
  identityId!: string;

  @PrimaryColumn({ type: 'varchar', length: 16 })
  kind!: LifecycleKind;

  @PrimaryColumn({ type: TIMESTAMP })
  at!: Date;
}
