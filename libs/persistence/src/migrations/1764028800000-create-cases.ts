import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { SQL } from '../column-types';

export class CreateCases1764028800000 implements MigrationInterface {
  name = 'CreateCases1764028800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'cases',
        columns: [
          { name: 'id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'workflow_id', type: 'varchar', length: '255' },
          { name: 'fingerprint', type: 'varchar', length: '200' },
          { name: 'identity_id', type: 'varchar', length: '200' },
          { name: 'kind', type: 'varchar', length: '64' },
          { name: 'severity', type: 'varchar', length: '16' },
          { name: 'status', type: 'varchar', length: '32' },
          { name: 'occurrences', type: 'integer' },
          { name: 'evidence', type: SQL.json },
          { name: 'context', type: SQL.json, isNullable: true },
          { name: 'resolution', type: 'varchar', length: '32', isNullable: true },
          { name: 'disposition', type: 'varchar', length: '32', isNullable: true },
          { name: 'decision', type: SQL.json, isNullable: true },
          { name: 'allowed_decisions', type: SQL.json },
          { name: 'opened_at', type: SQL.timestamp },
          { name: 'last_occurrence_at', type: SQL.timestamp },
          { name: 'resolved_at', type: SQL.timestamp, isNullable: true },
          { name: 'updated_at', type: SQL.timestamp },
          { name: 'revision', type: 'integer' },
        ],
      }),
    );
    for (const [name, columnNames] of [
      ['idx_cases_opened', ['opened_at', 'id']],
      ['idx_cases_workflow', ['workflow_id']],
      ['idx_cases_identity', ['identity_id']],
      ['idx_cases_status', ['status']],
    ] as const) {
      await queryRunner.createIndex(
        'cases',
        new TableIndex({ name, columnNames: [...columnNames] }),
      );
    }

    await queryRunner.createTable(
      new Table({
        name: 'case_timeline',
        columns: [
          { name: 'case_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'seq', type: 'integer', isPrimary: true },
          { name: 'at', type: SQL.timestamp },
          { name: 'type', type: 'varchar', length: '32' },
          { name: 'actor', type: 'varchar', length: '200' },
          { name: 'summary', type: 'varchar', length: '500' },
          { name: 'detail', type: SQL.json },
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'case_outcomes',
        columns: [
          { name: 'case_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'resolution', type: 'varchar', length: '32' },
          { name: 'disposition', type: 'varchar', length: '32' },
          { name: 'decided_by', type: 'varchar', length: '200' },
          { name: 'occurrences', type: 'integer' },
          { name: 'opened_at', type: SQL.timestamp },
          { name: 'resolved_at', type: SQL.timestamp },
          { name: 'time_to_resolve_ms', type: 'bigint' },
          { name: 'recorded_at', type: SQL.timestamp },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('case_outcomes');
    await queryRunner.dropTable('case_timeline');
    await queryRunner.dropTable('cases');
  }
}
