import { isObject, objectAt, stringAt, type JsonObject } from './values';

/**
 * What an AWS API call means to Vigil: its event type, the IAM action (the permission it
 * exercised, used as the event's scope and action) and the resources it touched. Shared
 * by the CloudTrail and the OCSF mappers, so one call maps the same from either source.
 */

/** CloudTrail event sources whose IAM action prefix differs from the host name. */
const ACTION_PREFIX: Readonly<Record<string, string>> = {
  monitoring: 'cloudwatch',
  email: 'ses',
};

/** `iam.amazonaws.com` → `iam`. */
export function serviceOf(eventSource: string): string {
  const host = eventSource.toLowerCase().replace(/\.amazonaws\.com(\.cn)?$/, '');
  return ACTION_PREFIX[host] ?? host;
}

/** Lambda and a few others log versioned operation names: `AddPermission20150331v2`. */
export function operationOf(eventName: string): string {
  return eventName.replace(/\d{8}(v\d+)?$/, '');
}

/** The IAM action of a call, e.g. `iam:AttachUserPolicy`: what allowed-scope globs match. */
export function iamActionOf(service: string, operation: string): string {
  return `${service}:${operation}`;
}

const IDENTITY_POLICY_GRANTS = new Set([
  'AttachUserPolicy',
  'AttachRolePolicy',
  'AttachGroupPolicy',
  'PutUserPolicy',
  'PutRolePolicy',
  'PutGroupPolicy',
  'AddUserToGroup',
  'CreatePolicyVersion',
  'SetDefaultPolicyVersion',
  'UpdateAssumeRolePolicy',
  'AddRoleToInstanceProfile',
  'DeleteUserPermissionsBoundary',
  'DeleteRolePermissionsBoundary',
]);

/** Resource policies that open a resource to more principals. */
const RESOURCE_POLICY_GRANTS: ReadonlySet<string> = new Set([
  'lambda:AddPermission',
  'lambda:AddLayerVersionPermission',
  's3:PutBucketPolicy',
  's3:PutBucketAcl',
  'kms:PutKeyPolicy',
  'kms:CreateGrant',
  'secretsmanager:PutResourcePolicy',
  'ecr:SetRepositoryPolicy',
  'sns:AddPermission',
  'sqs:AddPermission',
]);

const CREDENTIAL_CREATES = new Set([
  'CreateAccessKey',
  'CreateLoginProfile',
  'CreateServiceSpecificCredential',
  'UploadSSHPublicKey',
  'UploadSigningCertificate',
]);
const CREDENTIAL_UPDATES = new Set([
  'UpdateAccessKey',
  'UpdateLoginProfile',
  'UpdateSSHPublicKey',
  'UpdateServiceSpecificCredential',
  'ResetServiceSpecificCredential',
  'UpdateSigningCertificate',
]);
const CREDENTIAL_DELETES = new Set([
  'DeleteAccessKey',
  'DeleteLoginProfile',
  'DeleteSSHPublicKey',
  'DeleteServiceSpecificCredential',
  'DeleteSigningCertificate',
]);

const TOKEN_CALLS = new Set([
  'AssumeRole',
  'AssumeRoleWithSAML',
  'AssumeRoleWithWebIdentity',
  'AssumeRoot',
  'GetSessionToken',
]);

const SSM_PARAMETER_READS = new Set([
  'GetParameter',
  'GetParameters',
  'GetParametersByPath',
  'GetParameterHistory',
]);

export interface CallFacts {
  readonly service: string;
  readonly operation: string;
  readonly parameters: JsonObject | null;
  /** The IAM user name of the caller, when the caller is an IAM user (self-service calls). */
  readonly callerUserName: string | null;
  readonly failed: boolean;
}

/**
 * The Vigil event type of an AWS call:
 * - `secret.accessed`: reading secret material (Secrets Manager values, SSM parameters
 *   with decryption, EC2 Windows passwords, instance user data);
 * - `token.used`: obtaining role or session credentials through STS;
 * - `credential.rotated`: an IAM user creating an access key for itself; `credential.created`
 *   / `.updated` / `.deleted`: access keys, login profiles, SSH and signing keys of others,
 *   federation tokens, keys pushed to instances (EC2 Instance Connect);
 * - `privilege.elevated`: identity policies attached or put, trust policies rewritten,
 *   permission boundaries removed, resource policies opened;
 * - `auth.login` / `auth.failed`: console sign-in;
 * - `api.called`: everything else, kept with its IAM action so it is baselined too.
 */
