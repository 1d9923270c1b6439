import type { TelemetryEvent } from '@vigil/contracts';
import { mapCloudTrailRecord, mapOcsfEvent, validateEvent } from '@vigil/domain';

const ACCOUNT = '123456789012';
const TIME = Date.parse('2026-11-24T10:00:00Z');

/** An API Activity event as Amazon Security Lake writes CloudTrail management events. */
function apiActivity(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    class_uid: 6003,
    category_uid: 6,
    activity_id: 2,
    type_uid: 600302,
    time: TIME,
    severity_id: 1,
    status: 'Success',
    metadata: {
      uid: 'b9c3d881-1e77-426c-abd3-5ca20d903380',
      version: '1.1.0',
      product: { name: 'CloudTrail', vendor_name: 'AWS', version: '1.09' },
    },
    cloud: { provider: 'AWS', region: 'eu-west-1' },
    api: {
      operation: 'GetSecretValue',
      service: { name: 'secretsmanager.amazonaws.com' },
      request: { uid: 'req-1' },
      response: {},
    },
    actor: {
      user: {
        type: 'AssumedRole',
        name: 'payments-api',
        uid: `arn:aws:sts::${ACCOUNT}:assumed-role/payments-api/i-0abc`,
        uid_alt: 'AROAEXAMPLE:i-0abc',
        account: { uid: ACCOUNT },
        credential_uid: 'ASIAEXAMPLE',
      },
      session: { issuer: `arn:aws:iam::${ACCOUNT}:role/payments-api`, is_mfa: false },
    },
    src_endpoint: { ip: '10.0.0.4' },
    http_request: { user_agent: 'aws-sdk-go-v2/1.30.3' },
    resources: [
      {
        uid: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:prod/db-AbCdEf`,
        type: 'AWS::SecretsManager::Secret',
      },
    ],
    unmapped: { 'requestParameters.secretId': 'prod/db' },
    ...overrides,
  };
}

function authentication(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    class_uid: 3002,
    activity_id: 1,
    activity_name: 'Logon',
    time: TIME,
    status_id: 1,
    metadata: { uid: 'auth-1', product: { name: 'Okta', vendor_name: 'Okta' } },
    user: { uid: '00u1abc', name: 'svc-reporting@example.com', type: 'User' },
    service: { name: 'salesforce' },
    src_endpoint: { ip: '198.51.100.7' },
    logon_type: 'Network',
    logon_type_id: 3,
    ...overrides,
  };
}

function mapped(raw: unknown): TelemetryEvent {
  const result = mapOcsfEvent(raw, 0);
  if (!result.ok) throw new Error(`refused: ${JSON.stringify(result.rejection)}`);
  expect(validateEvent(result.event, 0, Date.now()).ok).toBe(true);
  return result.event;
}

describe('OCSF API Activity (6003) → Vigil event', () => {
  it('maps an AWS call exactly as its CloudTrail record maps', () => {
    const event = mapped(apiActivity());
    expect(event).toMatchObject({
      id: 'ocsf:b9c3d881-1e77-426c-abd3-5ca20d903380',
      time: '2026-11-24T10:00:00.000Z',
      identityId: `arn:aws:iam::${ACCOUNT}:role/payments-api`,
      type: 'secret.accessed',
      action: 'secretsmanager:GetSecretValue',
      scope: 'secretsmanager:GetSecretValue',
      resource: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:prod/db-AbCdEf`,
      source: { ip: '10.0.0.4', userAgent: 'aws-sdk-go-v2/1.30.3' },
      outcome: 'allowed',
      attributes: expect.objectContaining({
        source: 'ocsf',
        ocsfClass: 6003,
        product: 'CloudTrail',
        credential: 'temporary_credentials',
        requestParameters: { secretId: 'prod/db' },
      }),
    });
    const fromCloudTrail = mapCloudTrailRecord(
      {
        eventID: 'x',
        eventTime: '2026-11-24T10:00:00Z',
        eventSource: 'secretsmanager.amazonaws.com',
        eventName: 'GetSecretValue',
        userIdentity: {
          type: 'AssumedRole',
          arn: `arn:aws:sts::${ACCOUNT}:assumed-role/payments-api/i-0abc`,
          sessionContext: {
            sessionIssuer: { type: 'Role', arn: `arn:aws:iam::${ACCOUNT}:role/payments-api` },
          },
        },
      },
      0,
    );
    expect(fromCloudTrail.ok && fromCloudTrail.event).toMatchObject({
      identityId: event.identityId,
      type: event.type,
      action: event.action,
    });
  });

  it('reads a failed call as denied or error from api.response.error', () => {
    const denied = mapped(
      apiActivity({
        status: 'Failure',
        status_id: 2,
        api: {
          operation: 'GetPasswordData',
          service: { name: 'ec2.amazonaws.com' },
          response: { error: 'Client.UnauthorizedOperation', message: 'not authorised' },
        },
      }),
    );
    expect(denied).toMatchObject({
      type: 'secret.accessed',
      outcome: 'denied',
      attributes: expect.objectContaining({ errorCode: 'Client.UnauthorizedOperation' }),
    });
  });

  it('maps privilege grants and credential calls by their operation', () => {
    const grant = mapped(
      apiActivity({
        api: {
          operation: 'AttachRolePolicy',
          service: { name: 'iam.amazonaws.com' },
          request: {
            data: { roleName: 'r', policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
          },
        },
        resources: [],
        actor: {
          user: {
            type: 'IAMUser',
            name: 'ci',
            uid: `arn:aws:iam::${ACCOUNT}:user/ci`,
            credential_uid: 'AKIAEXAMPLE',
          },
        },
      }),
    );
    expect(grant).toMatchObject({
      identityId: `arn:aws:iam::${ACCOUNT}:user/ci`,
      type: 'privilege.elevated',
      resource: `arn:aws:iam::${ACCOUNT}:role/r`,
      attributes: expect.objectContaining({
        policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
        credential: 'long_term_access_key',
      }),
    });
  });

  it('maps a call of another provider as a generic API call on its service', () => {
    const event = mapped(
      apiActivity({
        metadata: { uid: 'gh-1', product: { name: 'GitHub Audit Log', vendor_name: 'GitHub' } },
        api: { operation: 'repo.download_zip', service: { name: 'GitHub' } },
        actor: { user: { name: 'deploy-bot', uid: '4242', type: 'Bot' } },
        resources: [{ name: 'acme/payments', type: 'Repository' }],
        cloud: undefined,
      }),
    );
    expect(event).toMatchObject({
      identityId: '4242',
      type: 'api.called',
      action: 'github:repo.download_zip',
      resource: 'acme/payments',
    });
  });
});

