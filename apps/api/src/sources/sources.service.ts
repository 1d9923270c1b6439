import { Injectable } from '@nestjs/common';
import type { TelemetryEvent } from '@vigil/contracts';
import {
  BatchFormatError,
  mapCloudTrailRecord,
  mapOcsfEvent,
  parseBatch,
  parseCloudTrailBody,
  type EventRejection,
  type MappedRecord,
} from '@vigil/domain';
import { ApiError } from '../common/api-error';
import type { BatchBody } from '../common/batch-body';
import { IngestService, MAX_BATCH_EVENTS } from '../events/ingest.service';
import type { IngestSource } from '../metrics/api-metrics';
import type { SourceIngestResultDto, SourceRecordResultDto } from './dto/source-result.dto';

/** Where a mapped event's field came from in the provider's record, for rejection paths. */
type FieldOrigins = Readonly<Record<string, string>>;

const CLOUDTRAIL_FIELDS: FieldOrigins = {
  id: 'eventID',
  time: 'eventTime',
  identityId: 'userIdentity',
  type: 'eventName',
  action: 'eventName',
  scope: 'eventName',
  resource: 'requestParameters',
  'source.ip': 'sourceIPAddress',
  'source.host': 'sourceIPAddress',
  'source.userAgent': 'userAgent',
};

const OCSF_FIELDS: FieldOrigins = {
  id: 'metadata.uid',
  time: 'time',
  identityId: 'actor.user',
  type: 'api.operation',
  action: 'api.operation',
  scope: 'api.operation',
  resource: 'resources',
  'source.ip': 'src_endpoint.ip',
  'source.host': 'src_endpoint.hostname',
  'source.userAgent': 'http_request.user_agent',
};

/**
 * Log-source routes: map each provider record to a Vigil event and hand the batch to the
 * one ingest path (validation, idempotency, detection, cases). Rejections and statuses
 * refer to the provider's records by their position in the request.
 */
@Injectable()
export class SourcesService {
  constructor(private readonly ingest: IngestService) {}

  cloudTrail(body: BatchBody): Promise<SourceIngestResultDto> {
    const parsed = parsedOrBadRequest(() => parseCloudTrailBody(body.text, body.format));
    return this.ingestRecords(
      parsed.items,
      parsed.rejected,
      mapCloudTrailRecord,
      CLOUDTRAIL_FIELDS,
      'cloudtrail',
    );
  }

  ocsf(body: BatchBody): Promise<SourceIngestResultDto> {
    const parsed = parsedOrBadRequest(() => parseBatch(body.text, body.format, 'records'));
    return this.ingestRecords(parsed.items, parsed.rejected, mapOcsfEvent, OCSF_FIELDS, 'ocsf');
  }

  private async ingestRecords(
    items: readonly unknown[],
    parseRejected: readonly EventRejection[],
    map: (record: unknown, index: number) => MappedRecord,
    origins: FieldOrigins,
    source: IngestSource,
  ): Promise<SourceIngestResultDto> {
    if (items.length > MAX_BATCH_EVENTS) {
      throw new ApiError(
        413,
        'payload_too_large',
        `batch has ${items.length} records; the limit is ${MAX_BATCH_EVENTS} per request`,
      );
    }
    const refused: EventRejection[] = [...parseRejected];
    const events: Array<TelemetryEvent | undefined> = items.map((item, index) => {
      if (item === undefined) return undefined;
      const mapped = map(item, index);
      if (mapped.ok) return mapped.event;
      refused.push(mapped.rejection);
      return undefined;
    });
    const { result, statuses } = await this.ingest.ingestItems(events, refused, 'records', source);
    const rejected = result.rejected.map((r) => inRecordTerms(r, origins));
    const reasons = new Map(rejected.map((r) => [r.index, r]));
    const records: SourceRecordResultDto[] = statuses.map((status, index) => {
      const event = events[index];
      const reason = reasons.get(index);
      return {
        index,
        status,
        ...(event ? { eventId: event.id, identityId: event.identityId, type: event.type } : {}),
        ...(reason ? { code: reason.code, message: reason.message } : {}),
      };
    });
    return { ...result, rejected, records };
  }
}

function parsedOrBadRequest<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof BatchFormatError) throw new ApiError(400, 'malformed_json', error.message);
    throw error;
  }
}

/**
 * Ingest validates the mapped event (`events[3].time`); the client wrote a record, so the
 * path names the record's field the value came from (`records[3].eventTime`).
 */
function inRecordTerms<R extends { readonly field: string }>(
  rejection: R,
  origins: FieldOrigins,
): R {
  const match = /^events\[(\d+)\](?:\.(.+))?$/.exec(rejection.field);
  if (match === null) return rejection;
  const [, index, field] = match;
  const origin =
    field === undefined ? undefined : (origins[field] ?? origins[field.split('.')[0]!]);
  return {
    ...rejection,
    field: origin === undefined ? `records[${index}]` : `records[${index}].${origin}`,
  };
}
