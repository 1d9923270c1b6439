import type { DataSource } from 'typeorm';
import { DetectorThresholdEntity } from '../entities';
import { AuditLog } from './audit-log';
import { MultiRowInsert, writeTransaction } from './sql';

/** A threshold outside [0, 1], the range detector scores live in. */
export class InvalidThresholdError extends RangeError {
  readonly code = 'invalid_threshold';

  constructor(
    readonly detector: string,
    readonly threshold: number,
  ) {
    super(`threshold for ${detector} must be a number from 0 to 1, got ${threshold}`);
    this.name = 'InvalidThresholdError';
  }
}

/** Detector thresholds that differ from the detectors' built-in defaults. */
export class ThresholdStore {
  private readonly insert: MultiRowInsert<DetectorThresholdEntity>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.insert = new MultiRowInsert(dataSource, DetectorThresholdEntity, [
      'detector',
      'threshold',
      'updatedAt',
      'updatedBy',
    ]);
  }

  /** The stored overrides by detector; a detector without one uses its default. */
  async all(): Promise<Record<string, number>> {
    const rows = await this.dataSource.manager.find(DetectorThresholdEntity, {
      order: { detector: 'ASC' },
    });
    return Object.fromEntries(rows.map((row) => [row.detector, row.threshold]));
  }

  async set(detector: string, threshold: number, actor: string): Promise<void> {
    if (!Number.isFinite(threshold) || threshold < 0 || threshold > 1) {
      throw new InvalidThresholdError(detector, threshold);
    }
    const tail = this.insert.onConflict(
      ['detector'],
      (['threshold', 'updatedAt', 'updatedBy'] as const).map((p) => this.insert.replaced(p)),
    );
    const updatedAt = this.now();
    await writeTransaction(this.dataSource, async (manager) => {
      const before = await manager.findOneBy(DetectorThresholdEntity, { detector });
      await this.insert.run(manager, [{ detector, threshold, updatedAt, updatedBy: actor }], tail);
      await new AuditLog(this.dataSource).append(
        {
          actor,
          action: 'threshold.set',
          subjectType: 'detector',
          subjectId: detector,
          details: { threshold, previous: before?.threshold ?? null },
          at: updatedAt,
        },
        manager,
      );
    });
  }
}
