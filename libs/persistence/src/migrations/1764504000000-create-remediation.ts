import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { SQL } from '../column-types';

/**
 * Playbook versions, escalation policies, the restrictions remediation puts on identities,
 * and the internal connector's ledger of the steps it applied.
 */
export class CreateRemediation1764504000000 implements MigrationInterface {
  name = 'CreateRemediation1764504000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'playbooks',
        columns: [
          { name: 'id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'version', type: 'integer', isPrimary: true },
          { name: 'definition', type: SQL.json },
          { name: 'created_at', type: SQL.timestamp },
          { name: 'created_by', type: 'varchar', length: '200' },
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'escalation_policies',
        columns: [
          { name: 'severity', type: 'varchar', length: '16', isPrimary: true },
          { name: 'definition', type: SQL.json },
          { name: 'updated_at', type: SQL.timestamp },
          { name: 'updated_by', type: 'varchar', length: '200' },
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'identity_restrictions',
        columns: [
          { name: 'idempotency_key', type: 'varchar', length: '200', isPrimary: true },
          { name: 'identity_id', type: 'varchar', length: '160' },
          { name: 'kind', type: 'varchar', length: '16' },
          { name: 'value', type: 'varchar', length: '500' },
          { name: 'case_id', type: 'varchar', length: '64' },
          { name: 'created_at', type: SQL.timestamp },
        ],
      }),
    );
    await queryRunner.createIndex(
      'identity_restrictions',
      new TableIndex({
        name: 'idx_identity_restrictions_identity',
        columnNames: ['identity_id', 'kind'],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'remediation_actions',
        columns: [
          { name: 'idempotency_key', type: 'varchar', length: '200', isPrimary: true },
          { name: 'case_id', type: 'varchar', length: '64' },
          { name: 'step', type: 'varchar', length: '64' },
          { name: 'action', type: 'varchar', length: '32' },
          { name: 'connector', type: 'varchar', length: '16' },
          { name: 'identity_id', type: 'varchar', length: '160' },
          { name: 'phase', type: 'varchar', length: '16' },
          { name: 'status', type: 'varchar', length: '32' },
          { name: 'detail', type: SQL.json },
          { name: 'created_at', type: SQL.timestamp },
          { name: 'updated_at', type: SQL.timestamp },
        ],
      }),
    );
    await queryRunner.createIndex(
      'remediation_actions',
      new TableIndex({ name: 'idx_remediation_actions_case', columnNames: ['case_id'] }),
    );
    await queryRunner.createIndex(
      'remediation_actions',
      new TableIndex({ name: 'idx_remediation_actions_identity', columnNames: ['identity_id'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'remediation_actions',
      'identity_restrictions',
      'escalation_policies',
      'playbooks',
    ]) {
      await queryRunner.dropTable(table);
    }
  }
}
