import type { CaseView } from '../../../contracts/src/api';
import type { CaseStatus, Resolution, Severity } from '../../../contracts/src/vocabulary';
import { compact, isObject } from './values';

/**
 * A Vigil case as an OCSF 1.3 Detection Finding (class 2004), for SIEMs and data lakes that
 * speak OCSF. Pure: the API (`GET /v1/cases/:id?format=ocsf`) and the notification webhook
 * (`NOTIFY_WEBHOOK_FORMAT=ocsf`) render the same object from the same case.
 */

export const OCSF_VERSION = '1.3.0';
export const OCSF_DETECTION_FINDING = 2004;

/** What of a case the finding shows; a `CaseView` has all of it. */
export type FindingCase = Pick<
  CaseView,
  | 'id'
  | 'workflowId'
  | 'fingerprint'
  | 'identityId'
  | 'kind'
  | 'severity'
  | 'status'
  | 'occurrences'
  | 'evidence'
  | 'openedAt'
  | 'lastOccurrenceAt'
  | 'resolvedAt'
  | 'resolution'
  | 'disposition'
  | 'updatedAt'
>;

export type FindingActivity = 'create' | 'update' | 'close';

export interface FindingOptions {
  /** Create for a new case, Update for a change, Close once resolved; default from status. */
  readonly activity?: FindingActivity;
  /** Vigil's version, reported as the product version. */
  readonly productVersion?: string;
  /** Extra Vigil facts for `unmapped.vigil` (e.g. the notification that carried it). */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface OcsfObservable {
  readonly name: string;
  readonly type: string;
  readonly type_id: number;
  readonly value: string;
}

export interface OcsfResource {
  readonly uid: string;
  readonly type: string;
  readonly name?: string;
  readonly criticality?: string;
  readonly owner?: { readonly name: string };
  readonly labels?: readonly string[];
}

export interface OcsfDetectionFinding {
  readonly class_uid: 2004;
  readonly class_name: 'Detection Finding';
  readonly category_uid: 2;
  readonly category_name: 'Findings';
  readonly activity_id: 1 | 2 | 3;
  readonly activity_name: 'Create' | 'Update' | 'Close';
  readonly type_uid: number;
  readonly type_name: string;
  readonly time: number;
  readonly message: string;
  readonly severity_id: 2 | 3 | 4 | 5;
  readonly severity: 'Low' | 'Medium' | 'High' | 'Critical';
  readonly status_id: 1 | 2 | 3 | 4;
  readonly status: 'New' | 'In Progress' | 'Suppressed' | 'Resolved';
  readonly status_detail?: string;
  readonly confidence_score?: number;
  readonly is_alert: true;
  readonly finding_info: Readonly<Record<string, unknown>>;
  readonly resources: readonly OcsfResource[];
  readonly evidences: readonly Readonly<Record<string, unknown>>[];
  readonly observables: readonly OcsfObservable[];
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly unmapped: Readonly<Record<string, unknown>>;
}

const SEVERITY: Readonly<Record<Severity, [2 | 3 | 4 | 5, OcsfDetectionFinding['severity']]>> = {
  low: [2, 'Low'],
  medium: [3, 'Medium'],
  high: [4, 'High'],
  critical: [5, 'Critical'],
};

const ACTIVITY: Readonly<
  Record<FindingActivity, [1 | 2 | 3, OcsfDetectionFinding['activity_name']]>
> = {
  create: [1, 'Create'],
  update: [2, 'Update'],
  close: [3, 'Close'],
};

/** Accepted risks and false positives are Suppressed; other resolutions Resolved. */
function statusOf(
  status: CaseStatus,
  resolution: Resolution | null,
): [OcsfDetectionFinding['status_id'], OcsfDetectionFinding['status']] {
  if (status === 'open') return [1, 'New'];
  if (status !== 'resolved') return [2, 'In Progress'];
  if (resolution === 'accepted_risk' || resolution === 'false_positive') return [3, 'Suppressed'];
  return [4, 'Resolved'];
}

const KIND_TITLES: Readonly<Record<string, string>> = {
  novel_scope: 'First use of a permission',
  novel_tool: 'First use of a tool',
  novel_resource: 'First access to a resource',
  rate_spike: 'Activity rate spike',
  off_hours: 'Activity outside its usual hours',
  privilege_elevation: 'Privilege elevation',
  rotation_outside_window: 'Credential rotated outside its window',
  renewal_outside_window: 'Certificate renewed outside its window',
  policy_violation: 'Declared policy violated',
  unusual_record_set: 'Unusual records read by a third-party app',
  human_use: 'Non-human identity used by a person',
  credential_reuse: 'Credential used from many sources',
  cross_environment: 'Identity used outside its environment',
  unclassified_identity: 'Unregistered identity',
  rotation_overdue: 'Credential past its rotation period',
};

function epochMs(iso: string | null): number | undefined {
  if (iso === null) return undefined;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

const RESOURCE_KEYS = ['resource', 'elevatedTo', 'recordSet'] as const;
const IP_KEYS = ['sourceIp', 'latest'] as const;

/** The deviating resource and source the detector quoted, if any. */
function evidenceFacts(evidence: Readonly<Record<string, unknown>>) {
  const details = isObject(evidence.details) ? evidence.details : {};
  const resource =
    RESOURCE_KEYS.map((k) => text(details[k])).find((v) => v !== null) ??
    (details.dimension === 'resource' ? text(details.value) : null);
  const ip = IP_KEYS.map((k) => text(details[k])).find((v) => v !== null && /[.:]/.test(v)) ?? null;
  const userAgent = text(details.userAgent);
  const host = text(details.host);
  return { resource, ip, userAgent, host };
}

export function ocsfDetectionFinding(
  c: FindingCase,
  options: FindingOptions = {},
): OcsfDetectionFinding {
  const evidence = c.evidence;
  const activity = options.activity ?? (c.status === 'resolved' ? 'close' : 'update');
  const [activityId, activityName] = ACTIVITY[activity];
  const [severityId, severityName] = SEVERITY[c.severity];
  const [statusId, statusName] = statusOf(c.status, c.resolution);
  const reason = text(evidence.reason) ?? `${c.kind} on ${c.identityId}`;
  const title = `${KIND_TITLES[c.kind] ?? c.kind}: ${c.identityId}`;
  const score = typeof evidence.score === 'number' ? evidence.score : null;
  const identity = isObject(evidence.identity) ? evidence.identity : {};
  const facts = evidenceFacts(evidence);
  const eventIds = Array.isArray(evidence.eventIds)
    ? evidence.eventIds.filter((id): id is string => typeof id === 'string')
    : [];

  const owner = text(identity.owner);
  const criticality = text(identity.criticality);
  const identityKind = text(identity.kind);
  const resources: OcsfResource[] = [
    {
      uid: c.identityId,
      type: 'Non-Human Identity',
      name: c.identityId,
      ...(criticality !== null ? { criticality } : {}),
      ...(owner !== null ? { owner: { name: owner } } : {}),
      ...(identityKind !== null ? { labels: [`kind:${identityKind}`] } : {}),
    },
  ];
  if (facts.resource !== null && facts.resource !== c.identityId) {
    resources.push({ uid: facts.resource, type: 'Resource', name: facts.resource });
  }

  const observables: OcsfObservable[] = [
    { name: 'resources[0].uid', type: 'Resource UID', type_id: 10, value: c.identityId },
  ];
  if (facts.resource !== null && resources.length > 1) {
    observables.push({
      name: 'resources[1].uid',
      type: 'Resource UID',
      type_id: 10,
      value: facts.resource,
    });
  }
  if (facts.ip !== null) {
    observables.push({
      name: 'evidences[0].src_endpoint.ip',
      type: 'IP Address',
      type_id: 2,
      value: facts.ip,
    });
  }
  if (facts.userAgent !== null) {
    observables.push({
      name: 'evidences[0].http_request.user_agent',
      type: 'HTTP User-Agent',
      type_id: 16,
      value: facts.userAgent,
    });
  }

  const evidenceArtifact = compact({
    data: compact({
      detector: text(evidence.detector) ?? c.kind,
      value: evidence.value,
      score,
      eventTime: evidence.eventTime,
      eventIds,
      details: evidence.details,
    }),
    src_endpoint:
      facts.ip !== null || facts.host !== null
        ? compact({ ip: facts.ip, hostname: facts.host })
        : null,
    http_request: facts.userAgent !== null ? { user_agent: facts.userAgent } : null,
  });

  const firstSeen = epochMs(text(evidence.eventTime)) ?? epochMs(c.openedAt);
  return compact({
    class_uid: OCSF_DETECTION_FINDING,
    class_name: 'Detection Finding',
    category_uid: 2,
    category_name: 'Findings',
    activity_id: activityId,
    activity_name: activityName,
    type_uid: OCSF_DETECTION_FINDING * 100 + activityId,
    type_name: `Detection Finding: ${activityName}`,
    time: epochMs(c.updatedAt) ?? Date.now(),
    message: reason,
    severity_id: severityId,
    severity: severityName,
    status_id: statusId,
    status: statusName,
    status_detail: c.resolution ?? undefined,
    confidence_score: score === null ? undefined : Math.round(score * 100),
    is_alert: true,
    finding_info: compact({
      uid: c.id,
      title,
      desc: reason,
      types: [c.kind],
      created_time: epochMs(c.openedAt),
      first_seen_time: firstSeen,
      last_seen_time: epochMs(c.lastOccurrenceAt),
      modified_time: epochMs(c.updatedAt),
      analytic: { uid: c.kind, name: c.kind, type_id: 2, type: 'Behavioral' },
      related_events: eventIds.map((uid) => ({ uid })),
      related_events_count: eventIds.length,
    }),
    resources,
    evidences: [evidenceArtifact],
    observables,
    metadata: {
      version: OCSF_VERSION,
      uid: c.id,
      correlation_uid: c.fingerprint,
      product: compact({
        name: 'Vigil',
        vendor_name: 'Vigil',
        uid: 'vigil',
        version: options.productVersion,
        feature: { name: 'exception cases' },
      }),
      profiles: [],
    },
    unmapped: {
      vigil: compact({
        caseId: c.id,
        workflowId: c.workflowId,
        kind: c.kind,
        caseStatus: c.status,
        occurrences: c.occurrences,
        resolution: c.resolution,
        disposition: c.disposition,
        owasp: text(evidence.owasp),
        nist: text(evidence.nist),
        routeTo: text(evidence.routeTo),
        ...options.extra,
      }),
    },
  }) as unknown as OcsfDetectionFinding;
}
