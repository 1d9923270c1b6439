import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Registry } from 'prom-client';
import { Roles } from '../auth/roles';
import { ApiMetrics } from './api-metrics';

@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: ApiMetrics) {}

  @Get()
  @Roles('auditor')
  @Header('content-type', Registry.PROMETHEUS_CONTENT_TYPE)
  @Header('cache-control', 'no-store')
  @ApiOperation({
    summary: 'Prometheus metrics (role auditor)',
    description:
      'Prometheus text exposition format 0.0.4. Ingest, authorization and HTTP figures are counted by this API process; case, remediation, escalation, deadline and decision-latency figures are read from the database (cached for 5 seconds), so every instance reports them alike. A scrape job sends `Authorization: Bearer <key>` with an auditor (or admin) key.',
  })
  @ApiProduces('text/plain')
  @ApiResponse({
    status: 200,
    description: 'The metrics, one sample a line.',
    content: {
      'text/plain': {
        schema: {
          type: 'string',
          example:
            '# HELP vigil_cases Cases by status.\n# TYPE vigil_cases gauge\nvigil_cases{status="open"} 3\n',
        },
      },
    },
  })
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
