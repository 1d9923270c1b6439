import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Client } from '@temporalio/client';
import { caseWorkflowId, type ExceptionReport } from '@vigil/contracts';
import { VIGIL_CONFIG, type VigilConfig } from '@vigil/config';
import { ReportOutbox } from '@vigil/persistence';
import { RunCases, reportToCase } from '@vigil/temporal';
import { TEMPORAL_CLIENT } from '../temporal/temporal.module';
import { asUnavailable } from '../temporal/temporal-errors';

/** Where a report went: its case, or the outbox while Temporal is unavailable. */
export interface ReportOutcome {
  readonly caseId: string | null;
  readonly workflowId: string;
  readonly deduplicated: boolean;
  readonly pending: boolean;
}

const DISPATCH_INTERVAL_MS = 5_000;
const DISPATCH_BATCH = 100;

/**
 * Opens or joins the case of each raised exception. Events are already absorbed when their
 * exceptions are reported, so a report Temporal cannot take now is kept in the outbox and
 * delivered in the background; it is never dropped.
 */
@Injectable()
export class CaseReporter implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CaseReporter.name);
  private timer?: NodeJS.Timeout;
  private dispatching?: Promise<void>;
  private readonly runCases = new RunCases();

  constructor(
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(VIGIL_CONFIG) private readonly config: VigilConfig,
    private readonly outbox: ReportOutbox,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.dispatchOnce(), DISPATCH_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.dispatching;
  }

  async report(reports: readonly ExceptionReport[]): Promise<ReportOutcome[]> {
    const outcomes = await Promise.all(
      reports.map((report) =>
        this.deliver(report).then(
          (outcome) => ({ outcome, report, error: null }),
          (error: unknown) => ({ outcome: null, report, error }),
        ),
      ),
    );
    const undelivered = outcomes.filter((o) => o.error !== null);
    for (const { error } of undelivered) {
      if (!asUnavailable(error)) throw error;
    }
    if (undelivered.length > 0) {
      await this.outbox.add(
        undelivered.map((o) => o.report),
        String((undelivered[0]!.error as Error)?.message ?? undelivered[0]!.error),
      );
      this.logger.warn(`Temporal unavailable: ${undelivered.length} report(s) kept for delivery`);
    }
    return outcomes.map(
      ({ outcome, report }) =>
        outcome ?? {
          caseId: null,
          workflowId: caseWorkflowId(report.fingerprint),
          deduplicated: false,
          pending: true,
        },
    );
  }

  /** Delivers the reports that are due; one pass at a time. */
  async dispatchOnce(): Promise<number> {
    if (this.dispatching) return 0;
    let delivered = 0;
    this.dispatching = (async () => {
      for (const pending of await this.outbox.due(DISPATCH_BATCH)) {
        try {
          await this.deliver(pending.report);
          await this.outbox.delivered(pending.reportId);
          delivered += 1;
        } catch (error) {
          await this.outbox.failed(pending, error instanceof Error ? error.message : String(error));
        }
      }
    })()
      .catch((error: unknown) => this.logger.error(`outbox dispatch failed: ${String(error)}`))
      .finally(() => {
        this.dispatching = undefined;
      });
    await this.dispatching;
    if (delivered > 0) this.logger.log(`delivered ${delivered} kept report(s)`);
    return delivered;
  }

  private async deliver(report: ExceptionReport): Promise<ReportOutcome> {
    const delivered = await reportToCase(
      this.client,
      this.config.temporal.taskQueue,
      report,
      this.runCases,
    );
    return { ...delivered, pending: false };
  }
}
