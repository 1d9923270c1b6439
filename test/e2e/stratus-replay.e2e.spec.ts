import * as fs from 'node:fs';
import * as path from 'node:path';
import { mapCloudTrailRecord } from '@vigil/domain';
import { routineRecords, type RoutinePrincipal } from '../support/cloudtrail-routine';
import { testingPostgres } from '../support/database';
import { startSystem, type RunningSystem } from '../support/system';
import { apiClient, type Http } from '../support/http';

const database = testingPostgres ? 'PostgreSQL' : 'SQLite';
/** Beside the project in CI: <root>/../shared/datasets/stratus-red-team. */
const DATASET = path.resolve(__dirname, '../../../shared/datasets/stratus-red-team');

/** Starter sensitivity tiers for AWS (the README recommends the same). */
export const AWS_TIERS = [
  { pattern: 'arn:aws:secretsmanager:*', sensitivity: 'critical' },
  { pattern: 'secretsmanager:*', sensitivity: 'critical' },
  { pattern: 'arn:aws:ssm:*:parameter/*', sensitivity: 'high' },
  { pattern: 'arn:aws:iam::*', sensitivity: 'high' },
  { pattern: 'iam:*', sensitivity: 'high' },
  { pattern: 'arn:aws:kms:*', sensitivity: 'high' },
  { pattern: 'arn:aws:lambda:*', sensitivity: 'medium' },
] as const;

/**
 * The identity that carries out each credential-access, persistence and privilege-escalation
 * technique (by the end of its ARN): the one whose case a SOC needs. Where the attack runs
 * through an assumed role, that is the role, not the user that assumed it.
 */
const ACTING: Readonly<Record<string, string>> = {
  'aws.credential-access.ec2-get-password-data':
    ':role/stratus-red-team-ec2-get-password-data-role',
  'aws.credential-access.ec2-steal-instance-credentials':
    ':role/stratus-red-team-ec2-steal-credentials-role',
  'aws.credential-access.secretsmanager-batch-retrieve-secrets': ':user/christophe',
  'aws.credential-access.secretsmanager-retrieve-secrets': ':user/christophe',
  'aws.credential-access.ssm-retrieve-securestring-parameters': ':user/christophe',
  'aws.persistence.iam-backdoor-role': ':user/christophe',
  'aws.persistence.iam-backdoor-user': ':user/christophe',
  'aws.persistence.iam-create-admin-user': ':user/christophe',
  'aws.persistence.iam-create-backdoor-role': ':user/christophe',
  'aws.persistence.iam-create-user-login-profile': ':user/christophe',
  'aws.persistence.lambda-backdoor-function': ':user/christophe',
  'aws.persistence.lambda-layer-extension': ':user/christophe',
  'aws.persistence.lambda-overwrite-code': ':user/christophe',
  'aws.persistence.rolesanywhere-create-trust-anchor': ':user/christophe',
  'aws.persistence.sts-federation-token': ':user/stratus-red-team-user-federation-user',
  'aws.privilege-escalation.iam-update-user-login-profile': ':user/christophe',
};
const MUST_RAISE = /^aws\.(credential-access|persistence|privilege-escalation)\./;

interface Technique {
  readonly id: string;
  readonly records: readonly Record<string, unknown>[];
  readonly startMs: number;
  /** The registered principals acting in it (those the attack did not mint). */
  readonly principals: ReadonlyMap<string, RoutinePrincipal>;
}

function loadTechniques(): Technique[] {
  return fs
    .readdirSync(DATASET)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const records = JSON.parse(fs.readFileSync(path.join(DATASET, file), 'utf8')) as Record<
        string,
        unknown
      >[];
      const principals = new Map<string, RoutinePrincipal>();
      records.forEach((record, i) => {
        const mapped = mapCloudTrailRecord(record, i);
        if (!mapped.ok) return;
        const { identityId, attributes } = mapped.event;
        const account = String(record.recipientAccountId);
        const region = String(record.awsRegion);
        if (attributes.principalType === 'IAMUser') {
          principals.set(identityId, {
            type: 'IAMUser',
            account,
            region,
            name: String(attributes.userName),
          });
        } else if (attributes.principalType === 'AssumedRole' && !principals.has(identityId)) {
          principals.set(identityId, {
            type: 'AssumedRole',
            account,
            region,
            name: String(attributes.roleName),
            roleArn: identityId,
            sessionName: typeof attributes.instanceId === 'string' ? attributes.instanceId : 'app',
          });
        }
        // Federated users are minted by the attack itself (sts-federation-token): unknown.
      });
      const startMs = Math.min(...records.map((r) => Date.parse(String(r.eventTime))));
      return { id: file.replace(/\.json$/, ''), records, startMs, principals };
    });
}

