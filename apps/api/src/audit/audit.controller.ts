import { Controller, Get, Query, StreamableFile } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { Readable } from 'node:stream';
import { AuditLog } from '@vigil/persistence';
import { Roles } from '../auth/roles';
import { ApiErrorResponses } from '../common/openapi';
import { AuditReader } from './audit-reader';
import {
  AuditPageDto,
  AuditPageQuery,
  AuditVerificationDto,
  ExceptionsPageDto,
} from './dto/audit.dto';
import { ExceptionsQuery, MAX_WINDOW_DAYS, windowOf } from './dto/window.query';

const DEFAULT_EXPORT_PAGE = 500;

@ApiTags('audit')
@Controller('v1/audit')
@Roles('auditor')
export class AuditController {
  constructor(
    private readonly log: AuditLog,
    private readonly reader: AuditReader,
  ) {}

  @Get('verify')
  @ApiOperation({
    summary: 'Verify the audit log’s hash chain',
    description:
      'Walks every row from seq 1 to the recorded head, a page at a time, recomputing each SHA-256 and checking each link; reports the first broken link (an edited, deleted or reordered row) and the head hash to keep for later comparison.',
  })
  @ApiOkResponse({ type: AuditVerificationDto })
  @ApiErrorResponses(503)
  verify(): Promise<AuditVerificationDto> {
    return this.log.verify();
  }

  @Get('log')
  @ApiOperation({
    summary: 'Audit log rows, oldest first',
    description:
      'Every recorded state change: case events, decisions, remediation steps, tuning runs, policy, playbook, escalation-policy, identity, threshold and API key changes.',
  })
  @ApiOkResponse({ type: AuditPageDto })
  @ApiErrorResponses(400)
  async page(@Query() query: AuditPageQuery): Promise<AuditPageDto> {
    const limit = query.limit ?? 200;
    const items = await this.log.page(query.after ?? 0, limit + 1);
    const page = items.slice(0, limit);
    return {
      items: page,
      nextAfter: items.length > limit ? (page.at(-1)?.seq ?? null) : null,
    };
  }

  @Get('exceptions')
  @ApiOperation({
    summary: 'Exceptions export: the activity that breached thresholds, with its outcome',
    description: `Every case opened in [from, to) (at most ${MAX_WINDOW_DAYS} days): detector, identity, severity, score and the threshold it crossed, OWASP NHI and NIST CSF mapping, evidence summary, and the outcome (resolution, disposition, decision, who decided and when, time to resolve). format=json returns pages (limit, cursor); format=csv returns the whole window as RFC 4180 CSV with a header row, cells that a spreadsheet would read as formulas prefixed with a quote.`,
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiExtraModels(ExceptionsPageDto)
  @ApiOkResponse({
    description: 'A page of rows (json), or the whole window (csv).',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(ExceptionsPageDto) } },
      'text/csv': { schema: { type: 'string' } },
    },
  })
  @ApiErrorResponses(400)
  async exceptions(@Query() query: ExceptionsQuery): Promise<ExceptionsPageDto | StreamableFile> {
    const { from, to } = windowOf(query);
    if (query.format === 'csv') {
      const name = `vigil-exceptions-${dayOf(from)}-${dayOf(to)}.csv`;
      return new StreamableFile(Readable.from(this.reader.exceptionsCsv(from, to)), {
        type: 'text/csv; charset=utf-8',
        disposition: `attachment; filename="${name}"`,
      });
    }
    const page = await this.reader.exceptions(
      from,
      to,
      query.limit ?? DEFAULT_EXPORT_PAGE,
      query.cursor,
    );
    return { from: from.toISOString(), to: to.toISOString(), ...page };
  }
}

function dayOf(date: Date): string {
  return date.toISOString().slice(0, 10);
}
