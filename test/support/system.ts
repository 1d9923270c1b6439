import type { INestApplication } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTestDatabase, type TestDatabase } from './database';
import { bundleWorkflows, startDevServer } from './temporal';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { VIGIL_CONFIG, type VigilConfig, type WebhookSettings } from '@vigil/config';
import { startApi, testConfig } from './api';
import { WORKFLOW_CODE } from '../../apps/worker/src/case-worker';
import { WorkerModule } from '../../apps/worker/src/worker.module';

export { startApi, testConfig };

/** The worker process's Nest context, running until closed. */
export async function startWorker(
  config: VigilConfig,
  bundle: WorkflowBundleWithSourceMap,
): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({ imports: [WorkerModule] })
    .overrideProvider(VIGIL_CONFIG)
    .useValue(config)
    .overrideProvider(WORKFLOW_CODE)
    .useValue({ workflowBundle: bundle })
    .compile();
  moduleRef.useLogger(['error']);
  moduleRef.enableShutdownHooks();
  await moduleRef.init();
  return moduleRef;
}

/** Everything `npm start` runs, in this process: dev server, database, worker and API. */
export interface RunningSystem {
  readonly env: TestWorkflowEnvironment;
  readonly db: TestDatabase;
  readonly api: INestApplication;
  readonly worker: TestingModule;
  stop(): Promise<void>;
}

export async function startSystem(
  taskQueue: string,
  options: { readonly webhooks?: WebhookSettings } = {},
): Promise<RunningSystem> {
  const [env, db, bundle] = await Promise.all([
    startDevServer(),
    createTestDatabase(),
    bundleWorkflows(),
  ]);
  const base = testConfig({ address: env.address, taskQueue, database: db.settings });
  const config = options.webhooks ? { ...base, webhooks: options.webhooks } : base;
  const [api, worker] = await Promise.all([startApi(config), startWorker(config, bundle)]);
  return {
    env,
    db,
    api,
    worker,
    async stop() {
      await api.close();
      await worker.close();
      await db.drop();
      await env.teardown();
    },
  };
}