export function eventTypeOf(call: CallFacts): string {
  const { service, operation, parameters } = call;
  const action = iamActionOf(service, operation);
  if (service === 'iam') {
    if (IDENTITY_POLICY_GRANTS.has(operation)) return 'privilege.elevated';
    if (operation === 'CreateAccessKey') {
      const target = stringAt(parameters, 'userName');
      const self = target === null || target === call.callerUserName;
      return self && call.callerUserName !== null ? 'credential.rotated' : 'credential.created';
    }
    if (CREDENTIAL_CREATES.has(operation)) return 'credential.created';
    if (CREDENTIAL_UPDATES.has(operation)) return 'credential.updated';
    if (CREDENTIAL_DELETES.has(operation)) return 'credential.deleted';
  }
  if (RESOURCE_POLICY_GRANTS.has(action)) return 'privilege.elevated';
  if (service === 'sts') {
    if (TOKEN_CALLS.has(operation)) return 'token.used';
    if (operation === 'GetFederationToken') return 'credential.created';
  }
  if (service === 'ec2-instance-connect') return 'credential.created';
  if (service === 'secretsmanager' && /^(Batch)?GetSecretValue$/.test(operation)) {
    return 'secret.accessed';
  }
  if (service === 'ssm' && SSM_PARAMETER_READS.has(operation)) {
    return parameters?.withDecryption === true ? 'secret.accessed' : 'api.called';
  }
  if (service === 'ec2' && operation === 'GetPasswordData') return 'secret.accessed';
  if (
    service === 'ec2' &&
    operation === 'DescribeInstanceAttribute' &&
    stringAt(parameters, 'attribute') === 'userData'
  ) {
    return 'secret.accessed';
  }
  if (service === 'signin' && operation === 'ConsoleLogin') {
    return call.failed ? 'auth.failed' : 'auth.login';
  }
  return 'api.called';
}

export interface ResourceContext {
  readonly partition: string;
  readonly region: string | null;
  readonly account: string | null;
}

type ArnBuilder = (id: string, ctx: ResourceContext) => string;

function arnIfNot(build: ArnBuilder): ArnBuilder {
  return (id, ctx) => (id.startsWith('arn:') ? id : build(id, ctx));
}

const regional = (service: string, kind: string, sep = '/'): ArnBuilder =>
  arnIfNot(
    (id, { partition, region, account }) =>
      `arn:${partition}:${service}:${region ?? ''}:${account ?? ''}:${kind}${sep}${id}`,
  );
const iam = (kind: string): ArnBuilder =>
  arnIfNot((id, { partition, account }) => `arn:${partition}:iam::${account ?? ''}:${kind}/${id}`);

/** Request parameters that name the resource, per service, most specific first. */
const RESOURCE_PARAMETERS: Readonly<Record<string, ReadonlyArray<readonly [string, ArnBuilder]>>> =
  {
    iam: [
      ['roleName', iam('role')],
      ['userName', iam('user')],
      ['groupName', iam('group')],
      ['instanceProfileName', iam('instance-profile')],
      ['policyArn', arnIfNot((id) => id)],
    ],
    sts: [['roleArn', arnIfNot((id) => id)]],
    secretsmanager: [['secretId', regional('secretsmanager', 'secret', ':')]],
    ssm: [
      [
        'name',
        arnIfNot((id, ctx) =>
          regional('ssm', 'parameter', '')(id.startsWith('/') ? id : `/${id}`, ctx),
        ),
      ],
      ['instanceId', regional('ec2', 'instance')],
      ['target', regional('ec2', 'instance')],
    ],
    ec2: [
      ['instanceId', regional('ec2', 'instance')],
      ['snapshotId', regional('ec2', 'snapshot')],
      ['imageId', regional('ec2', 'image')],
      ['groupId', regional('ec2', 'security-group')],
      ['volumeId', regional('ec2', 'volume')],
    ],
    'ec2-instance-connect': [['instanceId', regional('ec2', 'instance')]],
    lambda: [
      ['functionName', regional('lambda', 'function', ':')],
      ['layerName', regional('lambda', 'layer', ':')],
    ],
    s3: [['bucketName', arnIfNot((id, { partition }) => `arn:${partition}:s3:::${id}`)]],
    kms: [['keyId', regional('kms', 'key')]],
    cloudtrail: [
      ['trailName', regional('cloudtrail', 'trail')],
      ['name', regional('cloudtrail', 'trail')],
    ],
    rds: [
      ['dBSnapshotIdentifier', regional('rds', 'snapshot', ':')],
      ['dBInstanceIdentifier', regional('rds', 'db', ':')],
    ],
    bedrock: [['modelId', regional('bedrock', 'foundation-model')]],
  };

