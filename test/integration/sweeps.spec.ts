import type { Identity, SweepKind, SweepResult, TelemetryEvent } from '@vigil/contracts';
import { Baseline } from '@vigil/domain';
import { BaselineStore, DormancyMarkStore, IdentityStore } from '@vigil/persistence';
import { IDENTITY_SWEEP_WORKFLOW } from '@vigil/contracts';
import { anIdentity } from '../support/cases';
import { testingPostgres } from '../support/database';
import { eventually } from '../support/eventually';
import { startRunbookReceivers, type RunbookReceivers } from '../support/runbook-receivers';
import { startSystem, type RunningSystem } from '../support/system';
import { apiClient, type Http } from '../support/http';

const database = testingPostgres ? 'PostgreSQL' : 'SQLite';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Each sweep workflow on a real dev server, with the worker and the API, against a real
 * database seeded with identities and baselines: a finding opens a case of the sweep's kind
 * with evidence an analyst can act on, a re-run joins it, and healthy identities give none.
 */
describe(`sweeps on a dev server and ${database}`, () => {
  let system: RunningSystem;
  let receivers: RunbookReceivers;
  let http: Http;
  let runs = 0;
  const taskQueue = `sweeps-${process.pid}`;
  const now = Date.now();

  beforeAll(async () => {
    receivers = await startRunbookReceivers();
    system = await startSystem(taskQueue, { webhooks: receivers.webhooks });
    http = apiClient(system.api);
  });

  afterAll(async () => {
    await system?.stop();
    await receivers?.close();
  });

  function sweep(kind: SweepKind): Promise<SweepResult> {
    runs += 1;
    return system.env.client.workflow.execute(IDENTITY_SWEEP_WORKFLOW, {
      args: [{ sweep: kind }],
      taskQueue,
      workflowId: `test-sweep-${kind}-${runs}`,
    }) as Promise<SweepResult>;
  }

  /** Declares the identity as of `declaredAt` and absorbs `events` into its baseline. */
  async function seed(
    identity: Identity,
    declaredAt: number,
    events: readonly TelemetryEvent[],
  ): Promise<void> {
    const ds = system.db.dataSource;
    await new IdentityStore(ds, () => new Date(declaredAt)).upsert(identity, { actor: 'test' });
    const baseline = new Baseline(identity.id);
    for (const e of events) baseline.absorb(e, Date.parse(e.time));
    const delta = baseline.takeDelta();
    if (delta) await new BaselineStore(ds).apply([delta]);
  }

  function events(
    identityId: string,
    from: number,
    to: number,
    everyHours: number,
    extra: Partial<TelemetryEvent> = {},
  ): TelemetryEvent[] {
    const out: TelemetryEvent[] = [];
    for (let at = from; at < to; at += everyHours * HOUR) {
      out.push({
        id: `${identityId}-${at}`,
        time: new Date(at).toISOString(),
        identityId,
        type: 'token.used',
        action: 'read',
        resource: null,
        scope: null,
        source: {},
        outcome: 'allowed',
        attributes: {},
        ...extra,
      });
    }
    return out;
  }

  function lifecycle(identityId: string, type: string, at: number): TelemetryEvent {
    return { ...events(identityId, at, at + 1, 1)[0], id: `${identityId}-${type}-${at}`, type };
  }

  async function caseOf(workflowId: string): Promise<Record<string, unknown>> {
    return eventually(async () => (await http.get(`/v1/cases/${workflowId}`).expect(200)).body);
  }

  function findingsOf(result: SweepResult, identityId: string) {
    return result.findings.filter((f) => f.identityId === identityId);
  }

  it('rotation overdue: the credential is rotated through the webhook, no human involved', async () => {
    const policy = { ...anIdentity('x').policy, rotationPeriodDays: 30, rotationToleranceDays: 5 };
    await seed(anIdentity('key-overdue', { kind: 'api_key', policy }), now - 60 * DAY, [
      lifecycle('key-overdue', 'credential.rotated', now - 45 * DAY),
      ...events('key-overdue', now - 44 * DAY, now - DAY, 24),
    ]);
    await seed(anIdentity('key-fresh', { kind: 'api_key', policy }), now - 60 * DAY, [
      lifecycle('key-fresh', 'credential.rotated', now - 5 * DAY),
      ...events('key-fresh', now - 4 * DAY, now - DAY, 24),
    ]);

    const result = await sweep('rotation_overdue');
    expect(findingsOf(result, 'key-fresh')).toEqual([]);
    const [finding] = findingsOf(result, 'key-overdue');
    expect(finding).toMatchObject({ deduplicated: false });
    const closed = await eventually(async () => {
      const body = await caseOf(finding.workflowId);
      if (body.status !== 'resolved') throw new Error(`case is ${String(body.status)}`);
      return body;
    });
    expect(closed).toMatchObject({
      kind: 'rotation_overdue',
      identityId: 'key-overdue',
      resolution: 'auto_remediated',
      remediation: { playbookId: 'rotate-credential', trigger: 'automatic', outcome: 'succeeded' },
      evidence: {
        source: 'sweep',
        owasp: 'NHI7',
        details: {
          lastRotationAt: new Date(now - 45 * DAY).toISOString(),
          rotationPeriodDays: 30,
          rotationToleranceDays: 5,
          overdueDays: expect.any(Number),
        },
      },
    });
    expect(
      receivers.remediation
        .effectsOfType('remediation.execute')
        .map((r) => (r.body as { action: string; identityId: string }).identityId),
    ).toEqual(['key-overdue']);

    // The next run does not rotate it again while the rotation is not observed yet.
    const again = await sweep('rotation_overdue');
    expect(findingsOf(again, 'key-overdue')).toEqual([]);
    expect(again.suppressed).toBeGreaterThanOrEqual(1);
  });

  it('telemetry gap: a silent identity opens a case, the next run joins it', async () => {
    await seed(
      anIdentity('svc-silent', { criticality: 'high' }),
      now - 30 * DAY,
      events('svc-silent', now - 8 * DAY, now - 10 * HOUR, 1),
    );
    await seed(
      anIdentity('svc-chatty'),
      now - 30 * DAY,
      events('svc-chatty', now - 8 * DAY, now - 30 * 60_000, 1),
    );

    const first = await sweep('telemetry_gap');
    expect(findingsOf(first, 'svc-chatty')).toEqual([]);
    const [opened] = findingsOf(first, 'svc-silent');
    expect(opened).toMatchObject({ deduplicated: false });
    const second = await sweep('telemetry_gap');
    expect(findingsOf(second, 'svc-silent')).toEqual([
      expect.objectContaining({
        caseId: opened.caseId,
        workflowId: opened.workflowId,
        deduplicated: true,
      }),
    ]);
    const body = await eventually(async () => {
      const c = await caseOf(opened.workflowId);
      if (c.occurrences !== 2) throw new Error(`occurrences ${String(c.occurrences)}`);
      return c;
    });
    expect(body).toMatchObject({
      kind: 'telemetry_gap',
      evidence: {
        nist: 'DE.CM-03',
        details: {
          silentHours: expect.any(Number),
          thresholdHours: 6,
          expectedCadence: { medianGapHours: 1, longestUsualGapHours: 1 },
        },
      },
    });
  });

  it('unused privilege: proposes revoking the grant and waits for a person', async () => {
    const policy = {
      ...anIdentity('x').policy,
      allowedScopes: ['reports:read:*', 'billing:write:*'],
    };
    await seed(
      anIdentity('svc-reports', { policy }),
      now - 45 * DAY,
      events('svc-reports', now - 40 * DAY, now - HOUR, 12, { scope: 'reports:read:daily' }),
    );

    const result = await sweep('unused_privilege');
    const findings = findingsOf(result, 'svc-reports');
    expect(findings).toHaveLength(1);
    const waiting = await eventually(async () => {
      const c = await caseOf(findings[0].workflowId);
      if (c.status !== 'awaiting_decision') throw new Error(`case is ${String(c.status)}`);
      return c;
    });
    expect(waiting).toMatchObject({
      kind: 'unused_privilege',
      evidence: {
        value: 'billing:write:*',
        owasp: 'NHI5',
        details: {
          dimension: 'scope',
          grant: 'billing:write:*',
          lastUsedAt: null,
          thresholdDays: 30,
        },
      },
      proposedRemediation: { playbookId: 'revoke-unused-scope' },
    });
  });

  it('certificate expiring: a certificate inside its renewal window without a renewal', async () => {
    const policy = { ...anIdentity('x').policy, certificateValidityDays: 90 };
    await seed(anIdentity('cert-old', { kind: 'certificate', policy }), now - 100 * DAY, [
      lifecycle('cert-old', 'certificate.renewed', now - 80 * DAY),
    ]);
    await seed(anIdentity('cert-new', { kind: 'certificate', policy }), now - 100 * DAY, [
      lifecycle('cert-new', 'certificate.renewed', now - 10 * DAY),
    ]);

    const result = await sweep('certificate_expiring');
    expect(findingsOf(result, 'cert-new')).toEqual([]);
    const [finding] = findingsOf(result, 'cert-old');
    expect(await caseOf(finding.workflowId)).toMatchObject({
      kind: 'certificate_expiring',
      evidence: {
        details: {
          lastRenewalAt: new Date(now - 80 * DAY).toISOString(),
          expiresAt: new Date(now + 10 * DAY).toISOString(),
          renewBeforeDays: 30,
          expired: false,
        },
      },
    });
  });

  it('dormant identity: marked while silent, reported when it acts again; a retired one acting too', async () => {
    await seed(
      anIdentity('svc-sleeper'),
      now - 120 * DAY,
      events('svc-sleeper', now - 100 * DAY, now - 60 * DAY, 24),
    );
    await seed(
      anIdentity('svc-retired', { status: 'retired' }),
      now - 20 * DAY,
      events('svc-retired', now - 10 * DAY, now - 2 * HOUR, 24),
    );

    const first = await sweep('dormant_identity');
    expect(findingsOf(first, 'svc-sleeper')).toEqual([]);
    const marks = new DormancyMarkStore(system.db.dataSource);
    expect((await marks.load(['svc-sleeper'])).get('svc-sleeper')).toMatchObject({
      lastEventAt: Date.parse(
        events('svc-sleeper', now - 100 * DAY, now - 60 * DAY, 24).at(-1)!.time,
      ),
    });
    const [retired] = findingsOf(first, 'svc-retired');
    expect(await caseOf(retired.workflowId)).toMatchObject({
      kind: 'dormant_identity',
      evidence: { owasp: 'NHI1', details: { status: 'retired' } },
    });

    // It wakes up.
    const baselines = new BaselineStore(system.db.dataSource);
    const woke = new Baseline('svc-sleeper');
    for (const e of events('svc-sleeper', now - 3 * HOUR, now, 1))
      woke.absorb(e, Date.parse(e.time));
    await baselines.apply([woke.takeDelta()!]);

    const second = await sweep('dormant_identity');
    const [sleeper] = findingsOf(second, 'svc-sleeper');
    expect(await caseOf(sleeper.workflowId)).toMatchObject({
      kind: 'dormant_identity',
      identityId: 'svc-sleeper',
      evidence: { details: { dormantDays: expect.any(Number), dormancyThresholdDays: 30 } },
    });
    expect((await marks.load(['svc-sleeper'])).size).toBe(0);
    const third = await sweep('dormant_identity');
    expect(findingsOf(third, 'svc-sleeper')).toEqual([]);
  });
});
