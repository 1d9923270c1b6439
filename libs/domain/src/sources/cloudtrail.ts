import type { EventOutcome, TelemetryEvent } from '../../../contracts/src/telemetry';
import type { EventRejection } from '../telemetry/validate-event';
import { BatchFormatError, type BatchFormat } from '../telemetry/parse-batch';
import {
  eventTypeOf,
  grantDetails,
  iamActionOf,
  isDenial,
  listedResources,
  operationOf,
  resourcesOf,
  serviceOf,
} from './aws-actions';
import { principalOf } from './cloudtrail-identity';
import { refused, type MappedRecord } from './source-record';
import {
  boundedJson,
  clip,
  clippedAt,
  compact,
  eventIdOf,
  isObject,
  looksLikeIp,
  objectAt,
  scrubbed,
  stringAt,
  type JsonObject,
} from './values';

/** Request parameters larger than this are summarised by their keys. */
const MAX_PARAMETERS_BYTES = 2_048;

export interface ParsedRecords {
  /** Records in request order; a line that did not parse is `undefined` and listed in `rejected`. */
  readonly items: readonly unknown[];
  readonly rejected: readonly EventRejection[];
}

/**
 * The records of a CloudTrail body: the `{"Records": [...]}` shape CloudTrail writes to S3,
 * a bare JSON array, or NDJSON with one record per line. EventBridge envelopes
 * (`{"detail-type": "AWS API Call via CloudTrail", "detail": {...}}`) are unwrapped, and an
 * NDJSON line holding a whole `{"Records": [...]}` file contributes each of its records.
 * Indexes count records in this flattened order.
 */
export function parseCloudTrailBody(text: string, format: BatchFormat): ParsedRecords {
  if (format === 'json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new BatchFormatError('request body is not valid JSON');
    }
    const records = recordsOf(parsed);
    if (records === null) {
      throw new BatchFormatError(
        'a JSON body must be {"Records": [...]}, an array of CloudTrail records, or one EventBridge event',
      );
    }
    return { items: records, rejected: [] };
  }
  const items: unknown[] = [];
  const rejected: EventRejection[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (line === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      rejected.push({
        index: items.length,
        code: 'malformed_json',
        field: `records[${items.length}]`,
        message: `line ${n + 1} is not valid JSON`,
      });
      items.push(undefined);
      continue;
    }
    const nested = isObject(parsed) && Array.isArray(parsed.Records) ? parsed.Records : null;
    if (nested !== null) items.push(...nested);
    else items.push(parsed);
  }
  return { items, rejected };
}

function recordsOf(parsed: unknown): unknown[] | null {
  if (Array.isArray(parsed)) return parsed;
  if (isObject(parsed)) {
    if (Array.isArray(parsed.Records)) return parsed.Records;
    if (isObject(parsed.detail)) return [parsed];
  }
  return null;
}

/** An EventBridge event carries the CloudTrail record as its `detail`. */
function unwrapped(raw: unknown): unknown {
  if (isObject(raw) && isObject(raw.detail) && typeof raw['detail-type'] === 'string') {
    return raw.detail;
  }
  return raw;
}

function outcomeOf(record: JsonObject): EventOutcome {
  const errorCode = stringAt(record, 'errorCode');
  const consoleResult = stringAt(objectAt(record, 'responseElements'), 'ConsoleLogin');
  if (consoleResult === 'Failure') return 'denied';
  if (errorCode === null) return 'allowed';
  return isDenial(errorCode) ? 'denied' : 'error';
}

/**
 * One CloudTrail record as a Vigil event (see README, "CloudTrail mapping"). The event id is
 * derived from `eventID`, so a file sent twice is ingested once. Credentials in
 * `responseElements` are never kept: of the response only the ids of what was created
 * (an assumed-role session, a new access key's id) survive.
 */
