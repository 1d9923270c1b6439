import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { SQL } from '../column-types';

/** The guardrail's versioned Cedar policy sets and the pointer to the active one. */
export class CreatePolicies1764590400000 implements MigrationInterface {
  name = 'CreatePolicies1764590400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'policy_sets',
        columns: [
          { name: 'version', type: 'integer', isPrimary: true },
          { name: 'schema', type: 'text' },
          { name: 'policies', type: 'text' },
          { name: 'digest', type: 'varchar', length: '64' },
          { name: 'comment', type: 'varchar', length: '500' },
          { name: 'created_at', type: SQL.timestamp },
          { name: 'created_by', type: 'varchar', length: '200' },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'policy_activation',
        columns: [
          { name: 'slot', type: 'varchar', length: '16', isPrimary: true },
          { name: 'version', type: 'integer' },
          { name: 'activated_at', type: SQL.timestamp },
          { name: 'activated_by', type: 'varchar', length: '200' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('policy_activation');
    await queryRunner.dropTable('policy_sets');
  }
}
