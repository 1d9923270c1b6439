import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import {
  caseWorkflowId,
  type ExceptionReport,
  type ReportExceptionResponse,
} from '@vigil/contracts';
import { VIGIL_CONFIG, type VigilConfig } from '@vigil/config';
import { defaultFingerprint } from '@vigil/domain';
import { deliverReport, withTimeout } from '@vigil/temporal';
import { TEMPORAL_CLIENT } from '../temporal/temporal.module';
import { asUnavailable } from '../temporal/temporal-errors';
import type { ReportExceptionDto } from './dto/report-exception.dto';

@Injectable()
export class ExceptionsService {
  private readonly logger = new Logger(ExceptionsService.name);

  constructor(
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(VIGIL_CONFIG) private readonly config: VigilConfig,
  ) {}

  /**
   * Starts the case for this exception, or adds an occurrence to the open case with the
   * same fingerprint, in one atomic call to Temporal.
   */
  async report(dto: ReportExceptionDto): Promise<ReportExceptionResponse> {
    const fingerprint = dto.fingerprint ?? defaultFingerprint(dto.identityId, dto.kind);
    const workflowId = caseWorkflowId(fingerprint);
    const report: ExceptionReport = {
      reportId: randomUUID(),
      identityId: dto.identityId,
      kind: dto.kind,
      severity: dto.severity,
      fingerprint,
      evidence: dto.evidence ?? {},
      reportedAt: new Date().toISOString(),
    };
    try {
      const { runId, started } = await withTimeout(this.client, () =>
        deliverReport(this.client, this.config.temporal.taskQueue, report),
      );
      const caseId = started ? runId : await this.firstRunId(workflowId, runId);
      this.logger.log(
        `${started ? 'opened' : 'joined'} case ${caseId} (${workflowId}) for ${report.kind} on ${report.identityId}`,
      );
      return { caseId, workflowId, deduplicated: !started };
    } catch (error) {
      throw asUnavailable(error) ?? error;
    }
  }

  /** The case id of a running case: the first run of its chain. */
  private async firstRunId(workflowId: string, runId: string): Promise<string> {
    const description = await withTimeout(this.client, () =>
      this.client.workflow.getHandle(workflowId, runId).describe(),
    );
    return description.raw.workflowExecutionInfo?.firstRunId || runId;
  }
}