describe('OCSF Authentication (3002) → Vigil event', () => {
  it('a logon is auth.login for the user who authenticated', () => {
    expect(mapped(authentication())).toMatchObject({
      id: 'ocsf:auth-1',
      identityId: '00u1abc',
      type: 'auth.login',
      action: 'logon',
      resource: 'salesforce',
      source: { ip: '198.51.100.7' },
      outcome: 'allowed',
    });
  });

  it('a failed logon is auth.failed', () => {
    expect(
      mapped(authentication({ status_id: 2, status_code: 'INVALID_CREDENTIALS' })),
    ).toMatchObject({
      type: 'auth.failed',
      outcome: 'denied',
    });
  });

  it('an interactive logon carries the markers of a person at the keyboard', () => {
    const event = mapped(
      authentication({ logon_type: 'Interactive', logon_type_id: 2, is_mfa: true }),
    );
    expect(event.attributes).toMatchObject({ interactive: true, mfa: true });
    expect(mapped(authentication()).attributes.interactive).toBeUndefined();
  });
});

describe('OCSF events Vigil refuses', () => {
  it.each([
    [
      'another class',
      apiActivity({ class_uid: 4001 }),
      'unsupported_record',
      'records[2].class_uid',
    ],
    [
      'no metadata.uid',
      apiActivity({ metadata: {} }),
      'validation_failed',
      'records[2].metadata.uid',
    ],
    ['no time', apiActivity({ time: undefined }), 'validation_failed', 'records[2].time'],
    ['no actor', apiActivity({ actor: {} }), 'validation_failed', 'records[2].actor.user'],
    [
      'no operation',
      apiActivity({ api: { service: { name: 'x' } } }),
      'validation_failed',
      'records[2].api.operation',
    ],
    ['no user', authentication({ user: undefined }), 'validation_failed', 'records[2].user'],
    ['not an object', [1, 2], 'validation_failed', 'records[2]'],
  ])('%s', (_name, raw, code, field) => {
    expect(mapOcsfEvent(raw, 2)).toMatchObject({
      ok: false,
      rejection: { index: 2, code, field, message: expect.any(String) },
    });
  });
});
