import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { ensureTemporalCli } from '../../scripts/temporal-tools';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { bundleWorkflows, startDevServer } from '../support/temporal';
import { SCENARIOS } from './scenarios';

/**
 * Records the history of every scenario into test/fixtures/histories. Run with
 * `npm run histories:record`; it is not part of the test suite.
 */
const HISTORIES = path.resolve(__dirname, '../fixtures/histories');

describe('record case histories', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;

  beforeAll(async () => {
    [env, db] = await Promise.all([startDevServer(), createTestDatabase()]);
  });

  afterAll(async () => {
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
        activities: createActivities({ dataSource: db.dataSource }),
      });
      const workflowId = await worker.runUntil(scenario.run(env.client, taskQueue));
      // The CLI writes the canonical proto JSON that historyFromJSON reads back.
      const history = execFileSync(ensureTemporalCli({ quiet: true }), [
        'workflow',
        'show',
        '--address',
        env.address,
        '--workflow-id',
        workflowId,
        '--output',
        'json',
      ]);
      fs.mkdirSync(HISTORIES, { recursive: true });
      fs.writeFileSync(path.join(HISTORIES, `${name}.json`), history);
    },
  );
});
