import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { TelemetryEvent } from '@vigil/contracts';
import type { VigilConfig } from '@vigil/config';
import { BaselineStore, EventEntity, PendingReportEntity } from '@vigil/persistence';
import { GuardrailThread } from '../../apps/api/src/guardrail/guardrail-thread/guardrail-thread';
import { testConfig } from '../support/api';
import { createTestDatabase, testingPostgres, type TestDatabase } from '../support/database';
import { startDevServer } from '../support/temporal';

const database = testingPostgres ? 'PostgreSQL' : 'SQLite';

function toolCall(agentId: string, tool: string): TelemetryEvent {
  return {
    id: `authz-${randomUUID()}`,
    time: new Date().toISOString(),
    identityId: agentId,
    type: 'tool.invoked',
    action: 'invoke',
    resource: 'kb:article-1',
    scope: null,
    source: {},
    outcome: 'allowed',
    attributes: { tool, decidedBy: 'vigil.authorize', policyVersion: 'v1' },
  };
}

/**
 * The guardrail thread as the API runs it: a worker thread with the API's ingest path and
 * case reporting on connections of its own, against a real database and a dev server.
 */
describe(`guardrail thread on ${database}`, () => {
  let db: TestDatabase;
  let env: TestWorkflowEnvironment;
  let config: VigilConfig;

  beforeAll(async () => {
    [db, env] = await Promise.all([createTestDatabase(), startDevServer()]);
    config = testConfig({
      address: env.address,
      taskQueue: `guardrail-thread-${process.pid}`,
      database: db.settings,
    });
  });

  afterAll(async () => {
    await db?.drop();
    await env?.teardown();
  });

  it('ingests batches into the ledger and the baselines, and writes what it holds on stop', async () => {
    const thread = new GuardrailThread(config);
    try {
      expect(thread.available).toBe(true);
      const events = Array.from({ length: 40 }, (_, i) =>
        toolCall(`agent-thread-${i % 4}`, i % 2 ? 'kb.search' : 'orders.read'),
      );
      expect(await thread.ingest(events)).toEqual({ accepted: 40, duplicates: 0, rejected: [] });
      // A resent batch is recognised: the thread shares the ledger with every other writer.
      expect(await thread.ingest(events.slice(0, 10))).toEqual({
        accepted: 0,
        duplicates: 10,
        rejected: [],
      });
      expect(
        await thread.ingest([{ ...toolCall('agent-thread-0', 'kb.search'), time: 'yesterday' }]),
      ).toMatchObject({ accepted: 0, rejected: [{ code: 'validation_failed' }] });
    } finally {
      await thread.stop();
    }
    expect(thread.available).toBe(false);
    await expect(thread.ingest([toolCall('agent-thread-0', 'kb.search')])).rejects.toThrow(
      /not running/,
    );

    const stored = await db.dataSource.manager.count(EventEntity);
    expect(stored).toBe(40);
    const baselines = await new BaselineStore(db.dataSource).load(['agent-thread-0']);
    expect(baselines.get('agent-thread-0')?.eventCount).toBe(10);
  });

  it('reports exceptions to their cases, and to the outbox while Temporal is unavailable', async () => {
    const report = (identityId: string) => ({
      reportId: randomUUID(),
      identityId,
      kind: 'policy_violation' as const,
      severity: 'high' as const,
      fingerprint: `${identityId}.policy_violation.shell.run`,
      reportedAt: new Date().toISOString(),
      evidence: { detector: 'policy_violation', reason: 'denied' },
    });
    const thread = new GuardrailThread(config);
    try {
      const [opened] = await thread.report([report('agent-thread-1')]);
      expect(opened).toMatchObject({ deduplicated: false, pending: false });
      expect(opened!.caseId).toEqual(expect.any(String));
      const [joined] = await thread.report([report('agent-thread-1')]);
      expect(joined).toMatchObject({ caseId: opened!.caseId, deduplicated: true });
    } finally {
      await thread.stop();
    }

    // Nothing listens at this address: the report is kept for later delivery.
    const unreachable = new GuardrailThread({
      ...config,
      temporal: { ...config.temporal, address: '127.0.0.1:1' },
    });
    try {
      const [kept] = await unreachable.report([report('agent-thread-2')]);
      expect(kept).toMatchObject({ caseId: null, pending: true });
      const pending = await db.dataSource.manager.find(PendingReportEntity);
      expect(pending.map((p) => p.report.fingerprint)).toContain(
        'agent-thread-2.policy_violation.shell.run',
      );
    } finally {
      await unreachable.stop();
    }
  });

  it('fails the work of a thread that cannot start, and is unavailable until its retry', async () => {
    const notADirectory = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-')), 'file');
    fs.writeFileSync(notADirectory, '');
    const broken: VigilConfig = {
      ...config,
      database:
        config.database.type === 'postgres'
          ? { type: 'postgres', url: 'postgres://nobody:wrong@127.0.0.1:1/none' }
          : { type: 'sqlite', path: path.join(notADirectory, 'vigil.sqlite') },
    };
    const thread = new GuardrailThread(broken);
    try {
      await expect(thread.ingest([toolCall('agent-thread-9', 'kb.search')])).rejects.toThrow(
        /could not start|exited/,
      );
      expect(thread.available).toBe(false);
    } finally {
      await thread.stop();
    }
  });
});
