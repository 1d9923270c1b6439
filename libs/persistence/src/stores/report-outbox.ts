import { LessThanOrEqual, type DataSource } from 'typeorm';
import type { ExceptionReport } from '@vigil/contracts';
import { PendingReportEntity } from '../entities';
import { writeTransaction } from './sql';

const MAX_ERROR_LENGTH = 500;
const FIRST_RETRY_MS = 5_000;
const LONGEST_RETRY_MS = 10 * 60_000;

/** Reports waiting for Temporal, delivered again with backoff until a case has them. */
export class ReportOutbox {
  constructor(
    private readonly dataSource: DataSource,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async add(reports: readonly ExceptionReport[], error: string): Promise<void> {
    if (reports.length === 0) return;
    const now = this.now();
    await writeTransaction(this.dataSource, (manager) =>
      manager
        .createQueryBuilder()
        .insert()
        .into(PendingReportEntity)
        .values(
          reports.map((report) => ({
            reportId: report.reportId,
            report: report as never,
            attempts: 1,
            lastError: error.slice(0, MAX_ERROR_LENGTH),
            createdAt: now,
            nextAttemptAt: new Date(now.getTime() + FIRST_RETRY_MS),
          })),
        )
        .orIgnore()
        .execute(),
    );
  }

  /** Reports whose next attempt is due, oldest first. */
  async due(limit: number): Promise<PendingReportEntity[]> {
    return this.dataSource.getRepository(PendingReportEntity).find({
      where: { nextAttemptAt: LessThanOrEqual(this.now()) },
      order: { nextAttemptAt: 'ASC' },
      take: limit,
    });
  }

  async delivered(reportId: string): Promise<void> {
    await writeTransaction(this.dataSource, (manager) =>
      manager.delete(PendingReportEntity, { reportId }),
    );
  }

  async failed(pending: PendingReportEntity, error: string): Promise<void> {
    const attempts = pending.attempts + 1;
    const wait = Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * 2 ** (attempts - 1));
    await writeTransaction(this.dataSource, (manager) =>
      manager.update(
        PendingReportEntity,
        { reportId: pending.reportId },
        {
          attempts,
          lastError: error.slice(0, MAX_ERROR_LENGTH),
          nextAttemptAt: new Date(this.now().getTime() + wait),
        },
      ),
    );
  }

  async count(): Promise<number> {
    return this.dataSource.getRepository(PendingReportEntity).count();
  }
}
