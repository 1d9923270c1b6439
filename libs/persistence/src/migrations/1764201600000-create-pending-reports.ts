import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { SQL } from '../column-types';

export class CreatePendingReports1764201600000 implements MigrationInterface {
  name = 'CreatePendingReports1764201600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'pending_reports',
        columns: [
          { name: 'report_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'report', type: SQL.json },
          { name: 'attempts', type: 'integer' },
          { name: 'last_error', type: 'varchar', length: '500', isNullable: true },
          { name: 'created_at', type: SQL.timestamp },
          { name: 'next_attempt_at', type: SQL.timestamp },
        ],
      }),
    );
    await queryRunner.createIndex(
      'pending_reports',
      new TableIndex({ name: 'idx_pending_reports_due', columnNames: ['next_attempt_at'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('pending_reports');
  }
}
