import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { SQL } from '../column-types';

/** The identity inventory, the event ledger, per-identity baselines and detector thresholds. */
export class CreateDetection1764115200000 implements MigrationInterface {
  name = 'CreateDetection1764115200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'identities',
        columns: [
          { name: 'id', type: 'varchar', length: '160', isPrimary: true },
          { name: 'kind', type: 'varchar', length: '32' },
          { name: 'owner', type: 'varchar', length: '200', isNullable: true },
          { name: 'team', type: 'varchar', length: '200', isNullable: true },
          { name: 'vendor', type: 'varchar', length: '200', isNullable: true },
          { name: 'criticality', type: 'varchar', length: '16' },
          { name: 'environment', type: 'varchar', length: '200', isNullable: true },
          { name: 'policy', type: SQL.json },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'auto_registered', type: 'boolean' },
          { name: 'created_at', type: SQL.timestamp },
          { name: 'updated_at', type: SQL.timestamp },
          { name: 'updated_by', type: 'varchar', length: '200' },
        ],
      }),
    );
    for (const column of ['kind', 'team', 'owner', 'vendor']) {
      await queryRunner.createIndex(
        'identities',
        new TableIndex({ name: `idx_identities_${column}`, columnNames: [column] }),
      );
    }

    await queryRunner.createTable(
      new Table({
        name: 'events',
        columns: [
          { name: 'id', type: 'varchar', length: '200', isPrimary: true },
          { name: 'identity_id', type: 'varchar', length: '160' },
          { name: 'time', type: SQL.timestamp },
          { name: 'type', type: 'varchar', length: '64' },
          { name: 'action', type: 'varchar', length: '500', isNullable: true },
          { name: 'resource', type: 'varchar', length: '500', isNullable: true },
          { name: 'scope', type: 'varchar', length: '500', isNullable: true },
          { name: 'source', type: SQL.json },
          { name: 'outcome', type: 'varchar', length: '16', isNullable: true },
          { name: 'attributes', type: SQL.json },
          { name: 'ingested_at', type: SQL.timestamp },
        ],
      }),
    );
    await queryRunner.createIndex(
      'events',
      new TableIndex({ name: 'idx_events_identity_time', columnNames: ['identity_id', 'time'] }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'baselines',
        columns: [
          { name: 'identity_id', type: 'varchar', length: '160', isPrimary: true },
          { name: 'event_count', type: 'bigint' },
          { name: 'first_event_at', type: SQL.timestamp, isNullable: true },
          { name: 'last_event_at', type: SQL.timestamp, isNullable: true },
          { name: 'updated_at', type: SQL.timestamp },
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'baseline_hours',
        columns: [
          { name: 'identity_id', type: 'varchar', length: '160', isPrimary: true },
          { name: 'hour', type: 'integer', isPrimary: true },
          { name: 'count', type: 'bigint' },
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'baseline_values',
        columns: [
          { name: 'identity_id', type: 'varchar', length: '160', isPrimary: true },
          { name: 'dimension', type: 'varchar', length: '32', isPrimary: true },
          { name: 'value', type: 'varchar', length: '500', isPrimary: true },
          { name: 'count', type: 'bigint' },
          { name: 'first_seen', type: SQL.timestamp },
          { name: 'last_seen', type: SQL.timestamp },
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'baseline_rate_buckets',
        columns: [
          { name: 'identity_id', type: 'varchar', length: '160', isPrimary: true },
          { name: 'action', type: 'varchar', length: '500', isPrimary: true },
          { name: 'bucket_start', type: SQL.timestamp, isPrimary: true },
          { name: 'count', type: 'bigint' },
        ],
      }),
    );
    await queryRunner.createIndex(
      'baseline_rate_buckets',
      new TableIndex({ name: 'idx_baseline_rate_buckets_start', columnNames: ['bucket_start'] }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'baseline_lifecycle',
        columns: [
          { name: 'identity_id', type: 'varchar', length: '160', isPrimary: true },
          { name: 'kind', type: 'varchar', length: '16', isPrimary: true },
          { name: 'at', type: SQL.timestamp, isPrimary: true },
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'detector_thresholds',
        columns: [
          { name: 'detector', type: 'varchar', length: '64', isPrimary: true },
          { name: 'threshold', type: 'double precision' },
          { name: 'updated_at', type: SQL.timestamp },
          { name: 'updated_by', type: 'varchar', length: '200' },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'detector_thresholds',
      'baseline_lifecycle',
      'baseline_rate_buckets',
      'baseline_values',
      'baseline_hours',
      'baselines',
      'events',
      'identities',
    ]) {
      await queryRunner.dropTable(table);
    }
  }
}
