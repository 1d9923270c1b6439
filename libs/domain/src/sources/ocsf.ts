import type { EventOutcome, TelemetryEvent } from '../../../contracts/src/telemetry';
import {
  eventTypeOf,
  grantDetails,
  iamActionOf,
  isDenial,
  operationOf,
  resourcesOf,
  serviceOf,
} from './aws-actions';
import { credentialKindOf, roleArnOfSession } from './cloudtrail-identity';
import { refused, type MappedRecord } from './source-record';
import {
  accountOfArn,
  boundedJson,
  clip,
  clippedAt,
  compact,
  eventIdOf,
  identityIdOf,
  isObject,
  isoTimeOf,
  looksLikeIp,
  objectAt,
  scrubbed,
  stringAt,
  type JsonObject,
} from './values';

export const OCSF_API_ACTIVITY = 6003;
export const OCSF_AUTHENTICATION = 3002;

const MAX_PARAMETERS_BYTES = 2_048;
/** OCSF logon types a person sits behind: Interactive, RemoteInteractive, CachedInteractive. */
const INTERACTIVE_LOGON_TYPES = new Set([2, 10, 11]);

/**
 * The identity an OCSF `user` object names. An AWS assumed-role session becomes its role
 * (as from CloudTrail); otherwise the first ARN among uid and uid_alt, then uid, then name.
 */
function identityOfUser(
  user: JsonObject | null,
  session: JsonObject | null,
): { id: string; type: string | null } | null {
  if (user === null) return null;
  const type = stringAt(user, 'type');
  const uid = stringAt(user, 'uid');
  const alt = stringAt(user, 'uid_alt');
  const arn = [uid, alt].find((v) => v !== null && v.startsWith('arn:')) ?? null;
  const issuer = stringAt(session, 'issuer');
  const sessionRole = arn === null ? null : roleArnOfSession(arn);
  if (sessionRole !== null || type === 'AssumedRole') {
    const role = issuer !== null && issuer.includes(':role/') ? issuer : sessionRole;
    if (role !== null) return { id: role, type };
  }
  const id = arn ?? uid ?? stringAt(user, 'name');
  return id === null ? null : { id, type };
}

function outcomeOf(event: JsonObject, error: string | null): EventOutcome {
  const statusId = event.status_id;
  const status = stringAt(event, 'status')?.toLowerCase() ?? null;
  const failed = statusId === 2 || status === 'failure' || error !== null;
  if (!failed) return 'allowed';
  return error === null || isDenial(error) ? 'denied' : 'error';
}

/** Request parameters: `api.request.data` (OCSF 1.1+) or Security Lake's `unmapped`. */
function parametersOf(event: JsonObject): JsonObject | null {
  const data = objectAt(objectAt(event, 'api'), 'request')?.data;
  if (isObject(data)) return data;
  const unmapped = objectAt(event, 'unmapped');
  const nested = objectAt(unmapped, 'requestParameters');
  if (nested !== null) return nested;
  if (unmapped === null) return null;
  const flat: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(unmapped)) {
    if (key.startsWith('requestParameters.')) flat[key.slice('requestParameters.'.length)] = value;
  }
  return Object.keys(flat).length > 0 ? flat : null;
}

function sourceOf(event: JsonObject): Record<string, string> {
  const endpoint = objectAt(event, 'src_endpoint');
  const source: Record<string, string> = {};
  const ip = stringAt(endpoint, 'ip');
  const host = stringAt(endpoint, 'hostname') ?? stringAt(endpoint, 'domain');
  if (ip !== null && looksLikeIp(ip)) source.ip = ip;
  else if (ip !== null) source.host = clip(ip);
  if (host !== null && source.host === undefined) source.host = clip(host);
  const userAgent =
    stringAt(objectAt(event, 'http_request'), 'user_agent') ?? stringAt(endpoint, 'svc_name');
  if (userAgent !== null) source.userAgent = clip(userAgent);
  return source;
}

function ocsfResources(event: JsonObject): string[] {
  const resources = event.resources;
  if (!Array.isArray(resources)) return [];
  const out: string[] = [];
  for (const r of resources) {
    const id = stringAt(r, 'uid') ?? stringAt(r, 'name');
    if (id !== null) out.push(id);
  }
  return out;
}

/**
 * One OCSF 1.x event as a Vigil event: API Activity (6003) and Authentication (3002). Other
 * classes are refused as `unsupported_record`. The event id comes from `metadata.uid`, so a
 * resent event is ingested once. AWS calls map exactly as their CloudTrail records do.
 */
export function mapOcsfEvent(raw: unknown, index: number): MappedRecord {
  if (!isObject(raw)) return refused(index, '', 'an OCSF event must be a JSON object');
  const classUid = raw.class_uid;
  if (classUid !== OCSF_API_ACTIVITY && classUid !== OCSF_AUTHENTICATION) {
    return refused(
      index,
      'class_uid',
      `class_uid ${JSON.stringify(classUid ?? null)} is not supported: send API Activity (6003) or Authentication (3002)`,
      'unsupported_record',
    );
  }
  const metadata = objectAt(raw, 'metadata');
  const uid = stringAt(metadata, 'uid');
  if (uid === null) {
    return refused(
      index,
      'metadata.uid',
      'metadata.uid is required: it makes re-sending idempotent',
    );
  }
  const time = isoTimeOf(raw.time) ?? isoTimeOf(raw.time_dt);
  if (time === null) return refused(index, 'time', 'time (epoch milliseconds) is required');
  return classUid === OCSF_API_ACTIVITY
    ? apiActivity(raw, index, eventIdOf('ocsf', uid), time)
    : authentication(raw, index, eventIdOf('ocsf', uid), time);
}