interface Raised {
  readonly kind: string;
  readonly identityId: string;
  readonly severity: string;
  readonly caseId: string | null;
}

/**
 * Real CloudTrail records of Stratus Red Team detonations (DataDog/stratus-red-team,
 * Apache-2.0), replayed through POST /v1/sources/cloudtrail after two weeks of routine
 * activity of the same identities. Each technique ran in its own (anonymised) account, so
 * each has identities of its own.
 */
describe(`Stratus Red Team CloudTrail replay on ${database}`, () => {
  let system: RunningSystem;
  let http: Http;
  const techniques = loadTechniques();
  const raisedBy = new Map<string, Raised[]>();

  beforeAll(async () => {
    system = await startSystem(`stratus-${process.pid}`);
    http = apiClient(system.api);
  });

  afterAll(() => system?.stop());

  async function sendCloudTrail(body: object) {
    return http.post('/v1/sources/cloudtrail').send(body).expect(200);
  }

  it('holds every technique of the dataset', () => {
    expect(techniques).toHaveLength(35);
    for (const t of techniques.filter((t) => MUST_RAISE.test(t.id))) {
      expect(ACTING[t.id]).toBeDefined();
    }
  });

  it('learns two weeks of routine for every acting identity without a single case', async () => {
    const identities = techniques.flatMap((t) =>
      [...t.principals].map(([id, p]) => ({
        id,
        kind: p.type === 'IAMUser' ? 'service_account' : 'workload',
        owner: 'cloud-platform@example.com',
        team: 'platform',
        criticality: 'high',
        policy: { resourceSensitivity: AWS_TIERS },
      })),
    );
    const imported = await http.post('/v1/identities/import').send(identities).expect(200);
    expect(imported.body.rejected).toEqual([]);

    const routine = techniques
      .flatMap((t, ti) =>
        [...t.principals.values()].map((principal, pi) =>
          routineRecords({
            principal,
            until: t.startMs - 60 * 60_000,
            days: 14,
            perHour: [1, 3],
            seed: ti * 10 + pi + 1,
          }),
        ),
      )
      .flat()
      .sort((a, b) => String(a.eventTime).localeCompare(String(b.eventTime)));

    const exceptions: unknown[] = [];
    for (let i = 0; i < routine.length; i += 4_000) {
      const { body } = await sendCloudTrail({ Records: routine.slice(i, i + 4_000) });
      expect(body.rejected).toEqual([]);
      exceptions.push(...body.exceptions);
    }
    expect(exceptions).toEqual([]);
  });

  it('accepts every attack record, or rejects it with a reason', async () => {
    for (const t of techniques) {
      const { body } = await sendCloudTrail(t.records);
      expect(body.records).toHaveLength(t.records.length);
      for (const record of body.records) {
        if (record.status === 'rejected') {
          expect(record).toMatchObject({ code: expect.any(String), message: expect.any(String) });
        } else {
          expect(record.status).toBe('accepted');
        }
      }
      expect(body.accepted + body.rejected.length).toBe(t.records.length);
      raisedBy.set(t.id, body.exceptions);
    }
    const summary = techniques.map((t) => ({
      technique: t.id,
      records: t.records.length,
      raised: (raisedBy.get(t.id) ?? []).map((e) => `${e.kind}@${e.identityId}`),
    }));
    if (process.env.STRATUS_REPLAY_REPORT) {
      fs.writeFileSync(process.env.STRATUS_REPLAY_REPORT, JSON.stringify(summary, null, 2));
    }
  });

  it('opens a case for the acting identity of every credential-access, persistence and privilege-escalation technique', () => {
    const missed: string[] = [];
    for (const t of techniques.filter((t) => MUST_RAISE.test(t.id))) {
      const acting = (raisedBy.get(t.id) ?? []).filter(
        (e) => e.identityId.endsWith(ACTING[t.id]!) && e.kind !== 'unclassified_identity',
      );
      if (acting.length === 0) missed.push(t.id);
    }
    expect(missed).toEqual([]);
  });

  it('ingests a re-sent file once', async () => {
    const t = techniques.find((t) => t.id === 'aws.persistence.iam-create-admin-user')!;
    const { body } = await sendCloudTrail({ Records: t.records });
    expect(body).toMatchObject({ accepted: 0, duplicates: t.records.length, exceptions: [] });
    expect(body.records.every((r: { status: string }) => r.status === 'duplicate')).toBe(true);
  });
});