export function mapCloudTrailRecord(raw: unknown, index: number): MappedRecord {
  const record = unwrapped(raw);
  if (!isObject(record)) return refused(index, '', 'a CloudTrail record must be a JSON object');
  const eventID = stringAt(record, 'eventID');
  if (eventID === null) {
    return refused(index, 'eventID', 'eventID is required: it makes re-sending a file idempotent');
  }
  const time = stringAt(record, 'eventTime');
  if (time === null) return refused(index, 'eventTime', 'eventTime is required');
  const eventSource = stringAt(record, 'eventSource');
  const eventName = stringAt(record, 'eventName');
  if (eventSource === null) return refused(index, 'eventSource', 'eventSource is required');
  if (eventName === null) return refused(index, 'eventName', 'eventName is required');
  const identity = principalOf(record.userIdentity, record);
  if (!identity.ok) return refused(index, identity.field, identity.message);
  const { principal } = identity;

  const service = serviceOf(eventSource);
  const operation = operationOf(eventName);
  const action = iamActionOf(service, operation);
  const parameters = objectAt(record, 'requestParameters');
  const outcome = outcomeOf(record);
  const errorCode = stringAt(record, 'errorCode');
  const account =
    stringAt(record, 'recipientAccountId') ?? stringAt(record.userIdentity, 'accountId');
  const partition = /^arn:([^:]+):/.exec(stringAt(record.userIdentity, 'arn') ?? '')?.[1] ?? 'aws';
  const type = eventTypeOf({
    service,
    operation,
    parameters,
    callerUserName:
      principal.principalType === 'IAMUser' ? stringAt(record.userIdentity, 'userName') : null,
    failed: outcome !== 'allowed',
  });
  const resources = resourcesOf(service, parameters, listedResources(record.resources), {
    partition,
    region: stringAt(record, 'awsRegion'),
    account,
  });

  const sourceAddress = stringAt(record, 'sourceIPAddress');
  const userAgent = stringAt(record, 'userAgent');
  const source: Record<string, string> = {};
  if (sourceAddress !== null) {
    if (looksLikeIp(sourceAddress)) source.ip = sourceAddress;
    else source.host = clip(sourceAddress);
  }
  if (userAgent !== null) source.userAgent = clip(userAgent);

  const additional = objectAt(record, 'additionalEventData');
  const attributes: Record<string, unknown> = {
    source: 'cloudtrail',
    eventSource,
    eventName,
    awsRegion: stringAt(record, 'awsRegion'),
    recipientAccountId: account,
    principalType: principal.principalType,
    ...principal.attributes,
    cloudTrailEventType: stringAt(record, 'eventType'),
    readOnly: typeof record.readOnly === 'boolean' ? record.readOnly : null,
    errorCode,
    errorMessage: clippedAt(record, 'errorMessage', 300),
    resources: resources.length > 1 ? resources : null,
    ...(type === 'privilege.elevated' ? grantDetails(parameters) : {}),
    ...createdIds(record),
    ...consoleFacts(service, operation, additional),
    ...parameterEvidence(parameters),
  };

  const event: TelemetryEvent = {
    id: eventIdOf('cloudtrail', eventID),
    time,
    identityId: principal.identityId,
    type,
    action,
    resource: resources[0] === undefined ? null : clip(resources[0]),
    scope: action,
    source,
    outcome,
    attributes: compact(attributes),
  };
  return { ok: true, event };
}

/** Ids of what the call created, never the credentials themselves. */
function createdIds(record: JsonObject): Record<string, unknown> {
  const response = objectAt(record, 'responseElements');
  if (response === null) return {};
  return {
    createdAccessKeyId: stringAt(objectAt(response, 'accessKey'), 'accessKeyId'),
    issuedAccessKeyId: stringAt(objectAt(response, 'credentials'), 'accessKeyId'),
    assumedRoleArn: stringAt(objectAt(response, 'assumedRoleUser'), 'arn'),
    federatedUserArn: stringAt(objectAt(response, 'federatedUser'), 'arn'),
  };
}

/** Console sign-in: the markers the human-use detector reads. */
function consoleFacts(
  service: string,
  operation: string,
  additional: JsonObject | null,
): Record<string, unknown> {
  if (service !== 'signin') return {};
  const mfa = stringAt(additional, 'MFAUsed');
  return {
    console: true,
    loginType: 'console',
    mfa: mfa === null ? null : mfa === 'Yes',
    operation,
  };
}

function parameterEvidence(parameters: JsonObject | null): Record<string, unknown> {
  if (parameters === null) return {};
  const clean = scrubbed(parameters);
  const kept = boundedJson(clean, MAX_PARAMETERS_BYTES);
  if (kept !== null) return { requestParameters: kept };
  return { requestParameterKeys: Object.keys(parameters).slice(0, 30) };
}
