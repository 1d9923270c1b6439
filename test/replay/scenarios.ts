import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  caseWorkflowId,
  commentSignal,
  decideUpdate,
  occurrenceSignal,
  requestRemediationUpdate,
  stateQuery,
  type CaseState,
  type DecisionInput,
  type ExceptionReport,
  type Identity,
} from '@vigil/contracts';
import { IdentityStore } from '@vigil/persistence';
import { deliverReport } from '@vigil/temporal';
import type { DataSource } from 'typeorm';
import { aReport, anIdentity } from '../support/cases';
import { eventually } from '../support/eventually';
import { actorOf, issueKey, type IssuedKey } from '../support/keys';

/**
 * The paths a case can take through the runbook, driven against the time-skipping test
 * server (deadlines pass in a moment). Their recorded histories are replayed by
 * replay.spec.ts, so a change to workflow code that would break running cases fails a
 * test. Record again with `npm run histories:record` when adding a path.
 */
export interface ScenarioContext {
  readonly env: TestWorkflowEnvironment;
  readonly client: Client;
  readonly taskQueue: string;
  readonly dataSource: DataSource;
  /** Makes the remediation webhook refuse the named step (400) until cleared. */
  failStep(step: string | null): void;
}

export interface Scenario {
  readonly name: string;
  /** Returns the workflow id and the run whose history is recorded. */
  run(ctx: ScenarioContext): Promise<{ workflowId: string; runId: string }>;
}

/** Histories of the first, skeleton version of the case; they replay on its patched path. */
export const LEGACY_HISTORIES = [
  'decided-without-repeats',
  'occurrence-flood-then-reject',
  'repeats-raise-severity-then-false-positive',
] as const;

async function openCase(
  ctx: ScenarioContext,
  identity: Partial<Identity> & { id: string },
  report: Partial<ExceptionReport>,
): Promise<{ workflowId: string; runId: string; exception: ExceptionReport }> {
  await new IdentityStore(ctx.dataSource).upsert(anIdentity(identity.id, identity), {
    actor: 'scenario',
  });
  const exception = aReport({ identityId: identity.id, kind: 'rate_spike', ...report });
  const { runId } = await deliverReport(ctx.client, ctx.taskQueue, exception);
  return { workflowId: caseWorkflowId(exception.fingerprint), runId, exception };
}

function stateWhen(
  ctx: ScenarioContext,
  workflowId: string,
  when: (state: CaseState) => boolean,
): Promise<CaseState> {
  return eventually(async () => {
    const state = await ctx.client.workflow.getHandle(workflowId).query(stateQuery);
    if (!when(state)) throw new Error(`case is ${state.status}`);
    return state;
  });
}

const issued = new WeakMap<DataSource, Map<string, IssuedKey>>();

/** The actor fields of `actor` deciding as an analyst, with a key the store holds for them. */
async function analyst(ctx: ScenarioContext, actor: string) {
  const known = issued.get(ctx.dataSource) ?? new Map<string, IssuedKey>();
  issued.set(ctx.dataSource, known);
  let key = known.get(actor);
  if (!key) {
    key = await issueKey(ctx.dataSource, actor, 'analyst');
    known.set(actor, key);
  }
  return actorOf(key);
}

