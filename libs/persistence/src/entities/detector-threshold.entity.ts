import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TIMESTAMP } from '../column-types';

/** A detector's threshold where it differs from the built-in default. */
@Entity({ name: 'detector_thresholds' })
export class DetectorThresholdEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  detector!: string;

  @Column({ type: 'double precision' })
  threshold!: number;

  @Column({ name: 'updated_at', type: TIMESTAMP })
  updatedAt!: Date;

  @Column({ name: 'updated_by', type: 'varchar', length: 200 })
  updatedBy!: string;
}
