import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { SQL } from '../column-types';

/**
 * The full case runbook's read model: risk, remediation, escalation and review on the case
 * row; time to acknowledge on the outcome; one feedback row per resolved case for tuning.
 */
export class CaseRunbook1764374400000 implements MigrationInterface {
  name = 'CaseRunbook1764374400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('cases', [
      new TableColumn({ name: 'risk', type: SQL.json, isNullable: true }),
      new TableColumn({ name: 'remediation', type: SQL.json, isNullable: true }),
      new TableColumn({ name: 'escalation', type: SQL.json, isNullable: true }),
      new TableColumn({ name: 'assignee', type: 'varchar', length: '200', isNullable: true }),
      new TableColumn({ name: 'deadline', type: SQL.timestamp, isNullable: true }),
      new TableColumn({ name: 'accepted_until', type: SQL.timestamp, isNullable: true }),
      new TableColumn({ name: 'review', type: SQL.json, isNullable: true }),
    ]);
    await queryRunner.createIndex(
      'cases',
      new TableIndex({ name: 'idx_cases_assignee', columnNames: ['assignee'] }),
    );
    await queryRunner.addColumns('case_outcomes', [
      new TableColumn({ name: 'acknowledged_at', type: SQL.timestamp, isNullable: true }),
      new TableColumn({ name: 'time_to_acknowledge_ms', type: 'bigint', isNullable: true }),
    ]);
    await queryRunner.createTable(
      new Table({
        name: 'detector_feedback',
        columns: [
          { name: 'case_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'detector', type: 'varchar', length: '64' },
          { name: 'identity_id', type: 'varchar', length: '200' },
          { name: 'identity_kind', type: 'varchar', length: '32', isNullable: true },
          { name: 'disposition', type: 'varchar', length: '32' },
          { name: 'resolution', type: 'varchar', length: '32' },
          { name: 'severity', type: 'varchar', length: '16' },
          { name: 'score', type: 'double precision', isNullable: true },
          { name: 'value', type: 'varchar', length: '500', isNullable: true },
          { name: 'reason', type: 'varchar', length: '4000' },
          { name: 'decided_by', type: 'varchar', length: '200' },
          { name: 'at', type: SQL.timestamp },
        ],
      }),
    );
    await queryRunner.createIndex(
      'detector_feedback',
      new TableIndex({ name: 'idx_detector_feedback_detector', columnNames: ['detector', 'at'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('detector_feedback');
    await queryRunner.dropColumn('case_outcomes', 'time_to_acknowledge_ms');
    await queryRunner.dropColumn('case_outcomes', 'acknowledged_at');
    await queryRunner.dropIndex('cases', 'idx_cases_assignee');
    for (const column of [
      'review',
      'accepted_until',
      'deadline',
      'assignee',
      'escalation',
      'remediation',
      'risk',
    ]) {
      await queryRunner.dropColumn('cases', column);
    }
  }
}