function apiActivity(event: JsonObject, index: number, id: string, time: string): MappedRecord {
  const actor = objectAt(event, 'actor');
  const user = objectAt(actor, 'user');
  const session = objectAt(actor, 'session');
  const identity = identityOfUser(user, session);
  if (identity === null) {
    return refused(index, 'actor.user', 'actor.user needs a uid or name to name the identity');
  }
  const api = objectAt(event, 'api');
  const operationName = stringAt(api, 'operation');
  if (operationName === null) return refused(index, 'api.operation', 'api.operation is required');
  const serviceName = stringAt(objectAt(api, 'service'), 'name') ?? 'unknown';
  const service = serviceOf(serviceName).replace(/[^A-Za-z0-9._-]/g, '-');
  const operation = operationOf(operationName);
  const action = iamActionOf(service, operation);
  const response = objectAt(api, 'response');
  const error = stringAt(response, 'error');
  const outcome = outcomeOf(event, error);
  const parameters = parametersOf(event);
  const cloud = objectAt(event, 'cloud');
  const account =
    stringAt(objectAt(user, 'account'), 'uid') ??
    stringAt(user, 'account_uid') ??
    stringAt(objectAt(cloud, 'account'), 'uid') ??
    accountOfArn(identity.id);
  const credentialUid = stringAt(user, 'credential_uid');
  const type = eventTypeOf({
    service,
    operation,
    parameters,
    callerUserName: identity.type === 'IAMUser' ? stringAt(user, 'name') : null,
    failed: outcome !== 'allowed',
  });
  const resources = resourcesOf(service, parameters, ocsfResources(event), {
    partition: 'aws',
    region: stringAt(cloud, 'region'),
    account,
  });
  const product = objectAt(metadata(event), 'product');
  const attributes = compact({
    source: 'ocsf',
    ocsfClass: OCSF_API_ACTIVITY,
    product: stringAt(product, 'name'),
    vendor: stringAt(product, 'vendor_name'),
    service: serviceName,
    operation: operationName,
    principalType: identity.type,
    principalUid: stringAt(user, 'uid'),
    accountId: account,
    region: stringAt(cloud, 'region'),
    accessKeyId: credentialUid,
    credential: credentialUid === null ? null : credentialKindOf(credentialUid),
    sessionIssuer: stringAt(session, 'issuer'),
    mfaAuthenticated: typeof session?.is_mfa === 'boolean' ? session.is_mfa : null,
    errorCode: error,
    errorMessage: clippedAt(response, 'message', 300),
    resources: resources.length > 1 ? resources : null,
    ...(type === 'privilege.elevated' ? grantDetails(parameters) : {}),
    requestParameters:
      parameters === null ? null : boundedJson(scrubbed(parameters), MAX_PARAMETERS_BYTES),
  });
  const mapped: TelemetryEvent = {
    id,
    time,
    identityId: identityIdOf(identity.id),
    type,
    action,
    resource: resources[0] === undefined ? null : clip(resources[0]),
    scope: action,
    source: sourceOf(event),
    outcome,
    attributes,
  };
  return { ok: true, event: mapped };
}

function authentication(event: JsonObject, index: number, id: string, time: string): MappedRecord {
  const actor = objectAt(event, 'actor');
  const identity =
    identityOfUser(objectAt(event, 'user'), objectAt(actor, 'session')) ??
    identityOfUser(objectAt(actor, 'user'), objectAt(actor, 'session'));
  if (identity === null) {
    return refused(index, 'user', 'user (or actor.user) needs a uid or name to name the identity');
  }
  const statusDetail = stringAt(event, 'status_detail');
  // A refused logon is a denial whatever code the provider gives it.
  const outcome: EventOutcome =
    outcomeOf(event, stringAt(event, 'status_code')) === 'allowed' ? 'allowed' : 'denied';
  const activity = event.activity_id;
  const type =
    outcome !== 'allowed' ? 'auth.failed' : activity === 2 ? 'auth.logoff' : 'auth.login';
  const logonType = typeof event.logon_type_id === 'number' ? event.logon_type_id : null;
  const interactive = logonType !== null && INTERACTIVE_LOGON_TYPES.has(logonType);
  const service =
    stringAt(objectAt(event, 'service'), 'name') ??
    stringAt(objectAt(event, 'dst_endpoint'), 'svc_name');
  const product = objectAt(metadata(event), 'product');
  const mapped: TelemetryEvent = {
    id,
    time,
    identityId: identityIdOf(identity.id),
    type,
    action: clip(stringAt(event, 'activity_name')?.toLowerCase() ?? 'logon'),
    resource: service === null ? null : clip(service),
    scope: null,
    source: sourceOf(event),
    outcome,
    attributes: compact({
      source: 'ocsf',
      ocsfClass: OCSF_AUTHENTICATION,
      product: stringAt(product, 'name'),
      vendor: stringAt(product, 'vendor_name'),
      principalType: identity.type,
      authProtocol: stringAt(event, 'auth_protocol'),
      logonType: stringAt(event, 'logon_type'),
      interactive: interactive ? true : null,
      mfa: event.is_mfa === true || interactive ? event.is_mfa === true : null,
      statusDetail: statusDetail === null ? null : clip(statusDetail, 300),
    }),
  };
  return { ok: true, event: mapped };
}

function metadata(event: JsonObject): JsonObject | null {
  return objectAt(event, 'metadata');
}
