import { prng } from '../unit/detection/support';

/**
 * Synthesised CloudTrail records of routine work, for replay tests that need an identity
 * with a learned baseline before real attack records arrive. The shapes follow real
 * CloudTrail records (userIdentity, requestParameters, data events for S3).
 */

const HOUR = 3_600_000;

export interface RoutinePrincipal {
  /** `IAMUser` (a CI/deploy user with a long-term key) or `AssumedRole` (a workload role). */
  readonly type: 'IAMUser' | 'AssumedRole';
  readonly account: string;
  readonly region: string;
  /** The user name, or the role name. */
  readonly name: string;
  /** Role session name (an instance id for instance-profile roles). */
  readonly sessionName?: string;
  /** The role's ARN when it has a path (`role/aws-reserved/…`); else built from the name. */
  readonly roleArn?: string;
}

export interface RoutineInput {
  readonly principal: RoutinePrincipal;
  /** Epoch ms: the routine runs up to this time (exclusive). */
  readonly until: number;
  readonly days: number;
  readonly perHour: readonly [number, number];
  readonly seed: number;
}

type Call = readonly [eventSource: string, eventName: string, requestParameters: unknown];

/** What a deploy pipeline's IAM user does all day. */
function deployUserCalls(p: RoutinePrincipal): Call[] {
  const { account, region } = p;
  const bucket = `${account}-ci-artifacts`;
  const fn = (name: string) => `arn:aws:lambda:${region}:${account}:function:${name}`;
  return [
    ['sts.amazonaws.com', 'GetCallerIdentity', null],
    ['s3.amazonaws.com', 'GetObject', { bucketName: bucket, key: 'builds/latest.zip' }],
    ['s3.amazonaws.com', 'PutObject', { bucketName: bucket, key: 'builds/latest.zip' }],
    ['cloudformation.amazonaws.com', 'DescribeStacks', { stackName: 'orders-api' }],
    ['lambda.amazonaws.com', 'GetFunction20150331v2', { functionName: 'orders-api' }],
    ['lambda.amazonaws.com', 'UpdateFunctionCode20150331v2', { functionName: fn('orders-api') }],
    [
      'lambda.amazonaws.com',
      'UpdateFunctionConfiguration20150331v2',
      { functionName: fn('billing-worker') },
    ],
    ['ec2.amazonaws.com', 'DescribeInstances', { filterSet: {}, instancesSet: {} }],
    ['secretsmanager.amazonaws.com', 'GetSecretValue', { secretId: 'ci/deploy-token' }],
    ['ssm.amazonaws.com', 'GetParameter', { name: '/ci/config/region' }],
    [
      'sts.amazonaws.com',
      'AssumeRole',
      {
        roleArn: `arn:aws:iam::${account}:role/deploy-target`,
        roleSessionName: 'deploy',
        durationSeconds: 900,
      },
    ],
    ['iam.amazonaws.com', 'GetRole', { roleName: 'deploy-target' }],
  ];
}

/** What an application role does: its data, its queue, its key. */
function workloadRoleCalls(p: RoutinePrincipal): Call[] {
  const { account, region } = p;
  const bucket = `${account}-app-data`;
  return [
    ['sts.amazonaws.com', 'GetCallerIdentity', null],
    ['s3.amazonaws.com', 'GetObject', { bucketName: bucket, key: 'input/batch.json' }],
    ['s3.amazonaws.com', 'PutObject', { bucketName: bucket, key: 'output/batch.json' }],
    ['kms.amazonaws.com', 'Decrypt', { keyId: `arn:aws:kms:${region}:${account}:key/app` }],
    [
      'sqs.amazonaws.com',
      'ReceiveMessage',
      { queueUrl: `https://sqs.${region}.amazonaws.com/${account}/jobs` },
    ],
    [
      'sqs.amazonaws.com',
      'DeleteMessage',
      { queueUrl: `https://sqs.${region}.amazonaws.com/${account}/jobs` },
    ],
    ['dynamodb.amazonaws.com', 'GetItem', { tableName: 'jobs' }],
    ['dynamodb.amazonaws.com', 'PutItem', { tableName: 'jobs' }],
  ];
}

function userIdentityOf(p: RoutinePrincipal, keyId: string): Record<string, unknown> {
  if (p.type === 'IAMUser') {
    return {
      type: 'IAMUser',
      principalId: `AIDA${p.account}`,
      arn: `arn:aws:iam::${p.account}:user/${p.name}`,
      accountId: p.account,
      accessKeyId: keyId,
      userName: p.name,
    };
  }
  const session = p.sessionName ?? 'app';
  return {
    type: 'AssumedRole',
    principalId: `AROA${p.account}:${session}`,
    arn: `arn:aws:sts::${p.account}:assumed-role/${p.name}/${session}`,
    accountId: p.account,
    accessKeyId: keyId,
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: `AROA${p.account}`,
        arn: p.roleArn ?? `arn:aws:iam::${p.account}:role/${p.name}`,
        accountId: p.account,
        userName: p.name,
      },
      attributes: { creationDate: '2024-01-01T00:00:00Z', mfaAuthenticated: 'false' },
    },
  };
}

/**
 * Routine records, hour by hour around the clock (automation does not keep office hours).
 * The first records walk the whole catalogue once, so every routine call is known from
 * the first day on; later records pick calls at random.
 */
export function routineRecords(input: RoutineInput): Record<string, unknown>[] {
  const { principal, until, days, perHour, seed } = input;
  const random = prng(seed);
  const calls =
    principal.type === 'IAMUser' ? deployUserCalls(principal) : workloadRoleCalls(principal);
  const keyId = principal.type === 'IAMUser' ? `AKIAROUTINE${seed}` : `ASIAROUTINE${seed}`;
  const identity = userIdentityOf(principal, keyId);
  const start = Math.floor((until - days * 24 * HOUR) / HOUR) * HOUR;
  const out: Record<string, unknown>[] = [];
  let n = 0;
  for (let hour = start; hour + HOUR <= until; hour += HOUR) {
    const count = perHour[0] + Math.floor(random() * (perHour[1] - perHour[0] + 1));
    const times = Array.from({ length: count }, () => hour + Math.floor(random() * HOUR)).sort(
      (a, b) => a - b,
    );
    for (const at of times) {
      const [eventSource, eventName, requestParameters] =
        n < calls.length ? calls[n]! : calls[Math.floor(random() * calls.length)]!;
      n++;
      out.push({
        eventVersion: '1.09',
        userIdentity: identity,
        eventTime: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        eventSource,
        eventName,
        awsRegion: principal.region,
        sourceIPAddress: random() < 0.5 ? '10.0.12.4' : '10.0.12.5',
        userAgent: 'aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux',
        requestParameters,
        responseElements: null,
        requestID: `routine-${seed}-${n}`,
        eventID: `routine-${seed}-${n}`,
        readOnly: !/^(Put|Update|Delete)/.test(eventName),
        eventType: 'AwsApiCall',
        managementEvent: eventSource !== 's3.amazonaws.com',
        recipientAccountId: principal.account,
        eventCategory: eventSource === 's3.amazonaws.com' ? 'Data' : 'Management',
      });
    }
  }
  return out;
}
