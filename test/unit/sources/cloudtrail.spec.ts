import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TelemetryEvent } from '@vigil/contracts';
import {
  BatchFormatError,
  mapCloudTrailRecord,
  parseCloudTrailBody,
  validateEvent,
} from '@vigil/domain';

const DATASET = path.resolve(__dirname, '../../../../shared/datasets/stratus-red-team');
const ACCOUNT = '123456789012';

const IAM_USER = {
  type: 'IAMUser',
  principalId: 'AIDAEXAMPLE',
  arn: `arn:aws:iam::${ACCOUNT}:user/ci-deploy`,
  accountId: ACCOUNT,
  accessKeyId: 'AKIAEXAMPLEKEY',
  userName: 'ci-deploy',
};

const ROLE_SESSION = {
  type: 'AssumedRole',
  principalId: 'AROAEXAMPLE:i-0abc1234def567890',
  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/payments-api/i-0abc1234def567890`,
  accountId: ACCOUNT,
  accessKeyId: 'ASIAEXAMPLEKEY',
  sessionContext: {
    sessionIssuer: {
      type: 'Role',
      principalId: 'AROAEXAMPLE',
      arn: `arn:aws:iam::${ACCOUNT}:role/service/payments-api`,
      accountId: ACCOUNT,
      userName: 'payments-api',
    },
    attributes: { creationDate: '2026-11-24T09:00:00Z', mfaAuthenticated: 'false' },
    ec2RoleDelivery: '2.0',
  },
};

function record(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventVersion: '1.09',
    eventID: 'b9c3d881-1e77-426c-abd3-5ca20d903380',
    eventTime: '2026-11-24T10:00:00Z',
    eventSource: 'secretsmanager.amazonaws.com',
    eventName: 'GetSecretValue',
    awsRegion: 'eu-west-1',
    sourceIPAddress: '10.0.0.4',
    userAgent: 'aws-sdk-go-v2/1.30.3 os/linux',
    requestParameters: { secretId: 'prod/payments/db' },
    responseElements: null,
    recipientAccountId: ACCOUNT,
    userIdentity: IAM_USER,
    ...overrides,
  };
}

function mapped(overrides: Record<string, unknown> = {}): TelemetryEvent {
  const result = mapCloudTrailRecord(record(overrides), 0);
  if (!result.ok) throw new Error(`refused: ${JSON.stringify(result.rejection)}`);
  // Every mapped event must pass ingest's own validation unchanged.
  const validated = validateEvent(result.event, 0, Date.parse('2027-01-01T00:00:00Z'));
  expect(validated.ok).toBe(true);
  return result.event;
}

function call(eventSource: string, eventName: string, requestParameters: unknown = null) {
  return mapped({ eventSource, eventName, requestParameters });
}

describe('CloudTrail record → Vigil event', () => {
  it('maps the fields of a call and derives the event id from eventID', () => {
    expect(mapped()).toMatchObject({
      id: 'cloudtrail:b9c3d881-1e77-426c-abd3-5ca20d903380',
      time: '2026-11-24T10:00:00Z',
      identityId: `arn:aws:iam::${ACCOUNT}:user/ci-deploy`,
      type: 'secret.accessed',
      action: 'secretsmanager:GetSecretValue',
      scope: 'secretsmanager:GetSecretValue',
      resource: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:prod/payments/db`,
      source: { ip: '10.0.0.4', userAgent: 'aws-sdk-go-v2/1.30.3 os/linux' },
      outcome: 'allowed',
      attributes: expect.objectContaining({
        source: 'cloudtrail',
        eventSource: 'secretsmanager.amazonaws.com',
        eventName: 'GetSecretValue',
        awsRegion: 'eu-west-1',
      }),
    });
  });

  describe('identity from userIdentity', () => {
    it('an IAM user with a long-term AKIA key is its ARN, the key flagged as long-term', () => {
      const event = mapped();
      expect(event.identityId).toBe(`arn:aws:iam::${ACCOUNT}:user/ci-deploy`);
      expect(event.attributes).toMatchObject({
        principalType: 'IAMUser',
        accessKeyId: 'AKIAEXAMPLEKEY',
        credential: 'long_term_access_key',
        userName: 'ci-deploy',
      });
    });

    it('an IAM user on temporary ASIA credentials is the same identity', () => {
      const event = mapped({ userIdentity: { ...IAM_USER, accessKeyId: 'ASIATEMPORARY' } });
      expect(event.identityId).toBe(`arn:aws:iam::${ACCOUNT}:user/ci-deploy`);
      expect(event.attributes.credential).toBe('temporary_credentials');
    });

    it('every session of a role is the role (with its path); the session is an attribute', () => {
      const event = mapped({ userIdentity: ROLE_SESSION });
      expect(event.identityId).toBe(`arn:aws:iam::${ACCOUNT}:role/service/payments-api`);
      expect(event.attributes).toMatchObject({
        principalType: 'AssumedRole',
        roleName: 'payments-api',
        sessionName: 'i-0abc1234def567890',
        instanceId: 'i-0abc1234def567890',
        credential: 'temporary_credentials',
        mfaAuthenticated: false,
      });
    });

    it('a role session without its issuer is rebuilt from the session ARN', () => {
      const { sessionContext: _, ...bare } = ROLE_SESSION;
      expect(mapped({ userIdentity: bare }).identityId).toBe(
        `arn:aws:iam::${ACCOUNT}:role/payments-api`,
      );
    });

    it('an IAM Identity Center (SSO) role is flagged as people', () => {
      const sso = `arn:aws:iam::${ACCOUNT}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_admin_0123`;
      const event = mapped({
        userIdentity: {
          ...ROLE_SESSION,
          arn: `arn:aws:sts::${ACCOUNT}:assumed-role/AWSReservedSSO_admin_0123/alice@example.com`,
          sessionContext: { sessionIssuer: { type: 'Role', arn: sso } },
        },
      });
      expect(event.identityId).toBe(sso);
      expect(event.attributes).toMatchObject({ sso: true, sessionName: 'alice@example.com' });
    });

    it('a federated user is its federated-user ARN, minted by an IAM user', () => {
      const event = mapped({
        userIdentity: {
          type: 'FederatedUser',
          principalId: `${ACCOUNT}:build`,
          arn: `arn:aws:sts::${ACCOUNT}:federated-user/build`,
          accountId: ACCOUNT,
          accessKeyId: 'ASIAFEDERATED',
          sessionContext: {
            sessionIssuer: { type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/ci-deploy` },
          },
        },
      });
      expect(event.identityId).toBe(`arn:aws:sts::${ACCOUNT}:federated-user/build`);
      expect(event.attributes.issuer).toBe(`arn:aws:iam::${ACCOUNT}:user/ci-deploy`);
    });

    it.each([
      [
        'root',
        { type: 'Root', arn: `arn:aws:iam::${ACCOUNT}:root`, accountId: ACCOUNT },
        `arn:aws:iam::${ACCOUNT}:root`,
      ],
      [
        'an AWS service',
        { type: 'AWSService', invokedBy: 'lambda.amazonaws.com' },
        'aws-service:lambda.amazonaws.com',
      ],
      [
        'another account',
        { type: 'AWSAccount', accountId: '210987654321', principalId: 'AIDAOTHER' },
        'aws-account:210987654321',
      ],
      [
        'a web identity',
        {
          type: 'WebIdentityUser',
          identityProvider: 'token.actions.githubusercontent.com',
          userName: 'repo:acme/app:ref:refs/heads/main',
        },
        'web-identity:token.actions.githubusercontent.com:repo:acme/app:ref:refs/heads/main',
      ],
      [
        'a SAML user',
        { type: 'SAMLUser', identityProvider: 'okta', userName: 'alice@example.com' },
        'saml:okta:alice@example.com',
      ],
      [
        'a type AWS adds later',
        { type: 'IdentityCenterUser', principalId: 'd-1234/u-5678' },
        'd-1234/u-5678',
      ],
    ])('%s', (_name, userIdentity, identityId) => {
      expect(mapped({ userIdentity }).identityId).toBe(identityId);
    });

    it('keeps characters an identity id cannot hold out of it, and bounds its length', () => {
      const event = mapped({
        userIdentity: { type: 'SAMLUser', identityProvider: 'okta', userName: 'Alice Smith*' },
      });
      expect(event.identityId).toBe('saml:okta:Alice_Smith_');
      const long = mapped({
        userIdentity: { ...IAM_USER, arn: `arn:aws:iam::${ACCOUNT}:user/${'a'.repeat(300)}` },
      });
      expect(long.identityId.length).toBeLessThanOrEqual(160);
    });
  });

  describe('event type from eventSource and eventName', () => {
    it.each([
      ['secretsmanager.amazonaws.com', 'GetSecretValue', { secretId: 'x' }, 'secret.accessed'],
      ['secretsmanager.amazonaws.com', 'BatchGetSecretValue', {}, 'secret.accessed'],
      [
        'ssm.amazonaws.com',
        'GetParameters',
        { names: ['/a'], withDecryption: true },
        'secret.accessed',
      ],
      ['ssm.amazonaws.com', 'GetParameter', { name: '/a' }, 'api.called'],
      ['ec2.amazonaws.com', 'GetPasswordData', { instanceId: 'i-1' }, 'secret.accessed'],
      [
        'ec2.amazonaws.com',
        'DescribeInstanceAttribute',
        { attribute: 'userData', instanceId: 'i-1' },
        'secret.accessed',
      ],
      ['sts.amazonaws.com', 'AssumeRole', { roleArn: 'arn:aws:iam::1:role/r' }, 'token.used'],
      ['sts.amazonaws.com', 'AssumeRoleWithWebIdentity', {}, 'token.used'],
      ['sts.amazonaws.com', 'GetFederationToken', { name: 'x' }, 'credential.created'],
      ['iam.amazonaws.com', 'CreateAccessKey', { userName: 'other' }, 'credential.created'],
      ['iam.amazonaws.com', 'CreateAccessKey', { userName: 'ci-deploy' }, 'credential.rotated'],
      ['iam.amazonaws.com', 'CreateAccessKey', null, 'credential.rotated'],
      ['iam.amazonaws.com', 'UpdateAccessKey', { status: 'Inactive' }, 'credential.updated'],
      ['iam.amazonaws.com', 'DeleteAccessKey', { accessKeyId: 'AKIAOLD' }, 'credential.deleted'],
      ['iam.amazonaws.com', 'CreateLoginProfile', { userName: 'u' }, 'credential.created'],
      ['iam.amazonaws.com', 'UpdateLoginProfile', { userName: 'u' }, 'credential.updated'],
      ['ec2-instance-connect.amazonaws.com', 'SendSSHPublicKey', {}, 'credential.created'],
      ['iam.amazonaws.com', 'AttachUserPolicy', { userName: 'u' }, 'privilege.elevated'],
      ['iam.amazonaws.com', 'AttachRolePolicy', { roleName: 'r' }, 'privilege.elevated'],
      ['iam.amazonaws.com', 'PutRolePolicy', { roleName: 'r' }, 'privilege.elevated'],
      ['iam.amazonaws.com', 'UpdateAssumeRolePolicy', { roleName: 'r' }, 'privilege.elevated'],
      ['iam.amazonaws.com', 'AddUserToGroup', { groupName: 'g' }, 'privilege.elevated'],
      [
        'lambda.amazonaws.com',
        'AddPermission20150331v2',
        { functionName: 'f' },
        'privilege.elevated',
      ],
      ['s3.amazonaws.com', 'PutBucketPolicy', { bucketName: 'b' }, 'privilege.elevated'],
      ['iam.amazonaws.com', 'CreateUser', { userName: 'u' }, 'api.called'],
      ['cloudtrail.amazonaws.com', 'StopLogging', { name: 't' }, 'api.called'],
      ['madeup.amazonaws.com', 'DoSomethingNew', null, 'api.called'],
    ])('%s %s → %s', (eventSource, eventName, parameters, type) => {
      expect(call(eventSource, eventName, parameters)).toMatchObject({ type });
    });

    it('keeps an unknown call as a generic API call with its IAM action', () => {
      expect(call('madeup.amazonaws.com', 'DoSomethingNew')).toMatchObject({
        type: 'api.called',
        action: 'madeup:DoSomethingNew',
        scope: 'madeup:DoSomethingNew',
      });
    });

    it('strips the version of versioned operation names (Lambda)', () => {
      expect(call('lambda.amazonaws.com', 'UpdateFunctionCode20150331v2').action).toBe(
        'lambda:UpdateFunctionCode',
      );
    });

    it('keeps what a privilege grant granted, and to whom', () => {
      const event = call('iam.amazonaws.com', 'AttachUserPolicy', {
        userName: 'malicious',
        policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
      });
      expect(event.resource).toBe(`arn:aws:iam::${ACCOUNT}:user/malicious`);
      expect(event.attributes).toMatchObject({
        policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
        resources: [
          `arn:aws:iam::${ACCOUNT}:user/malicious`,
          'arn:aws:iam::aws:policy/AdministratorAccess',
        ],
      });
    });

    it('a console sign-in is an auth event the human-use detector reads', () => {
      const login = mapped({
        eventSource: 'signin.amazonaws.com',
        eventName: 'ConsoleLogin',
        eventType: 'AwsConsoleSignIn',
        additionalEventData: { MFAUsed: 'No' },
        responseElements: { ConsoleLogin: 'Success' },
      });
      expect(login).toMatchObject({
        type: 'auth.login',
        outcome: 'allowed',
        attributes: expect.objectContaining({ console: true, mfa: false }),
      });
      const failed = mapped({
        eventSource: 'signin.amazonaws.com',
        eventName: 'ConsoleLogin',
        errorMessage: 'Failed authentication',
        responseElements: { ConsoleLogin: 'Failure' },
      });
      expect(failed).toMatchObject({ type: 'auth.failed', outcome: 'denied' });
    });
  });

  describe('resource, source and outcome', () => {
    it.each([
      [
        'sts.amazonaws.com',
        'AssumeRole',
        { roleArn: `arn:aws:iam::${ACCOUNT}:role/deploy` },
        `arn:aws:iam::${ACCOUNT}:role/deploy`,
      ],
      [
        'ssm.amazonaws.com',
        'GetParameters',
        { names: ['/app/db', 'plain'] },
        `arn:aws:ssm:eu-west-1:${ACCOUNT}:parameter/app/db`,
      ],
      [
        'lambda.amazonaws.com',
        'AddPermission20150331v2',
        { functionName: 'orders' },
        `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:orders`,
      ],
      [
        'ec2.amazonaws.com',
        'StartInstances',
        { instancesSet: { items: [{ instanceId: 'i-9' }] } },
        `arn:aws:ec2:eu-west-1:${ACCOUNT}:instance/i-9`,
      ],
      ['s3.amazonaws.com', 'GetObject', { bucketName: 'data', key: 'a/b' }, 'arn:aws:s3:::data'],
      ['sts.amazonaws.com', 'GetCallerIdentity', null, null],
    ])('%s %s → resource %s', (eventSource, eventName, parameters, resource) => {
      expect(call(eventSource, eventName, parameters).resource).toBe(resource);
    });

    it("prefers CloudTrail's own resources list", () => {
      const event = mapped({
        resources: [{ ARN: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/abc`, type: 'AWS::KMS::Key' }],
      });
      expect(event.resource).toBe(`arn:aws:kms:eu-west-1:${ACCOUNT}:key/abc`);
    });

    it('reads a service name in sourceIPAddress as a host, not an IP', () => {
      expect(mapped({ sourceIPAddress: 'cloudformation.amazonaws.com' }).source).toEqual({
        host: 'cloudformation.amazonaws.com',
        userAgent: 'aws-sdk-go-v2/1.30.3 os/linux',
      });
      expect(mapped({ sourceIPAddress: '2001:db8::1' }).source.ip).toBe('2001:db8::1');
    });

    it.each([
      [undefined, 'allowed'],
      ['AccessDenied', 'denied'],
      ['Client.UnauthorizedOperation', 'denied'],
      ['EntityTemporarilyUnmodifiableException', 'error'],
      ['ThrottlingException', 'error'],
    ])('errorCode %s → %s', (errorCode, outcome) => {
      expect(mapped(errorCode ? { errorCode, errorMessage: 'nope' } : {}).outcome).toBe(outcome);
    });
  });

  it('never keeps credentials from the response or the request', () => {
    const event = mapped({
      eventSource: 'sts.amazonaws.com',
      eventName: 'AssumeRole',
      requestParameters: { roleArn: `arn:aws:iam::${ACCOUNT}:role/deploy`, roleSessionName: 's' },
      responseElements: {
        assumedRoleUser: { arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deploy/s` },
        credentials: {
          accessKeyId: 'ASIAISSUED',
          sessionToken: 'IQoJb3JpZ2luX2VjEGYaCXVzLWVhc3QtMSJGMEQCIGWKgbykBmpv',
          secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
          expiration: 'Jul 30, 2024, 9:46:15 PM',
        },
      },
    });
    const stored = JSON.stringify(event);
    expect(stored).not.toContain('IQoJb3JpZ2lu');
    expect(stored).not.toContain('wJalrXUtnFEMI');
    expect(event.attributes).toMatchObject({
      issuedAccessKeyId: 'ASIAISSUED',
      assumedRoleArn: `arn:aws:sts::${ACCOUNT}:assumed-role/deploy/s`,
    });
    const login = mapped({
      eventSource: 'iam.amazonaws.com',
      eventName: 'CreateLoginProfile',
      requestParameters: { userName: 'u', password: 'hunter2hunter2' },
    });
    expect(JSON.stringify(login)).not.toContain('hunter2');
  });

  it('summarises request parameters too large to keep by their keys', () => {
    const event = call('rolesanywhere.amazonaws.com', 'CreateTrustAnchor', {
      name: 'anchor',
      source: { sourceData: { x509CertificateData: 'A'.repeat(5_000) } },
      tags: Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: 'v'.repeat(200) })),
    });
    expect(event.attributes.requestParameters).toBeUndefined();
    expect(event.attributes.requestParameterKeys).toEqual(['name', 'source', 'tags']);
  });

  describe('malformed records are refused with the field and the reason', () => {
    it.each([
      ['not an object', 'a string', 'records[4]'],
      ['no eventID', record({ eventID: undefined }), 'records[4].eventID'],
      ['no eventTime', record({ eventTime: '' }), 'records[4].eventTime'],
      ['no eventName', record({ eventName: null }), 'records[4].eventName'],
      ['no userIdentity', record({ userIdentity: undefined }), 'records[4].userIdentity'],
      [
        'an IAM user without a name',
        record({ userIdentity: { type: 'IAMUser' } }),
        'records[4].userIdentity.arn',
      ],
    ])('%s', (_name, raw, field) => {
      const result = mapCloudTrailRecord(raw, 4);
      expect(result).toMatchObject({
        ok: false,
        rejection: { index: 4, code: 'validation_failed', field, message: expect.any(String) },
      });
    });
  });
});

describe('CloudTrail bodies', () => {
  const one = record();
  const two = record({ eventID: 'second' });

  it('takes the {"Records": [...]} file shape', () => {
    expect(parseCloudTrailBody(JSON.stringify({ Records: [one, two] }), 'json')).toEqual({
      items: [one, two],
      rejected: [],
    });
  });

  it('takes a bare JSON array', () => {
    expect(parseCloudTrailBody(JSON.stringify([one, two]), 'json').items).toEqual([one, two]);
  });

  it('takes NDJSON: a record, an EventBridge event or a whole file per line; a bad line alone is refused', () => {
    const envelope = {
      'detail-type': 'AWS API Call via CloudTrail',
      source: 'aws.secretsmanager',
      detail: two,
    };
    const body = [
      JSON.stringify(one),
      '{"eventID": oops',
      JSON.stringify(envelope),
      '',
      JSON.stringify({ Records: [one, two] }),
    ].join('\n');
    const parsed = parseCloudTrailBody(body, 'ndjson');
    expect(parsed.items).toEqual([one, undefined, envelope, one, two]);
    expect(parsed.rejected).toEqual([
      {
        index: 1,
        code: 'malformed_json',
        field: 'records[1]',
        message: 'line 2 is not valid JSON',
      },
    ]);
    const event = mapCloudTrailRecord(parsed.items[2], 2);
    expect(event.ok && event.event.id).toBe('cloudtrail:second');
  });

  it('refuses a JSON body that is neither', () => {
    expect(() => parseCloudTrailBody('{"records": []}', 'json')).toThrow(BatchFormatError);
    expect(() => parseCloudTrailBody('not json', 'json')).toThrow(BatchFormatError);
  });
});

describe('the Stratus Red Team dataset', () => {
  const files = fs.readdirSync(DATASET).filter((f) => f.endsWith('.json'));

  it.each(files)('%s: every record maps to a valid event without credentials', (file) => {
    const records = JSON.parse(fs.readFileSync(path.join(DATASET, file), 'utf8')) as unknown[];
    records.forEach((raw, i) => {
      const result = mapCloudTrailRecord(raw, i);
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(validateEvent(result.event, i, Date.now()).ok).toBe(true);
      expect(JSON.stringify(result.event)).not.toMatch(/sessionToken|IQoJb3JpZ2lu/);
    });
  });
});
