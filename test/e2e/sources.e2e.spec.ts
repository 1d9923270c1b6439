import { testingPostgres } from '../support/database';
import { eventually } from '../support/eventually';
import { startSystem, type RunningSystem } from '../support/system';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';
import { apiClient, type Http } from '../support/http';

const database = testingPostgres ? 'PostgreSQL' : 'SQLite';
const ACCOUNT = '123456789012';

function cloudTrailRecord(eventID: string, overrides: Record<string, unknown> = {}) {
  return {
    eventVersion: '1.09',
    eventID,
    eventTime: '2026-11-20T10:00:00Z',
    eventSource: 'iam.amazonaws.com',
    eventName: 'CreateUser',
    awsRegion: 'eu-west-1',
    sourceIPAddress: '198.51.100.7',
    userAgent: 'aws-cli/2.15.0',
    requestParameters: { userName: 'new-user' },
    responseElements: null,
    recipientAccountId: ACCOUNT,
    userIdentity: {
      type: 'IAMUser',
      arn: `arn:aws:iam::${ACCOUNT}:user/unregistered-bot`,
      accountId: ACCOUNT,
      accessKeyId: 'AKIAUNREGISTERED',
      userName: 'unregistered-bot',
    },
    ...overrides,
  };
}

/**
 * The log-source routes through the HTTP API, and cases rendered as OCSF findings on the API
 * and on the notification webhook (NOTIFY_WEBHOOK_FORMAT=ocsf).
 */
