import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TIMESTAMP } from '../column-types';

/**
 * An identity a sweep saw silent for the dormancy period. The baseline only knows an
 * identity's latest event, so once it acts again the silence is gone from it; this row is
 * what lets the next sweep recognise the activity as a dormant identity waking up.
 */
@Entity({ name: 'dormancy_marks' })
export class DormancyMarkEntity {
  @PrimaryColumn({ name: 'identity_id', type: 'varchar', length: 160 })
  identityId!: string;

  /** The identity's last event before it went quiet. */
  @Column({ name: 'last_event_at', type: TIMESTAMP })
  lastEventAt!: Date;

  @Column({ name: 'marked_at', type: TIMESTAMP })
  markedAt!: Date;
}
