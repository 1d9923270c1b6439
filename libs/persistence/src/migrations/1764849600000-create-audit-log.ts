import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { SQL } from '../column-types';
import { AUDIT_CHAIN_SLOT, GENESIS_HASH } from '../audit/chain';

/** The append-only, hash-chained audit log and its chain head. */
export class CreateAuditLog1764849600000 implements MigrationInterface {
  name = 'CreateAuditLog1764849600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'audit_log',
        columns: [
          { name: 'seq', type: 'bigint', isPrimary: true },
          { name: 'at', type: SQL.timestamp },
          { name: 'actor', type: 'varchar', length: '200' },
          { name: 'action', type: 'varchar', length: '64' },
          { name: 'subject_type', type: 'varchar', length: '32' },
          { name: 'subject_id', type: 'varchar', length: '255' },
          { name: 'details', type: SQL.json },
          { name: 'idempotency_key', type: 'varchar', length: '300', isNullable: true },
          { name: 'prev_hash', type: 'varchar', length: '64' },
          { name: 'hash', type: 'varchar', length: '64' },
        ],
      }),
    );
    await queryRunner.createIndex(
      'audit_log',
      new TableIndex({ name: 'idx_audit_log_at', columnNames: ['at'] }),
    );
    await queryRunner.createIndex(
      'audit_log',
      new TableIndex({
        name: 'idx_audit_log_subject',
        columnNames: ['subject_type', 'subject_id'],
      }),
    );
    await queryRunner.createIndex(
      'audit_log',
      new TableIndex({
        name: 'uq_audit_log_key',
        columnNames: ['idempotency_key'],
        isUnique: true,
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'audit_head',
        columns: [
          { name: 'slot', type: 'varchar', length: '16', isPrimary: true },
          { name: 'seq', type: 'bigint' },
          { name: 'hash', type: 'varchar', length: '64' },
        ],
      }),
    );
    // Constants of the code, not input: written inline so one statement suits both databases.
    await queryRunner.query(
      `INSERT INTO audit_head (slot, seq, hash) VALUES ('${AUDIT_CHAIN_SLOT}', 0, '${GENESIS_HASH}')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('audit_head');
    await queryRunner.dropTable('audit_log');
  }
}
