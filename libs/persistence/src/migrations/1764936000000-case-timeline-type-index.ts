import { TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The metrics read escalations, decisions and remediation outcomes from the case timelines
 * by entry type; the index keeps those reads off a scan of every entry.
 */
export class CaseTimelineTypeIndex1764936000000 implements MigrationInterface {
  name = 'CaseTimelineTypeIndex1764936000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createIndex(
      'case_timeline',
      new TableIndex({ name: 'idx_case_timeline_type', columnNames: ['type', 'case_id', 'seq'] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('case_timeline', 'idx_case_timeline_type');
  }
}
