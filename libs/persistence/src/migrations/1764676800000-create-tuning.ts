import { Table, TableColumn, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { SQL } from '../column-types';

/**
 * Feedback → tuning: verdict columns tuning reads (dimension, exclusion, the run that
 * consumed it), thresholds per identity kind, allowances in identity baselines, tuning
 * runs, and what-if replays.
 */
export class CreateTuning1764676800000 implements MigrationInterface {
  name = 'CreateTuning1764676800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumns('detector_feedback', [
      new TableColumn({ name: 'dimension', type: 'varchar', length: '64', isNullable: true }),
      new TableColumn({ name: 'excluded', type: 'boolean', default: SQL.false }),
      new TableColumn({
        name: 'exclusion_reason',
        type: 'varchar',
        length: '500',
        isNullable: true,
      }),
      new TableColumn({ name: 'tuning_run_id', type: 'varchar', length: '200', isNullable: true }),
    ]);

    await queryRunner.createTable(
      new Table({
        name: 'identity_kind_thresholds',
        columns: [
          { name: 'detector', type: 'varchar', length: '64', isPrimary: true },
          { name: 'identity_kind', type: 'varchar', length: '32', isPrimary: true },
          { name: 'threshold', type: 'double precision' },
          { name: 'updated_at', type: SQL.timestamp },
          { name: 'updated_by', type: 'varchar', length: '200' },
        ],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'baseline_allowances',
        columns: [
          { name: 'id', type: 'varchar', length: '100', isPrimary: true },
          { name: 'identity_id', type: 'varchar', length: '200' },
          { name: 'detector', type: 'varchar', length: '64' },
          { name: 'dimension', type: 'varchar', length: '64' },
          { name: 'value', type: 'varchar', length: '500' },
          { name: 'source', type: 'varchar', length: '32' },
          { name: 'case_id', type: 'varchar', length: '64', isNullable: true },
          { name: 'run_id', type: 'varchar', length: '200', isNullable: true },
          { name: 'reason', type: 'varchar', length: '1000' },
          { name: 'created_at', type: SQL.timestamp },
          { name: 'expires_at', type: SQL.timestamp },
          { name: 'ended_at', type: SQL.timestamp, isNullable: true },
          { name: 'end_reason', type: 'varchar', length: '16', isNullable: true },
        ],
      }),
    );
    await queryRunner.createIndex(
      'baseline_allowances',
      new TableIndex({ name: 'idx_baseline_allowances_identity', columnNames: ['identity_id'] }),
    );
    await queryRunner.createIndex(
      'baseline_allowances',
      new TableIndex({
        name: 'idx_baseline_allowances_active',
        columnNames: ['ended_at', 'expires_at'],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'tuning_runs',
        columns: [
          { name: 'id', type: 'varchar', length: '200', isPrimary: true },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'started_at', type: SQL.timestamp },
          { name: 'finished_at', type: SQL.timestamp },
          { name: 'record', type: SQL.json },
        ],
      }),
    );
    await queryRunner.createIndex(
      'tuning_runs',
      new TableIndex({ name: 'idx_tuning_runs_finished', columnNames: ['finished_at'] }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'tuning_replays',
        columns: [
          { name: 'id', type: 'varchar', length: '200', isPrimary: true },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'request', type: SQL.json },
          { name: 'progress', type: SQL.json },
          { name: 'result', type: SQL.json, isNullable: true },
          { name: 'error', type: 'varchar', length: '2000', isNullable: true },
          { name: 'requested_at', type: SQL.timestamp },
          { name: 'updated_at', type: SQL.timestamp },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('tuning_replays');
    await queryRunner.dropTable('tuning_runs');
    await queryRunner.dropTable('baseline_allowances');
    await queryRunner.dropTable('identity_kind_thresholds');
    for (const column of ['tuning_run_id', 'exclusion_reason', 'excluded', 'dimension']) {
      await queryRunner.dropColumn('detector_feedback', column);
    }
  }
}
