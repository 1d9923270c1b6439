import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { type ExceptionReport, type ReportExceptionResponse } from '@vigil/contracts';
import { VIGIL_CONFIG, type VigilConfig } from '@vigil/config';
import { defaultFingerprint } from '@vigil/domain';
import { reportToCase } from '@vigil/temporal';
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
      const delivered = await reportToCase(this.client, this.config.temporal.taskQueue, report);
      this.logger.log(
        `${delivered.deduplicated ? 'joined' : 'opened'} case ${delivered.caseId} (${delivered.workflowId}) for ${report.kind} on ${report.identityId}`,
      );
      return delivered;
    } catch (error) {
      throw asUnavailable(error) ?? error;
    }
  }
}
