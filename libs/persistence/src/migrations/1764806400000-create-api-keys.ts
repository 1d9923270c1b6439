import { Table, type MigrationInterface, type QueryRunner } from 'typeorm';
import { SQL } from '../column-types';

/** API keys: who may call the API, in which role. Only a hash of each secret is stored. */
export class CreateApiKeys1764806400000 implements MigrationInterface {
  name = 'CreateApiKeys1764806400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'api_keys',
        columns: [
          { name: 'id', type: 'varchar', length: '32', isPrimary: true },
          { name: 'name', type: 'varchar', length: '200' },
          { name: 'role', type: 'varchar', length: '16' },
          { name: 'secret_hash', type: 'varchar', length: '200' },
          { name: 'created_at', type: SQL.timestamp },
          { name: 'created_by', type: 'varchar', length: '200' },
          { name: 'last_used_at', type: SQL.timestamp, isNullable: true },
          { name: 'revoked_at', type: SQL.timestamp, isNullable: true },
          { name: 'revoked_by', type: 'varchar', length: '200', isNullable: true },
        ],
        indices: [{ name: 'idx_api_keys_name', columnNames: ['name'] }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('api_keys');
  }
}
