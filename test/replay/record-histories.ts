import * as fs from 'node:fs';
import * as path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { bundleWorkflows, startTimeSkippingServer } from '../support/temporal';
import { startRunbookReceivers, type RunbookReceivers } from '../support/runbook-receivers';
import { SCENARIOS } from './scenarios';

/**
 * Records the history of every scenario into test/fixtures/histories, on the time-skipping
 * server with local webhook receivers. Run with `npm run histories:record`; it is not part
 * of the test suite.
 */
const HISTORIES = path.resolve(__dirname, '../fixtures/histories');

describe('record case histories', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let receivers: RunbookReceivers;

  beforeAll(async () => {
    [env, db, receivers] = await Promise.all([
      startTimeSkippingServer(),
      createTestDatabase(),
      startRunbookReceivers(),
    ]);
  });

  afterAll(async () => {
    await receivers?.close();
    await db?.drop();
    await env?.teardown();
  });

  it.each(SCENARIOS.map((scenario) => [scenario.name, scenario] as const))(
    '%s',
    async (name, scenario) => {
      const taskQueue = `record-${name}`;
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle: await bundleWorkflows(),
        activities: createActivities({ dataSource: db.dataSource, webhooks: receivers.webhooks }),
      });
      const { workflowId, runId } = await worker.runUntil(
        scenario.run({
          env,
          client: env.client,
          taskQueue,
          dataSource: db.dataSource,
          failStep: receivers.failStep,
        }),
      );
      const history = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
      fs.mkdirSync(HISTORIES, { recursive: true });
      fs.writeFileSync(path.join(HISTORIES, `${name}.json`), historyToJSON(history));
    },
  );
});
