import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { BatchBody } from '../common/batch-body';
import { ApiErrorResponses } from '../common/openapi';
import { IngestResultDto } from './dto/ingest-result.dto';
import { IngestService, MAX_BATCH_EVENTS } from './ingest.service';
import { Roles } from '../auth/roles';

@ApiTags('events')
@Controller('v1/events')
export class EventsController {
  constructor(private readonly ingest: IngestService) {}

  @Post()
  @Roles('ingest')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Ingest NHI telemetry',
    description: `A JSON array or NDJSON of up to ${MAX_BATCH_EVENTS} events (5 MiB). Each event is validated on its own: invalid ones are listed by index, the rest are processed. Idempotent by event id. Routine events are absorbed into the identity's baseline; material deviations open or join cases.`,
  })
  @ApiConsumes('application/json', 'application/x-ndjson')
  @ApiBody({
    schema: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'time', 'identityId', 'type'],
        properties: {
          id: { type: 'string', example: 'evt-1' },
          time: { type: 'string', format: 'date-time', example: '2026-11-24T10:00:00Z' },
          identityId: { type: 'string', example: 'svc-payments' },
          type: { type: 'string', example: 'secret.accessed' },
          action: { type: 'string', example: 'read' },
          resource: { type: 'string', example: 'vault:prod/db' },
          scope: { type: 'string', example: 'secrets:read' },
          source: {
            type: 'object',
            properties: {
              ip: { type: 'string' },
              userAgent: { type: 'string' },
              host: { type: 'string' },
              environment: { type: 'string' },
            },
          },
          outcome: { type: 'string', enum: ['allowed', 'denied', 'error'] },
          attributes: { type: 'object', additionalProperties: true },
        },
      },
    },
  })
  @ApiOkResponse({ type: IngestResultDto })
  @ApiErrorResponses(400, 413, 415, 503)
  events(@Body() body: BatchBody): Promise<IngestResultDto> {
    return this.ingest.ingest(body);
  }
}
