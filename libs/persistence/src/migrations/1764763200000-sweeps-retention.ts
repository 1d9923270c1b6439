import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { SQL } from '../column-types';

/**
 * Event retention deletes by ingestion time, so it needs an index on it; the dormancy sweep
 * remembers which identities it saw go quiet.
 */
export class SweepsRetention1764763200000 implements MigrationInterface {
  name = 'SweepsRetention1764763200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createIndex(
      'events',
      new TableIndex({ name: 'idx_events_ingested_at', columnNames: ['ingested_at'] }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'dormancy_marks',
        columns: [
          { name: 'identity_id', type: 'varchar', length: '160', isPrimary: true },
          { name: 'last_event_at', type: SQL.timestamp },
          { name: 'marked_at', type: SQL.timestamp },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('dormancy_marks');
    await queryRunner.dropIndex('events', 'idx_events_ingested_at');
  }
}
