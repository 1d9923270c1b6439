import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import {
  caseWorkflowId,
  decideUpdate,
  stateQuery,
  type CaseState,
  type ExceptionReport,
  type Identity,
} from '@vigil/contracts';
import { IdentityStore, RestrictionStore, TuningStore } from '@vigil/persistence';
import { deliverReport } from '@vigil/temporal';
import { createActivities } from '../../activities';
import { aReport, anIdentity } from '../support/cases';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { actorOf, issueKey, type IssuedKey } from '../support/keys';
import { eventually } from '../support/eventually';
import { bundleWorkflows, startTimeSkippingServer } from '../support/temporal';
import { startRunbookReceivers, type RunbookReceivers } from '../support/runbook-receivers';
import type { WebhookReceiver } from '../support/webhook-receiver';

/**
 * The case runbook's deadlines on the time-skipping test server: tier 1, tier 2, the
 * fail-safe default, reminders, an accepted risk that expires, and a remediation saga.
 * Notifications and remediation webhooks go to local receivers.
 */
describe('the case runbook over time', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let receivers: RunbookReceivers;
  let notifications: WebhookReceiver;
  let remediation: WebhookReceiver;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = 'runbook-time-skipping';

  beforeAll(async () => {
    [env, db, receivers] = await Promise.all([
      startTimeSkippingServer(),
      createTestDatabase(),
      startRunbookReceivers(),
    ]);
    ({ notifications, remediation } = receivers);
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await bundleWorkflows(),
      activities: createActivities({ dataSource: db.dataSource, webhooks: receivers.webhooks }),
    });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await receivers?.close();
    await db?.drop();
    await env?.teardown();
  });

  const identities = () => new IdentityStore(db.dataSource);

  async function open(
    id: string,
    report: Partial<ExceptionReport>,
    who: Partial<Identity> = {},
  ): Promise<{
    exception: ExceptionReport;
    state: (when?: (s: CaseState) => boolean) => Promise<CaseState>;
  }> {
    await identities().upsert(anIdentity(id, who), { actor: 'test' });
    const exception = aReport({ identityId: id, kind: 'rate_spike', ...report });
    await deliverReport(env.client, taskQueue, exception);
    const handle = env.client.workflow.getHandle(caseWorkflowId(exception.fingerprint));
    const state = (when: (s: CaseState) => boolean = () => true) =>
      eventually(async () => {
        const s = await handle.query(stateQuery);
        if (!when(s)) throw new Error(`case is ${s.status}, tier ${s.escalation.tier}`);
        return s;
      });
    return { exception, state };
  }

  const decide = async (exception: ExceptionReport, input: Record<string, unknown>) => {
    ana ??= await issueKey(db.dataSource, 'ana@example.com', 'analyst');
    return env.client.workflow
      .getHandle(caseWorkflowId(exception.fingerprint))
      .executeUpdate(decideUpdate, { args: [{ ...actorOf(ana), ...input } as never] });
  };
  let ana: IssuedKey | undefined;

  const notifiedNow = (caseId: string) =>
    notifications.requests
      .map((r) => r.body as { caseId?: string; notificationType?: string })
      .filter((b) => b.caseId === caseId)
      .map((b) => b.notificationType);

  /** The notification types a case has sent, once it has sent at least `count` of them. */
  const notified = (caseId: string, count = 1) =>
    eventually(async () => {
      const types = notifiedNow(caseId);
      if (types.length < count) throw new Error(`${types.length} notifications so far`);
      return types;
    });

  it('is decided in tier 1, before its deadline', async () => {
    const { exception, state } = await open('svc-tier1', { severity: 'medium' });
    const first = await state((s) => s.escalation.tier === 1);
    expect(first).toMatchObject({
      status: 'awaiting_decision',
      escalation: {
        tier: 1,
        route: 'owner',
        assignee: 'olga@example.com',
        failSafe: 'accept_risk',
      },
    });
    await env.sleep('23 hours');
    expect(await state()).toMatchObject({ status: 'awaiting_decision', escalation: { tier: 1 } });
    const decided = await decide(exception, { decision: 'reject', comment: 'not actionable' });
    expect(decided).toMatchObject({ status: 'resolved', resolution: 'rejected' });
    // Medium cases remind tier 1 four hours before its deadline.
    expect(await notified(first.caseId, 2)).toEqual(['case_escalated', 'case_reminder']);
  });

  it('is re-escalated to tier 2 when tier 1 lets the deadline pass, then decided there', async () => {
    const { exception, state } = await open('svc-tier2', { severity: 'medium' });
    const first = await state((s) => s.escalation.tier === 1);
    await env.sleep('25 hours');
    const second = await state((s) => s.escalation.tier === 2);
    expect(second).toMatchObject({
      status: 'escalated',
      escalation: { tier: 2, route: 'soc_tier1', assignee: 'soc-tier1' },
    });
    expect(Date.parse(second.escalation.deadline!) - Date.parse(first.escalation.deadline!)).toBe(
      48 * 3_600_000,
    );
    const decided = await decide(exception, { decision: 'false_positive' });
    expect(decided).toMatchObject({ resolution: 'false_positive', disposition: 'false_positive' });
    expect(await notified(first.caseId, 2)).toEqual(
      expect.arrayContaining(['case_escalated', 'case_re_escalated']),
    );
  });

  it('applies the fail-safe default when nobody decides: contains a high case', async () => {
    const { state } = await open('svc-failsafe', { severity: 'high' });
    const first = await state((s) => s.escalation.tier === 1);
    expect(first.allowedDecisions).toContain('contain');
    await env.sleep('13 hours');
    const closed = await state((s) => s.status === 'resolved');
    expect(closed).toMatchObject({
      resolution: 'expired_default',
      disposition: 'undetermined',
      decision: { decision: 'contain', actor: 'vigil' },
      remediation: { playbookId: 'suspend-identity', trigger: 'containment', outcome: 'succeeded' },
    });
    expect((await identities().get('svc-failsafe'))?.status).toBe('suspended');
    expect(
      remediation
        .effectsOfType('remediation.execute')
        .map((r) => (r.body as { caseId: string }).caseId),
    ).toContain(first.caseId);
  });

  it('sends a reminder before the deadline', async () => {
    const { exception, state } = await open(
      'svc-reminder',
      { severity: 'critical' },
      { criticality: 'high' },
    );
    const first = await state((s) => s.escalation.tier === 1);
    expect(first.escalation.assignee).toBe('olga@example.com');
    await env.sleep('11 minutes');
    const reminded = await state((s) => s.timeline.some((e) => e.type === 'reminder'));
    expect(reminded.escalation.tier).toBe(1);
    await eventually(async () => {
      if (!notifiedNow(first.caseId).includes('case_reminder')) throw new Error('no reminder yet');
    });
    await decide(exception, { decision: 'reject' });
  });

  it('brings an accepted risk back for review when it expires, and its allowance lapses', async () => {
    const { exception, state } = await open('svc-accepted', {
      severity: 'low',
      evidence: { detector: 'rate_spike', score: 0.7, value: 'read', dimension: 'rate_spike' },
    });
    const first = await state((s) => s.escalation.tier === 1);
    const accepted = await decide(exception, { decision: 'accept_risk', acceptRiskDays: 3 });
    expect(accepted).toMatchObject({ status: 'resolved', resolution: 'accepted_risk' });
    expect(Date.parse(accepted.acceptedUntil!) - Date.parse(accepted.resolvedAt!)).toBe(
      3 * 86_400_000,
    );
    const allowances = () => new TuningStore(db.dataSource).allowancesOf('svc-accepted');
    const [allowance] = await eventually(async () => {
      const list = await allowances();
      if (list.length === 0) throw new Error('no allowance yet');
      return list;
    });
    expect(allowance).toMatchObject({
      id: `risk-${first.caseId}`,
      detector: 'rate_spike',
      dimension: 'rate_spike',
      value: 'read',
      source: 'accepted_risk',
      expiresAt: accepted.acceptedUntil,
      endedAt: null,
    });
    await env.sleep('2 days');
    expect(await state()).toMatchObject({ caseId: first.caseId, status: 'resolved' });
    await env.sleep('1 day');
    const review = await state((s) => s.caseId !== first.caseId && s.escalation.tier === 1);
    expect(review).toMatchObject({
      status: 'awaiting_decision',
      review: { previousCaseId: first.caseId, acceptedBy: 'ana@example.com' },
    });
    expect(review.timeline[0]).toMatchObject({ type: 'reopened' });
    expect(await allowances()).toEqual([
      expect.objectContaining({
        id: allowance.id,
        endReason: 'lapsed',
        endedAt: expect.any(String),
      }),
    ]);
    await decide(exception, { decision: 'reject' });
  });

  it('compensates the applied steps when a later step fails, and escalates with the failure', async () => {
    receivers.failStep('revoke-grant');
    try {
      const { state } = await open('svc-saga', {
        kind: 'novel_scope',
        severity: 'medium',
        evidence: { value: 'vault:admin', score: 0.55 },
      });
      const escalated = await state((s) => s.escalation.tier === 1);
      expect(escalated.remediation).toMatchObject({
        playbookId: 'revoke-scope',
        trigger: 'automatic',
        outcome: 'failed',
        failure: { step: 'revoke-grant', type: 'RemediationRejected' },
      });
      expect(escalated.remediation!.steps.map((s) => [s.step, s.status])).toEqual([
        ['restrict-scope', 'applied'],
        ['revoke-grant', 'failed'],
        ['restrict-scope', 'compensated'],
      ]);
      expect(await new RestrictionStore(db.dataSource).list('svc-saga')).toEqual([]);
      expect(await notified(escalated.caseId, 2)).toEqual(
        expect.arrayContaining(['remediation_failed', 'case_escalated']),
      );
      // Offered again for approval, with the failure on the case.
      expect(escalated.allowedDecisions).toContain('approve_remediation');
    } finally {
      receivers.failStep(null);
    }
  });

  it('remediates known drift on its own and closes the case', async () => {
    const { exception, state } = await open('svc-auto', {
      kind: 'novel_scope',
      severity: 'medium',
      evidence: { value: 'db:admin', score: 0.55 },
    });
    const closed = await state((s) => s.status === 'resolved');
    expect(closed).toMatchObject({
      resolution: 'auto_remediated',
      disposition: 'true_positive',
      remediation: { playbookId: 'revoke-scope', outcome: 'succeeded' },
      escalation: { tier: null },
    });
    const outcome = await env.client.workflow
      .getHandle(caseWorkflowId(exception.fingerprint))
      .result();
    expect(outcome).toMatchObject({ resolution: 'auto_remediated', decidedBy: 'vigil' });
    expect(await new RestrictionStore(db.dataSource).list('svc-auto')).toEqual([
      expect.objectContaining({ kind: 'scope', value: 'db:admin', caseId: closed.caseId }),
    ]);
  });
});