/** Lists in request parameters that name several resources of one kind. */
const LIST_PARAMETERS: Readonly<Record<string, ReadonlyArray<readonly [string, ArnBuilder]>>> = {
  ssm: [
    [
      'names',
      arnIfNot((id, ctx) =>
        regional('ssm', 'parameter', '')(id.startsWith('/') ? id : `/${id}`, ctx),
      ),
    ],
    ['instanceIds', regional('ec2', 'instance')],
  ],
  secretsmanager: [['secretIdList', regional('secretsmanager', 'secret', ':')]],
  rolesanywhere: [['roleArns', arnIfNot((id) => id)]],
};

const MAX_RESOURCES = 10;

/**
 * The resources a call touched, as ARNs: CloudTrail's own `resources` list first, then the
 * request parameters that name one (a role, user, secret, parameter, instance, function…).
 * The first is the event's resource; up to ten are kept as an attribute.
 */
export function resourcesOf(
  service: string,
  parameters: JsonObject | null,
  listed: readonly string[],
  ctx: ResourceContext,
): string[] {
  const found: string[] = [];
  const add = (arn: string | null) => {
    if (arn !== null && arn !== '' && !found.includes(arn) && found.length < MAX_RESOURCES) {
      found.push(arn);
    }
  };
  for (const arn of listed) add(arn);
  if (parameters === null) return found;
  for (const [key, build] of RESOURCE_PARAMETERS[service] ?? []) {
    const value = stringAt(parameters, key);
    if (value !== null) add(build(value, ctx));
  }
  for (const [key, build] of LIST_PARAMETERS[service] ?? []) {
    const values = parameters[key];
    if (!Array.isArray(values)) continue;
    for (const v of values) if (typeof v === 'string' && v.trim() !== '') add(build(v.trim(), ctx));
  }
  if (service === 'ec2') {
    // EC2's XML-shaped requests: instancesSet.items[].instanceId.
    const items = objectAt(parameters, 'instancesSet')?.items;
    if (Array.isArray(items)) {
      for (const item of items) {
        const id = stringAt(item, 'instanceId');
        if (id !== null) add(regional('ec2', 'instance')(id, ctx));
      }
    }
  }
  if (found.length === 0) {
    // Anything else that names itself with an ARN.
    for (const value of Object.values(parameters)) {
      if (typeof value === 'string' && value.startsWith('arn:')) add(value);
    }
  }
  return found;
}

/** ARNs from CloudTrail's `resources: [{ ARN, type }]`. */
export function listedResources(resources: unknown): string[] {
  if (!Array.isArray(resources)) return [];
  const out: string[] = [];
  for (const r of resources) {
    const arn = stringAt(r, 'ARN') ?? stringAt(r, 'arn') ?? stringAt(r, 'uid');
    if (arn !== null) out.push(arn);
  }
  return out;
}

/** Facts worth keeping from a privilege grant: what was granted, and to whom. */
export function grantDetails(parameters: JsonObject | null): Record<string, unknown> {
  if (!isObject(parameters)) return {};
  const out: Record<string, unknown> = {};
  for (const key of ['policyArn', 'policyName', 'principal', 'statementId', 'action']) {
    const value = stringAt(parameters, key);
    if (value !== null) out[key] = value;
  }
  return out;
}

/** `AccessDenied`, `Client.UnauthorizedOperation`…: the caller was refused, not failed. */
export function isDenial(errorCode: string): boolean {
  return /denied|unauthori[sz]ed|forbidden|notauthori[sz]ed|authfailure|accessdenied/i.test(
    errorCode,
  );
}