async function decide(ctx: ScenarioContext, workflowId: string, input: Partial<DecisionInput>) {
  const who = await analyst(ctx, input.actor ?? 'ana@example.com');
  return ctx.client.workflow.getHandle(workflowId).executeUpdate(decideUpdate, {
    args: [{ ...input, ...who } as DecisionInput],
  });
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'auto-remediated',
    async run(ctx) {
      const { workflowId, runId } = await openCase(
        ctx,
        { id: 'svc-auto' },
        {
          kind: 'novel_scope',
          severity: 'medium',
          evidence: { value: 'db:admin', score: 0.55 },
        },
      );
      await ctx.client.workflow.getHandle(workflowId, runId).result();
      return { workflowId, runId };
    },
  },
  {
    name: 'saga-compensated-then-approved-again',
    async run(ctx) {
      ctx.failStep('revoke-grant');
      const { workflowId, runId } = await openCase(
        ctx,
        { id: 'svc-saga' },
        {
          kind: 'novel_scope',
          severity: 'medium',
          evidence: { value: 'vault:admin', score: 0.55 },
        },
      );
      await stateWhen(ctx, workflowId, (s) => s.escalation.tier === 1);
      ctx.failStep(null);
      const handle = ctx.client.workflow.getHandle(workflowId);
      await handle.signal(commentSignal, { actor: 'ana@example.com', text: 'grant fixed' });
      await decide(ctx, workflowId, { decision: 'approve_remediation' });
      await ctx.client.workflow.getHandle(workflowId, runId).result();
      return { workflowId, runId };
    },
  },
  {
    name: 'tier2-with-repeats-then-false-positive',
    async run(ctx) {
      const { workflowId, runId, exception } = await openCase(
        ctx,
        { id: 'svc-tier2' },
        {
          severity: 'medium',
        },
      );
      const handle = ctx.client.workflow.getHandle(workflowId);
      await stateWhen(ctx, workflowId, (s) => s.escalation.tier === 1);
      for (let i = 0; i < 30; i += 1) {
        await handle.signal(occurrenceSignal, {
          ...aReport(),
          fingerprint: exception.fingerprint,
          severity: i === 29 ? 'high' : 'medium',
        });
      }
      await ctx.env.sleep('25 hours');
      await stateWhen(ctx, workflowId, (s) => s.escalation.tier === 2);
      await decide(ctx, workflowId, { decision: 'false_positive', comment: 'load test' });
      await ctx.client.workflow.getHandle(workflowId, runId).result();
      return { workflowId, runId };
    },
  },
  {
    name: 'expired-default-contain',
    async run(ctx) {
      const { workflowId, runId } = await openCase(
        ctx,
        { id: 'svc-expired' },
        {
          severity: 'high',
        },
      );
      await stateWhen(ctx, workflowId, (s) => s.escalation.tier === 1);
      await ctx.env.sleep('13 hours');
      await ctx.client.workflow.getHandle(workflowId, runId).result();
      return { workflowId, runId };
    },
  },
  {
    name: 'two-person-containment',
    async run(ctx) {
      const { workflowId, runId } = await openCase(
        ctx,
        { id: 'svc-critical', criticality: 'high' },
        { severity: 'critical' },
      );
      await stateWhen(ctx, workflowId, (s) => s.escalation.tier === 1);
      await decide(ctx, workflowId, { decision: 'contain', actor: 'ana@example.com' });
      await decide(ctx, workflowId, { decision: 'contain', actor: 'ana@example.com' }).catch(
        () => undefined,
      );
      await decide(ctx, workflowId, { decision: 'contain', actor: 'bo@example.com' });
      await ctx.client.workflow.getHandle(workflowId, runId).result();
      return { workflowId, runId };
    },
  },
  {
    name: 'requested-remediation-approved-by-another',
    async run(ctx) {
      const { workflowId, runId } = await openCase(
        ctx,
        { id: 'svc-request' },
        {
          kind: 'off_hours',
          severity: 'medium',
          evidence: { value: 'db:write', score: 0.7 },
        },
      );
      await stateWhen(ctx, workflowId, (s) => s.escalation.tier === 1);
      await ctx.client.workflow.getHandle(workflowId).executeUpdate(requestRemediationUpdate, {
        args: [{ playbookId: 'revoke-scope', ...(await analyst(ctx, 'ana@example.com')) }],
      });
      await decide(ctx, workflowId, { decision: 'approve_remediation' }).catch(() => undefined);
      await decide(ctx, workflowId, { decision: 'approve_remediation', actor: 'bo@example.com' });
      await ctx.client.workflow.getHandle(workflowId, runId).result();
      return { workflowId, runId };
    },
  },
  {
    name: 'accepted-risk-expires-into-review',
    async run(ctx) {
      const { workflowId, runId } = await openCase(
        ctx,
        { id: 'svc-accept' },
        {
          severity: 'low',
        },
      );
      await stateWhen(ctx, workflowId, (s) => s.escalation.tier === 1);
      await decide(ctx, workflowId, { decision: 'accept_risk', acceptRiskDays: 1 });
      await ctx.env.sleep('25 hours');
      await stateWhen(ctx, workflowId, (s) => s.review !== null && s.escalation.tier === 1);
      return { workflowId, runId };
    },
  },
];
