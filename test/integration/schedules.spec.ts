import { ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import {
  EVENT_RETENTION_WORKFLOW,
  IDENTITY_SWEEP_WORKFLOW,
  SCHEDULE_IDS,
  SWEEP_KINDS,
  type SweepResult,
} from '@vigil/contracts';
import { syncSchedules, vigilSchedules } from '@vigil/temporal';
import { createActivities } from '../../activities';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { eventually } from '../support/eventually';
import { bundleWorkflows, startDevServer } from '../support/temporal';

/**
 * The Schedules themselves, on the dev server: the time-skipping test server does not
 * implement the schedule service (CreateSchedule fails there), so this runs in real time,
 * with `trigger()` standing in for the interval coming round.
 */
describe('Temporal Schedules of the sweeps and retention', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let client: Client;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = `schedules-${process.pid}`;

  beforeAll(async () => {
    [env, db] = await Promise.all([startDevServer(), createTestDatabase()]);
    client = env.client;
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await bundleWorkflows(),
      activities: createActivities({ dataSource: db.dataSource, temporal: { client, taskQueue } }),
    });
    running = worker.run();
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await db?.drop();
    await env?.teardown();
  });

  const settings = {
    tuningIntervalMs: null,
    sweepIntervalMs: 10_000,
    retentionIntervalMs: 86_400_000,
    eventRetentionDays: 7,
  };

  it('creates one Schedule per sweep and one for retention, with the configured intervals', async () => {
    const synced = await syncSchedules(client, taskQueue, vigilSchedules(settings));
    const sweepIds = SWEEP_KINDS.map((kind) => SCHEDULE_IDS.sweep(kind));
    expect(synced.created.sort()).toEqual([SCHEDULE_IDS.retention, ...sweepIds].sort());

    const gap = await client.schedule.getHandle(SCHEDULE_IDS.sweep('telemetry_gap')).describe();
    expect(gap.spec.intervals).toEqual([expect.objectContaining({ every: 10_000 })]);
    expect(gap.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: IDENTITY_SWEEP_WORKFLOW,
      args: [{ sweep: 'telemetry_gap' }],
      taskQueue,
    });
    expect(gap.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    const retention = await client.schedule.getHandle(SCHEDULE_IDS.retention).describe();
    expect(retention.spec.intervals).toEqual([expect.objectContaining({ every: 86_400_000 })]);
    expect(retention.action).toMatchObject({
      workflowType: EVENT_RETENTION_WORKFLOW,
      args: [{ retentionDays: 7 }],
    });

    // A second worker start finds them in place and only updates them.
    const again = await syncSchedules(client, taskQueue, vigilSchedules(settings));
    expect(again.created).toEqual([]);
    expect(again.updated).toHaveLength(synced.created.length);
  });

  it('starts the sweep workflow when the Schedule fires, and it completes', async () => {
    const handle = client.schedule.getHandle(SCHEDULE_IDS.sweep('unused_privilege'));
    await handle.trigger();
    const started = await eventually(
      async () => {
        const actions = (await handle.describe()).info.recentActions;
        if (actions.length === 0) throw new Error('the Schedule has not started anything yet');
        return actions[0].action.workflow;
      },
      { timeoutMs: 20_000 },
    );
    expect(started.workflowId).toMatch(/^sweep-unused_privilege/);
    const result = (await client.workflow
      .getHandle(started.workflowId, started.firstExecutionRunId)
      .result()) as SweepResult;
    expect(result).toMatchObject({ sweep: 'unused_privilege', scanned: 0, reported: 0 });
  });

  it('removes the Schedules switched off', async () => {
    const off = await syncSchedules(
      client,
      taskQueue,
      vigilSchedules({ ...settings, sweepIntervalMs: null, retentionIntervalMs: null }),
    );
    expect(off.deleted.sort()).toEqual(
      [SCHEDULE_IDS.retention, ...SWEEP_KINDS.map((kind) => SCHEDULE_IDS.sweep(kind))].sort(),
    );
  });
});
