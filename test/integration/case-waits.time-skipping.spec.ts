import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { caseWorkflowId, decideUpdate, stateQuery } from '@vigil/contracts';
import { createActivities } from '../../activities';
import { deliverReport } from '@vigil/temporal';
import { aReport } from '../support/cases';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { bundleWorkflows, startTimeSkippingServer } from '../support/temporal';

/** On the time-skipping test server: an undecided case waits, however long, for its analyst. */
describe('an undecided case over time', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;

  beforeAll(async () => {
    [env, db] = await Promise.all([startTimeSkippingServer(), createTestDatabase()]);
  });

  afterAll(async () => {
    await db?.drop();
    await env?.teardown();
  });

  it('is still awaiting a decision after 90 days, and then takes one', async () => {
    const taskQueue = 'time-skipping';
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await bundleWorkflows(),
      activities: createActivities({ dataSource: db.dataSource }),
    });
    const exception = aReport();
    const handle = env.client.workflow.getHandle(caseWorkflowId(exception.fingerprint));

    const decided = await worker.runUntil(async () => {
      await deliverReport(env.client, taskQueue, exception);
      const startedAt = await env.currentTimeMs();
      await env.sleep('90 days');
      expect((await env.currentTimeMs()) - startedAt).toBeGreaterThanOrEqual(90 * 86_400_000);
      expect(await handle.query(stateQuery)).toMatchObject({ status: 'awaiting_decision' });
      return handle.executeUpdate(decideUpdate, {
        args: [{ decision: 'accept_risk', actor: 'dana@example.com' }],
      });
    });
    expect(decided).toMatchObject({ status: 'resolved', resolution: 'accepted_risk' });
  });
});
