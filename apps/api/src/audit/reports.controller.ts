import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { ControlEffectivenessReport } from '@vigil/domain';
import { Roles } from '../auth/roles';
import { ApiErrorResponses } from '../common/openapi';
import { AuditReader } from './audit-reader';
import { ControlEffectivenessDto } from './dto/report.dto';
import { MAX_WINDOW_DAYS, WindowQuery, windowOf } from './dto/window.query';

@ApiTags('reports')
@Controller('v1/reports')
@Roles('auditor')
export class ReportsController {
  constructor(private readonly reader: AuditReader) {}

  @Get('control-effectiveness')
  @ApiOperation({
    summary: 'Control-effectiveness report of a window',
    description: `For cases opened in [from, to) (at most ${MAX_WINDOW_DAYS} days) and events with a time in it: events observed, exceptions raised, auto-remediated, escalated to humans, SLA breaches, MTTA/MTTR and precision from analyst verdicts — overall, per detector, by OWASP NHI Top 10 category, by NIST CSF 2.0 Detect subcategory (DE.CM, DE.AE), and by CSA MAESTRO layer for cases about AI agents. Computed from the recorded cases, outcomes, verdicts and events.`,
  })
  @ApiOkResponse({ type: ControlEffectivenessDto })
  @ApiErrorResponses(400)
  controlEffectiveness(@Query() query: WindowQuery): Promise<ControlEffectivenessReport> {
    const { from, to } = windowOf(query);
    return this.reader.report(from, to);
  }
}
