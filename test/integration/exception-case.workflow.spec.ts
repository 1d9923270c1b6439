import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import {
  VigilCaseStatus,
  VigilExceptionKind,
  VigilIdentity,
  VigilSeverity,
  caseWorkflowId,
  decideUpdate,
  occurrenceSignal,
  stateQuery,
  type CaseOutcome,
  type CaseState,
} from '@vigil/contracts';
import { CaseEntity, CaseOutcomeEntity, TimelineEntryEntity } from '@vigil/persistence';
import { createActivities } from '../../activities';
import { ensureTemporalCli } from '../../scripts/temporal-tools';
import { deliverReport } from '@vigil/temporal';
import { aReport } from '../support/cases';
import { actorOf, issueKey, type IssuedKey } from '../support/keys';
import { eventually } from '../support/eventually';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { bundleWorkflows, startDevServer } from '../support/temporal';

const run = promisify(execFile);

describe('exceptionCase workflow on a Temporal dev server', () => {
  let env: TestWorkflowEnvironment;
  let db: TestDatabase;
  let bundle: WorkflowBundleWithSourceMap;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = `cases-${process.pid}`;
  const keys = new Map<string, IssuedKey>();

  beforeAll(async () => {
    [env, db, bundle] = await Promise.all([
      startDevServer(),
      createTestDatabase(),
      bundleWorkflows(),
    ]);
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: bundle,
      activities: createActivities({ dataSource: db.dataSource }),
    });
    running = worker.run();
    for (const name of ['alice@example.com', 'bob@example.com', 'alice', 'carol@example.com']) {
      keys.set(name, await issueKey(db.dataSource, name, 'analyst'));
    }
  });

  /** The actor fields of a decision by `name`, with the key the store holds for them. */
  const as = (name: string) => actorOf(keys.get(name)!);

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await db?.drop();
    await env?.teardown();
  });

  const handleOf = (fingerprint: string) =>
    env.client.workflow.getHandle(caseWorkflowId(fingerprint));

  const awaitingDecision = (fingerprint: string) =>
    eventually(async () => {
      const state = await handleOf(fingerprint).query(stateQuery);
      if (state.status !== 'awaiting_decision') throw new Error(`case is ${state.status}`);
      return state;
    });

  it('opens a case, takes repeats as occurrences and resolves on a decision', async () => {
    const first = aReport({ severity: 'medium' });
    const started = await deliverReport(env.client, taskQueue, first);
    const repeat = await deliverReport(env.client, taskQueue, {
      ...aReport(),
      fingerprint: first.fingerprint,
      severity: 'critical',
    });

    expect(started.started).toBe(true);
    expect(repeat.started).toBe(false);
    expect(repeat.runId).toBe(started.runId);

    const handle = handleOf(first.fingerprint);
    const decided = await handle.executeUpdate(decideUpdate, {
      args: [
        {
          decision: 'false_positive',
          ...as('alice@example.com'),
          comment: 'test traffic',
        },
      ],
    });
    expect(decided).toMatchObject({
      caseId: started.runId,
      status: 'resolved',
      occurrences: 2,
      severity: 'critical',
      resolution: 'false_positive',
      disposition: 'false_positive',
      decision: {
        decision: 'false_positive',
        ...as('alice@example.com'),
        comment: 'test traffic',
      },
      allowedDecisions: [],
    });
    const outcome: CaseOutcome = await handle.result();
    expect(outcome).toMatchObject({
      resolution: 'false_positive',
      decidedBy: 'alice@example.com',
      occurrences: 2,
    });

    const row = await db.dataSource
      .getRepository(CaseEntity)
      .findOneByOrFail({ id: started.runId });
    expect(row).toMatchObject({
      status: 'resolved',
      occurrences: 2,
      severity: 'critical',
      resolution: 'false_positive',
    });
    const timeline = await db.dataSource
      .getRepository(TimelineEntryEntity)
      .find({ where: { caseId: started.runId }, order: { seq: 'ASC' } });
    // The runbook in order; a repeat that reaches the worker with the start may land
    // anywhere before the decision, so it is checked apart.
    const types = timeline.map((entry) => entry.type);
    const runbook = types.filter((t) => t !== 'occurrence' && t !== 'severity_raised');
    expect(runbook).toEqual([
      'opened',
      'status_changed',
      'context_gathered',
      'risk_assessed',
      'status_changed',
      'escalated',
      'decision',
      'status_changed',
      'resolved',
    ]);
    expect(types.indexOf('occurrence')).toBeGreaterThan(0);
    expect(types.indexOf('occurrence')).toBeLessThan(types.indexOf('severity_raised'));
    expect(types.indexOf('severity_raised')).toBeLessThan(types.indexOf('decision'));
    expect(timeline.map((entry) => entry.seq)).toEqual(timeline.map((_, i) => i + 1));
    const recorded = await db.dataSource
      .getRepository(CaseOutcomeEntity)
      .findOneByOrFail({ caseId: started.runId });
    expect(recorded).toMatchObject({
      resolution: 'false_positive',
      disposition: 'false_positive',
      decidedBy: 'alice@example.com',
    });
  });

  it('keeps the four search attributes current', async () => {
    const exception = aReport({ identityId: 'svc-ledger', kind: 'rate_spike', severity: 'low' });
    await deliverReport(env.client, taskQueue, exception);
    await awaitingDecision(exception.fingerprint);
    const handle = handleOf(exception.fingerprint);

    const open = (await handle.describe()).typedSearchAttributes;
    expect(open.get(VigilIdentity)).toBe('svc-ledger');
    expect(open.get(VigilExceptionKind)).toBe('rate_spike');
    expect(open.get(VigilSeverity)).toBe('low');
    expect(open.get(VigilCaseStatus)).toBe('awaiting_decision');

    await handle.signal(occurrenceSignal, {
      ...aReport(),
      fingerprint: exception.fingerprint,
      severity: 'high',
    });
    await handle.executeUpdate(decideUpdate, {
      args: [{ decision: 'reject', ...as('bob@example.com') }],
    });
    await handle.result();
    const closed = (await handle.describe()).typedSearchAttributes;
    expect(closed.get(VigilSeverity)).toBe('high');
    expect(closed.get(VigilCaseStatus)).toBe('resolved');
  });

  it('refuses invalid or inapplicable decisions in the validator, leaving history untouched', async () => {
    const exception = aReport();
    await deliverReport(env.client, taskQueue, exception);
    await awaitingDecision(exception.fingerprint);
    const handle = handleOf(exception.fingerprint);
    const acceptedUpdates = async () =>
      (await handle.fetchHistory()).events?.filter(
        (event) => event.workflowExecutionUpdateAcceptedEventAttributes,
      ).length;

    const refusal = (input: unknown) =>
      handle.executeUpdate(decideUpdate, { args: [input as never] }).then(
        () => undefined,
        (error: unknown) => error,
      );
    const unknown = await refusal({
      decision: 'delete_everything',
      actor: 'mallory',
      role: 'analyst',
    });
    const noActor = await refusal({ decision: 'reject', actor: '', role: 'analyst' });
    const noRemediation = await refusal({
      decision: 'approve_remediation',
      ...as('alice'),
    });

    for (const error of [unknown, noActor, noRemediation])
      expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((unknown as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'InvalidDecision' });
    expect((noActor as WorkflowUpdateFailedError).cause).toMatchObject({ type: 'InvalidDecision' });
    expect((noRemediation as WorkflowUpdateFailedError).cause).toMatchObject({
      type: 'DecisionNotAllowed',
    });
    expect(await acceptedUpdates()).toBe(0);

    await handle.executeUpdate(decideUpdate, {
      args: [{ decision: 'reject', ...as('alice') }],
    });
    await handle.result();
    expect(await acceptedUpdates()).toBe(1);
  });

  it('takes a decision from the Temporal CLI', async () => {
    const exception = aReport({ identityId: 'svc-cli' });
    const { runId } = await deliverReport(env.client, taskQueue, exception);
    await awaitingDecision(exception.fingerprint);
    const cli = ensureTemporalCli({ quiet: true });
    const common = [
      '--address',
      env.address,
      '--workflow-id',
      caseWorkflowId(exception.fingerprint),
      '--name',
      'decide',
    ];

    const wrong = await run(cli, [
      'workflow',
      'update',
      'execute',
      ...common,
      '--input',
      '{"decision":"bogus","actor":"carol"}',
    ]).then(
      () => 'accepted',
      (error: { stderr: string }) => error.stderr,
    );
    expect(wrong).toContain('InvalidDecision');

    const { stdout } = await run(cli, [
      'workflow',
      'update',
      'execute',
      ...common,
      '--input',
      JSON.stringify({
        decision: 'accept_risk',
        ...as('carol@example.com'),
        comment: 'maintenance window',
        acceptRiskDays: 7,
      }),
      '--output',
      'json',
    ]);
    const result = JSON.parse(stdout) as { result: CaseState };
    expect(result).toMatchObject({
      result: { caseId: runId, status: 'resolved', resolution: 'accepted_risk' },
    });
    // Accepted for seven days: the case stays open in Temporal until it comes back.
    const until = Date.parse(result.result.acceptedUntil!);
    expect(until - Date.parse(result.result.resolvedAt!)).toBe(7 * 86_400_000);
    await eventually(() =>
      db.dataSource
        .getRepository(CaseOutcomeEntity)
        .findOneByOrFail({ caseId: runId, decidedBy: 'carol@example.com' }),
    );
  });

  it('opens a new case when a resolved fingerprint recurs', async () => {
    const exception = aReport();
    const first = await deliverReport(env.client, taskQueue, exception);
    await awaitingDecision(exception.fingerprint);
    await handleOf(exception.fingerprint).executeUpdate(decideUpdate, {
      args: [{ decision: 'false_positive', ...as('alice') }],
    });
    await env.client.workflow
      .getHandle(caseWorkflowId(exception.fingerprint), first.runId)
      .result();

    const again = await deliverReport(env.client, taskQueue, {
      ...aReport(),
      fingerprint: exception.fingerprint,
    });
    expect(again.started).toBe(true);
    expect(again.runId).not.toBe(first.runId);
    const state = await awaitingDecision(exception.fingerprint);
    expect(state).toMatchObject({ caseId: again.runId, occurrences: 1 });
  });

  it('hands a long case over to a fresh run, carrying its state and deadline', async () => {
    const exception = aReport({ identityId: 'svc-flood', severity: 'low' });
    const first = await deliverReport(env.client, taskQueue, exception);
    const before = await awaitingDecision(exception.fingerprint);
    const handle = handleOf(exception.fingerprint);
    const signals = Array.from({ length: 1_100 }, () => ({
      ...aReport(),
      fingerprint: exception.fingerprint,
      severity: 'low' as const,
    }));
    for (let i = 0; i < signals.length; i += 100) {
      await Promise.all(signals.slice(i, i + 100).map((s) => handle.signal(occurrenceSignal, s)));
    }
    const after = await eventually(
      async () => {
        const description = await handle.describe();
        if (description.runId === first.runId) throw new Error('still on the first run');
        const state = await handle.query(stateQuery);
        if (state.occurrences < 1_101) throw new Error(`${state.occurrences} occurrences so far`);
        return state;
      },
      { timeoutMs: 60_000 },
    );
    expect(after).toMatchObject({
      caseId: first.runId,
      status: 'awaiting_decision',
      occurrences: 1_101,
      escalation: before.escalation,
    });
    const decided = await handle.executeUpdate(decideUpdate, {
      args: [{ decision: 'false_positive', ...as('alice') }],
    });
    expect(decided).toMatchObject({ caseId: first.runId, resolution: 'false_positive' });
    const row = await db.dataSource.getRepository(CaseEntity).findOneByOrFail({ id: first.runId });
    expect(row).toMatchObject({ status: 'resolved', occurrences: 1_101 });
    const timeline = await db.dataSource
      .getRepository(TimelineEntryEntity)
      .find({ where: { caseId: first.runId }, order: { seq: 'ASC' } });
    expect(timeline.map((e) => e.seq)).toEqual(timeline.map((_, i) => i + 1));
  });
});
