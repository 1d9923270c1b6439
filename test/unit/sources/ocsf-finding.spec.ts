import type { CaseView } from '@vigil/contracts';
import { ocsfDetectionFinding, type FindingCase } from '@vigil/domain';
import { ocsfFindingOf } from '../../../activities/webhooks/notifier';

const IDENTITY = 'arn:aws:iam::123456789012:user/christophe';

function aCase(overrides: Partial<FindingCase> = {}): FindingCase {
  return {
    id: '0b5c7a9e-0000-4000-8000-000000000001',
    workflowId: `case-${IDENTITY}.novel_resource.x`,
    fingerprint: `${IDENTITY}.novel_resource.x`,
    identityId: IDENTITY,
    kind: 'novel_resource',
    severity: 'high',
    status: 'awaiting_decision',
    occurrences: 3,
    evidence: {
      detector: 'novel_resource',
      reason: `${IDENTITY} used resource "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod" for the first time`,
      score: 0.912,
      value: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod',
      owasp: 'NHI5',
      nist: 'DE.CM-03',
      eventTime: '2026-11-24T10:00:00.000Z',
      eventIds: ['cloudtrail:a', 'cloudtrail:b'],
      details: {
        dimension: 'resource',
        value: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod',
        sourceIp: '198.51.100.7',
      },
      identity: { kind: 'service_account', owner: 'platform@example.com', criticality: 'high' },
      routeTo: 'platform@example.com',
    },
    openedAt: '2026-11-24T10:00:01.000Z',
    lastOccurrenceAt: '2026-11-24T10:05:00.000Z',
    resolvedAt: null,
    resolution: null,
    disposition: null,
    updatedAt: '2026-11-24T10:06:00.000Z',
    ...overrides,
  };
}

describe('a case as an OCSF Detection Finding (2004)', () => {
  it('names the class, the finding, the product and the OCSF version', () => {
    const finding = ocsfDetectionFinding(aCase());
    expect(finding).toMatchObject({
      class_uid: 2004,
      class_name: 'Detection Finding',
      category_uid: 2,
      activity_id: 2,
      type_uid: 200402,
      time: Date.parse('2026-11-24T10:06:00.000Z'),
      severity_id: 4,
      severity: 'High',
      status_id: 2,
      status: 'In Progress',
      confidence_score: 91,
      is_alert: true,
      message: expect.stringContaining('for the first time'),
      finding_info: {
        uid: '0b5c7a9e-0000-4000-8000-000000000001',
        title: `First access to a resource: ${IDENTITY}`,
        types: ['novel_resource'],
        created_time: Date.parse('2026-11-24T10:00:01.000Z'),
        first_seen_time: Date.parse('2026-11-24T10:00:00.000Z'),
        last_seen_time: Date.parse('2026-11-24T10:05:00.000Z'),
        related_events: [{ uid: 'cloudtrail:a' }, { uid: 'cloudtrail:b' }],
      },
      metadata: {
        version: '1.3.0',
        uid: '0b5c7a9e-0000-4000-8000-000000000001',
        correlation_uid: `${IDENTITY}.novel_resource.x`,
        product: { name: 'Vigil', vendor_name: 'Vigil' },
      },
      unmapped: { vigil: expect.objectContaining({ owasp: 'NHI5', occurrences: 3 }) },
    });
  });

  it('lists the identity and the resource, with observables for them and the source IP', () => {
    const finding = ocsfDetectionFinding(aCase());
    expect(finding.resources).toEqual([
      expect.objectContaining({
        uid: IDENTITY,
        type: 'Non-Human Identity',
        owner: { name: 'platform@example.com' },
      }),
      expect.objectContaining({ uid: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod' }),
    ]);
    expect(finding.observables).toEqual(
      expect.arrayContaining([
        { name: 'resources[0].uid', type: 'Resource UID', type_id: 10, value: IDENTITY },
        expect.objectContaining({ type: 'IP Address', type_id: 2, value: '198.51.100.7' }),
      ]),
    );
    expect(finding.evidences[0]).toMatchObject({
      data: expect.objectContaining({ eventIds: ['cloudtrail:a', 'cloudtrail:b'] }),
      src_endpoint: { ip: '198.51.100.7' },
    });
  });

  it.each([
    ['low', 2],
    ['medium', 3],
    ['high', 4],
    ['critical', 5],
  ] as const)('severity %s → severity_id %i', (severity, id) => {
    expect(ocsfDetectionFinding(aCase({ severity })).severity_id).toBe(id);
  });

  it.each([
    ['open', null, 1, 'New', 2],
    ['escalated', null, 2, 'In Progress', 2],
    ['resolved', 'contained', 4, 'Resolved', 3],
    ['resolved', 'false_positive', 3, 'Suppressed', 3],
    ['resolved', 'accepted_risk', 3, 'Suppressed', 3],
  ] as const)(
    'status %s (%s) → %i %s, activity %i',
    (status, resolution, statusId, name, activity) => {
      const finding = ocsfDetectionFinding(aCase({ status, resolution }));
      expect(finding).toMatchObject({ status_id: statusId, status: name, activity_id: activity });
    },
  );

  it('renders a CaseView as the API returns it', () => {
    const view = { ...aCase(), timeline: [], context: null } as unknown as CaseView;
    expect(ocsfDetectionFinding(view, { activity: 'create' }).type_uid).toBe(200401);
  });

  it('as a notification body: Create on the first escalation, from the notification alone if need be', () => {
    const finding = ocsfFindingOf(
      {
        idempotencyKey: 'c1:escalated-1',
        type: 'case_escalated',
        caseId: 'c1',
        workflowId: 'case-svc.novel_scope',
        identityId: 'svc',
        kind: 'novel_scope',
        severity: 'medium',
        tier: 1,
        recipient: 'owner@example.com',
        summary: 'svc used scope "iam:CreateUser" for the first time',
        deadline: '2026-11-24T12:00:00.000Z',
        detail: {},
      },
      null,
    );
    expect(finding).toMatchObject({
      class_uid: 2004,
      activity_id: 1,
      severity_id: 3,
      finding_info: { uid: 'c1', types: ['novel_scope'] },
      unmapped: {
        vigil: expect.objectContaining({
          notificationType: 'case_escalated',
          recipient: 'owner@example.com',
        }),
      },
    });
  });
});
