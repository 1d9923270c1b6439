import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import {
  EVENT_RETENTION_WORKFLOW,
  IDENTITY_SWEEP_WORKFLOW,
  type EventRetentionResult,
  type SweepResult,
} from '@vigil/contracts';
import { Baseline } from '@vigil/domain';
import { BaselineStore, EventEntity, EventLedger, IdentityStore } from '@vigil/persistence';
import { createActivities } from '../../activities';
import { anIdentity } from '../support/cases';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { bundleWorkflows, startTimeSkippingServer } from '../support/temporal';

const DAY = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Expiries over time on the time-skipping test server: a sweep judges the inventory at its
 * own start time, so a certificate that is fine today is flagged once the clock reaches its
 * renewal window; retention's cutoff moves with the clock in the same way.
 */
describe('sweeps and retention over time', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let worker: Worker;
  let running: Promise<void>;
  let runs = 0;
  /**
   * A plain client: the environment's own one lets the server skip time while it waits for
   * a result, and with nothing scheduled the server then jumps years ahead. Here time moves
   * only by env.sleep, so each step of the test knows what time it is.
   */
  let client: Client;
  const taskQueue = 'sweeps-time-skipping';

  beforeAll(async () => {
    [env, db] = await Promise.all([startTimeSkippingServer(), createTestDatabase()]);
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await bundleWorkflows(),
      activities: createActivities({
        dataSource: db.dataSource,
        temporal: { client: env.client, taskQueue },
      }),
    });
    running = worker.run();
    client = new Client({ connection: env.connection, namespace: env.namespace ?? 'default' });
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await db?.drop();
    await env?.teardown();
  });

  /** The server's clock, which time skipping moves on. */
  const serverNow = async () => (await env.currentTimeMs()) as number;

  it('flags a certificate once the clock reaches its renewal window', async () => {
    const renewedAt = await serverNow();
    const policy = { ...anIdentity('x').policy, certificateValidityDays: 45 };
    await new IdentityStore(db.dataSource).upsert(
      anIdentity('cert-edge', { kind: 'certificate', policy }),
      { actor: 'test' },
    );
    const baseline = new Baseline('cert-edge');
    baseline.absorb(
      {
        id: 'cert-edge-renewed',
        time: new Date(renewedAt).toISOString(),
        identityId: 'cert-edge',
        type: 'certificate.renewed',
        action: 'renew',
        resource: null,
        scope: null,
        source: {},
        outcome: 'allowed',
        attributes: {},
      },
      renewedAt,
    );
    await new BaselineStore(db.dataSource).apply([baseline.takeDelta()!]);

    const sweep = () =>
      client.workflow.execute(IDENTITY_SWEEP_WORKFLOW, {
        args: [{ sweep: 'certificate_expiring' }],
        taskQueue,
        workflowId: `cert-sweep-${++runs}`,
      }) as Promise<SweepResult>;

    expect((await sweep()).findings).toEqual([]);
    // The window is a third of 45 days: it opens 30 days after the renewal.
    await env.sleep(29 * DAY);
    expect((await sweep()).findings).toEqual([]);
    await env.sleep(2 * DAY);
    const due = await sweep();
    // (Not `deduplicated`: this server leaves signal-with-start's `started` unset.)
    expect(due.findings).toEqual([
      expect.objectContaining({
        identityId: 'cert-edge',
        workflowId: 'case-cert-edge.certificate_expiring.expires-' + isoDay(renewedAt + 45 * DAY),
      }),
    ]);
    expect(Date.parse(due.asOf) - renewedAt).toBeGreaterThanOrEqual(31 * DAY);
  });

  it('deletes events once they are older than the retention window', async () => {
    const receivedAt = await serverNow();
    const ledger = new EventLedger(db.dataSource, () => new Date(receivedAt));
    await ledger.recordNew(
      ['a', 'b', 'c'].map((id) => ({
        id: `retained-${id}`,
        time: new Date(receivedAt).toISOString(),
        identityId: 'svc-retention',
        type: 'token.used',
        action: 'read',
        resource: null,
        scope: null,
        source: {},
        outcome: 'allowed' as const,
        attributes: {},
      })),
    );
    const retain = () =>
      client.workflow.execute(EVENT_RETENTION_WORKFLOW, {
        args: [{ retentionDays: 7 }],
        taskQueue,
        workflowId: `retention-${++runs}`,
      }) as Promise<EventRetentionResult>;
    const count = () =>
      db.dataSource.getRepository(EventEntity).countBy({ identityId: 'svc-retention' });

    const early = await retain();
    expect(early).toMatchObject({ deleted: 0, retentionDays: 7 });
    expect(await count()).toBe(3);
    await env.sleep(8 * DAY);
    const late = await retain();
    expect(late.deleted).toBeGreaterThanOrEqual(3);
    expect(Date.parse(late.cutoff)).toBeGreaterThan(receivedAt);
    expect(await count()).toBe(0);
  });

  it('refuses a retention window that would empty the table', async () => {
    await expect(
      client.workflow.execute(EVENT_RETENTION_WORKFLOW, {
        args: [{ retentionDays: 0 }],
        taskQueue,
        workflowId: `retention-${++runs}`,
      }),
    ).rejects.toThrow(/workflow execution failed/i);
  });
});
