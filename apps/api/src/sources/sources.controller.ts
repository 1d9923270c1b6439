import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { BatchBody } from '../common/batch-body';
import { ApiErrorResponses } from '../common/openapi';
import { MAX_BATCH_EVENTS } from '../events/ingest.service';
import { SourceIngestResultDto } from './dto/source-result.dto';
import { SourcesService } from './sources.service';
import { Roles } from '../auth/roles';

const LIMITS = `Up to ${MAX_BATCH_EVENTS} records or 5 MiB per request.`;
const RESULT = `The response has the shape of POST /v1/events (indexes refer to the records) plus \`records\`: per record, accepted, duplicate or rejected with its reason, and the event id, identity and type it mapped to. Idempotent: event ids derive from the provider's record ids.`;

@ApiTags('sources')
@Controller('v1/sources')
export class SourcesController {
  constructor(private readonly sources: SourcesService) {}

  @Post('cloudtrail')
  @Roles('ingest')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Ingest AWS CloudTrail records',
    description: `The {"Records": [...]} file CloudTrail writes to S3, a JSON array of records, NDJSON with one record (or one EventBridge "AWS API Call via CloudTrail" event) per line. ${LIMITS} Each record becomes one Vigil event: the identity from userIdentity (a role session counts as its role), the type from eventSource/eventName, the resource from requestParameters and resources, the source from sourceIPAddress/userAgent, the outcome from errorCode. Unknown calls are kept as api.called. ${RESULT}`,
  })
  @ApiConsumes('application/json', 'application/x-ndjson')
  @ApiBody({
    schema: {
      oneOf: [
        {
          type: 'object',
          required: ['Records'],
          properties: { Records: { type: 'array', items: { type: 'object' } } },
        },
        { type: 'array', items: { type: 'object' } },
      ],
      example: {
        Records: [
          {
            eventID: '94faedcc-0fa4-46e6-9322-022e8e934f04',
            eventTime: '2026-11-24T10:00:00Z',
            eventSource: 'secretsmanager.amazonaws.com',
            eventName: 'GetSecretValue',
            awsRegion: 'eu-west-1',
            recipientAccountId: '123456789012',
            sourceIPAddress: '10.0.0.4',
            userAgent: 'aws-sdk-go-v2/1.30.0',
            requestParameters: { secretId: 'prod/payments/db' },
            userIdentity: {
              type: 'AssumedRole',
              arn: 'arn:aws:sts::123456789012:assumed-role/payments-api/i-0abc',
              accessKeyId: 'ASIAEXAMPLE',
              sessionContext: {
                sessionIssuer: { type: 'Role', arn: 'arn:aws:iam::123456789012:role/payments-api' },
              },
            },
          },
        ],
      },
    },
  })
  @ApiOkResponse({ type: SourceIngestResultDto })
  @ApiErrorResponses(400, 413, 415, 503)
  cloudTrail(@Body() body: BatchBody): Promise<SourceIngestResultDto> {
    return this.sources.cloudTrail(body);
  }

  @Post('ocsf')
  @Roles('ingest')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Ingest OCSF events',
    description: `OCSF 1.x API Activity (class_uid 6003) and Authentication (3002) events, as a JSON array or NDJSON. ${LIMITS} Other classes are rejected per record as unsupported_record. AWS calls (e.g. from Amazon Security Lake) map exactly as their CloudTrail records do. ${RESULT}`,
  })
  @ApiConsumes('application/json', 'application/x-ndjson')
  @ApiBody({
    schema: {
      type: 'array',
      items: {
        type: 'object',
        required: ['class_uid', 'time', 'metadata'],
        properties: {
          class_uid: { type: 'integer', enum: [6003, 3002] },
          time: { type: 'integer', description: 'Epoch milliseconds' },
          metadata: { type: 'object', properties: { uid: { type: 'string' } } },
          actor: { type: 'object' },
          api: { type: 'object' },
          user: { type: 'object' },
          src_endpoint: { type: 'object' },
          resources: { type: 'array', items: { type: 'object' } },
          status_id: { type: 'integer' },
        },
      },
    },
  })
  @ApiOkResponse({ type: SourceIngestResultDto })
  @ApiErrorResponses(400, 413, 415, 503)
  ocsf(@Body() body: BatchBody): Promise<SourceIngestResultDto> {
    return this.sources.ocsf(body);
  }
}