describe(`log sources and OCSF findings end to end on ${database}`, () => {
  let system: RunningSystem;
  let receiver: WebhookReceiver;
  let http: Http;
  let caseId: string;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    system = await startSystem(`sources-${process.pid}`, {
      webhooks: {
        remediation: { url: null, secret: null },
        notify: { url: receiver.url, secret: receiver.secret },
        notifyFormat: 'ocsf',
        slackUrl: null,
        timeoutMs: 5_000,
      },
    });
    http = apiClient(system.api);
  });

  afterAll(async () => {
    await system?.stop();
    await receiver?.close();
  });

  it('keeps the valid records of a CloudTrail batch and tells why each other one was refused', async () => {
    const ndjson = [
      JSON.stringify(cloudTrailRecord('ct-valid-1')),
      '{"eventID": oops',
      JSON.stringify(cloudTrailRecord('', { eventID: undefined })),
      JSON.stringify(cloudTrailRecord('ct-future', { eventTime: '2999-01-01T00:00:00Z' })),
      JSON.stringify({
        'detail-type': 'AWS API Call via CloudTrail',
        source: 'aws.iam',
        detail: cloudTrailRecord('ct-valid-2', { eventName: 'ListUsers', requestParameters: null }),
      }),
    ].join('\n');
    const { body } = await http
      .post('/v1/sources/cloudtrail')
      .set('content-type', 'application/x-ndjson')
      .send(ndjson)
      .expect(200);
    expect(body).toMatchObject({ accepted: 2, duplicates: 0 });
    expect(body.rejected).toEqual([
      {
        index: 1,
        code: 'malformed_json',
        field: 'records[1]',
        message: 'line 2 is not valid JSON',
      },
      {
        index: 2,
        code: 'validation_failed',
        field: 'records[2].eventID',
        message: expect.stringContaining('eventID is required'),
      },
      {
        index: 3,
        code: 'validation_failed',
        field: 'records[3].eventTime',
        message: 'time is more than 5 minutes in the future',
      },
    ]);
    expect(body.records).toEqual([
      {
        index: 0,
        status: 'accepted',
        eventId: 'cloudtrail:ct-valid-1',
        identityId: `arn:aws:iam::${ACCOUNT}:user/unregistered-bot`,
        type: 'api.called',
      },
      { index: 1, status: 'rejected', code: 'malformed_json', message: expect.any(String) },
      { index: 2, status: 'rejected', code: 'validation_failed', message: expect.any(String) },
      expect.objectContaining({ index: 3, status: 'rejected', eventId: 'cloudtrail:ct-future' }),
      expect.objectContaining({ index: 4, status: 'accepted', eventId: 'cloudtrail:ct-valid-2' }),
    ]);
    // An unregistered principal is registered as unclassified, which is itself a case.
    expect(body.exceptions).toEqual([
      expect.objectContaining({
        kind: 'unclassified_identity',
        identityId: `arn:aws:iam::${ACCOUNT}:user/unregistered-bot`,
      }),
    ]);
    caseId = body.exceptions[0].caseId;

    const again = await http
      .post('/v1/sources/cloudtrail')
      .send({ Records: [cloudTrailRecord('ct-valid-1')] })
      .expect(200);
    expect(again.body).toMatchObject({ accepted: 0, duplicates: 1, exceptions: [] });
    expect(again.body.records[0].status).toBe('duplicate');
  });

  it('refuses bodies it cannot read as a whole, with a clear code', async () => {
    const wrongShape = await http.post('/v1/sources/cloudtrail').send({ records: [] }).expect(400);
    expect(wrongShape.body).toMatchObject({ code: 'malformed_json' });
    await http
      .post('/v1/sources/cloudtrail')
      .set('content-type', 'text/plain')
      .send('hello')
      .expect(415);
    const tooMany = Array.from({ length: 5_001 }, (_, i) => ({ eventID: `e${i}` }));
    const big = await http.post('/v1/sources/ocsf').send(tooMany).expect(413);
    expect(big.body.message).toContain('5000');
  });

  it('maps OCSF API Activity and Authentication, and refuses other classes per record', async () => {
    const time = Date.parse('2026-11-20T11:00:00Z');
    const { body } = await http
      .post('/v1/sources/ocsf')
      .send([
        {
          class_uid: 6003,
          time,
          metadata: { uid: 'ocsf-api-1', product: { name: 'CloudTrail', vendor_name: 'AWS' } },
          api: { operation: 'GetSecretValue', service: { name: 'secretsmanager.amazonaws.com' } },
          actor: {
            user: {
              type: 'AssumedRole',
              uid: `arn:aws:sts::${ACCOUNT}:assumed-role/payments-api/s1`,
            },
            session: { issuer: `arn:aws:iam::${ACCOUNT}:role/payments-api` },
          },
          src_endpoint: { ip: '10.0.0.4' },
          status_id: 1,
        },
        {
          class_uid: 3002,
          activity_id: 1,
          time,
          metadata: { uid: 'ocsf-auth-1' },
          user: { uid: 'svc-reporting', name: 'svc-reporting' },
          status_id: 2,
        },
        { class_uid: 4001, time, metadata: { uid: 'ocsf-net-1' } },
      ])
      .expect(200);
    expect(body.accepted).toBe(2);
    expect(body.records.map((r: { type?: string; status: string }) => [r.status, r.type])).toEqual([
      ['accepted', 'secret.accessed'],
      ['accepted', 'auth.failed'],
      ['rejected', undefined],
    ]);
    expect(body.records[0].identityId).toBe(`arn:aws:iam::${ACCOUNT}:role/payments-api`);
    expect(body.rejected).toEqual([
      expect.objectContaining({
        index: 2,
        code: 'unsupported_record',
        field: 'records[2].class_uid',
      }),
    ]);
  });

  it('renders a case as an OCSF Detection Finding with ?format=ocsf', async () => {
    await eventually(() => http.get(`/v1/cases/${caseId}`).expect(200));
    const { body } = await http.get(`/v1/cases/${caseId}?format=ocsf`).expect(200);
    expect(body).toMatchObject({
      class_uid: 2004,
      category_uid: 2,
      type_uid: 200400 + body.activity_id,
      severity_id: 2,
      finding_info: {
        uid: caseId,
        types: ['unclassified_identity'],
        related_events: [{ uid: 'cloudtrail:ct-valid-1' }],
      },
      resources: [
        expect.objectContaining({ uid: `arn:aws:iam::${ACCOUNT}:user/unregistered-bot` }),
      ],
      metadata: { version: '1.3.0', product: expect.objectContaining({ name: 'Vigil' }) },
    });
    const plain = await http.get(`/v1/cases/${caseId}?format=vigil`).expect(200);
    expect(plain.body).toMatchObject({ id: caseId, kind: 'unclassified_identity' });
  });

  it('refuses a format it does not know, naming the parameter', async () => {
    const { body } = await http.get(`/v1/cases/${caseId}?format=xml`).expect(400);
    expect(body).toMatchObject({
      code: 'validation_failed',
      field: 'format',
      message: 'format must be one of vigil, ocsf',
    });
  });

  it('sends the notification webhook as a signed OCSF finding with NOTIFY_WEBHOOK_FORMAT=ocsf', async () => {
    const delivered = await eventually(async () => {
      const found = receiver.requests.find(
        (r) => (r.body as { finding_info?: { uid?: string } } | null)?.finding_info?.uid === caseId,
      );
      if (!found) throw new Error('no finding yet');
      return found;
    });
    expect(delivered.verified).toBe(true);
    expect(delivered.body).toMatchObject({
      class_uid: 2004,
      activity_id: 1,
      type_uid: 200401,
      finding_info: { uid: caseId, types: ['unclassified_identity'] },
      unmapped: { vigil: expect.objectContaining({ notificationType: 'case_escalated' }) },
    });
  });

  it('documents the routes and the format parameter in the OpenAPI spec', async () => {
    const { body } = await http.get('/openapi.json').expect(200);
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining(['/v1/sources/cloudtrail', '/v1/sources/ocsf']),
    );
    const params = body.paths['/v1/cases/{id}'].get.parameters.map((p: { name: string }) => p.name);
    expect(params).toContain('format');
  });
});
