import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { caseWorkflowId, stateQuery, type CaseOutcome } from '@vigil/contracts';
import {
  IdentityRestrictionEntity,
  IdentityStore,
  RemediationActionEntity,
} from '@vigil/persistence';
import { deliverReport } from '@vigil/temporal';
import { createActivities } from '../../activities';
import { aReport, anIdentity } from '../support/cases';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { bundleWorkflows, startDevServer } from '../support/temporal';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

/**
 * A worker dies in the middle of a remediation: the internal step has been applied, the
 * webhook step has reached the provider but not answered. A new worker finishes the case,
 * and every side effect happened exactly once.
 */
describe('a remediation interrupted by a worker crash, on a Temporal dev server', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let bundle: WorkflowBundleWithSourceMap;
  let provider: WebhookReceiver;
  const taskQueue = `crash-${process.pid}`;
  let answerRevokeGrant = false;

  beforeAll(async () => {
    [env, db, bundle, provider] = await Promise.all([
      startDevServer(),
      createTestDatabase(),
      bundleWorkflows(),
      startWebhookReceiver({
        respond: (request) => {
          const body = request.body as { step?: string; type?: string } | null;
          // The provider takes the first revoke-grant call and never answers it.
          if (body?.step === 'revoke-grant' && body.type === 'remediation.execute') {
            if (!answerRevokeGrant) return 'hang';
          }
          if (body?.type === 'remediation.verify') {
            return { status: 200, body: { verified: true, detail: {} } };
          }
          return undefined;
        },
      }),
    ]);
  });

  afterAll(async () => {
    await provider?.close();
    await db?.drop();
    await env?.teardown();
  });

  const workerFor = (timeoutMs: number) =>
    Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: bundle,
      activities: createActivities({
        dataSource: db.dataSource,
        webhooks: {
          remediation: { url: provider.url, secret: provider.secret },
          notify: { url: null, secret: null },
          notifyFormat: 'vigil',
          slackUrl: null,
          timeoutMs,
        },
      }),
      // A crash, not a drain: in-flight activities are abandoned at once.
      shutdownGraceTime: '1 ms',
      shutdownForceTime: '1 second',
    });

  it('performs each side effect exactly once after a restart', async () => {
    await new IdentityStore(db.dataSource).upsert(anIdentity('svc-crash'), { actor: 'test' });
    const exception = aReport({
      identityId: 'svc-crash',
      kind: 'novel_scope',
      severity: 'medium',
      evidence: { value: 'vault:admin', score: 0.55 },
    });

    const first = await workerFor(60_000);
    const firstRun = first.run();
    await deliverReport(env.client, taskQueue, exception);
    const handle = env.client.workflow.getHandle(caseWorkflowId(exception.fingerprint));
    await eventually(async () => {
      if (!provider.requests.some((r) => (r.body as { step?: string }).step === 'revoke-grant')) {
        throw new Error('the provider has not been called yet');
      }
    });
    expect(await handle.query(stateQuery)).toMatchObject({ status: 'remediating' });
    first.shutdown();
    await firstRun;

    answerRevokeGrant = true;
    const second = await workerFor(5_000);
    const outcome: CaseOutcome = await second.runUntil(handle.result());
    expect(outcome).toMatchObject({ resolution: 'auto_remediated', decidedBy: 'vigil' });

    // The webhook step was delivered more than once, with one webhook-id: one effect.
    const grantIds = provider.requests
      .filter((r) => (r.body as { step?: string }).step === 'revoke-grant')
      .map((r) => r.id);
    expect(grantIds.length).toBeGreaterThanOrEqual(2);
    expect(new Set(grantIds).size).toBe(2); // execute and verify
    expect(
      provider.effectsOfType('remediation.execute').map((r) => (r.body as { step: string }).step),
    ).toEqual(['revoke-grant']);
    // The internal step ran once: one restriction, one ledger row per step key.
    const restrictions = await db.dataSource
      .getRepository(IdentityRestrictionEntity)
      .findBy({ identityId: 'svc-crash' });
    expect(restrictions).toHaveLength(1);
    const actions = await db.dataSource.getRepository(RemediationActionEntity).find();
    const keys = actions.map((a) => a.idempotencyKey);
    expect(new Set(keys).size).toBe(keys.length);
  });
});
