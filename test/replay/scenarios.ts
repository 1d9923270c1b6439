import type { Client } from '@temporalio/client';
import {
  caseWorkflowId,
  decideUpdate,
  occurrenceSignal,
  type DecisionInput,
} from '@vigil/contracts';
import { deliverReport } from '@vigil/temporal';
import { aReport } from '../support/cases';

/**
 * The paths a case can take, driven against a real server. Their recorded histories are
 * replayed by replay.spec.ts, so a change to workflow code that would break running cases
 * fails a test. Record again with `npm run histories:record` when adding a path.
 */
export interface Scenario {
  readonly name: string;
  run(client: Client, taskQueue: string): Promise<string>;
}

function decide(client: Client, workflowId: string, input: DecisionInput) {
  return client.workflow.getHandle(workflowId).executeUpdate(decideUpdate, { args: [input] });
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'decided-without-repeats',
    async run(client, taskQueue) {
      const exception = aReport({ identityId: 'svc-payments', kind: 'novel_scope' });
      await deliverReport(client, taskQueue, exception);
      const workflowId = caseWorkflowId(exception.fingerprint);
      await decide(client, workflowId, { decision: 'accept_risk', actor: 'alice@example.com' });
      await client.workflow.getHandle(workflowId).result();
      return workflowId;
    },
  },
  {
    name: 'repeats-raise-severity-then-false-positive',
    async run(client, taskQueue) {
      const exception = aReport({ identityId: 'svc-ledger', kind: 'rate_spike', severity: 'low' });
      await deliverReport(client, taskQueue, exception);
      const workflowId = caseWorkflowId(exception.fingerprint);
      const handle = client.workflow.getHandle(workflowId);
      await deliverReport(client, taskQueue, {
        ...aReport(),
        fingerprint: exception.fingerprint,
        severity: 'medium',
      });
      await handle.signal(occurrenceSignal, {
        ...aReport(),
        fingerprint: exception.fingerprint,
        severity: 'critical',
      });
      await decide(client, workflowId, { decision: 'approve_remediation', actor: 'bob' }).catch(
        () => undefined,
      );
      await decide(client, workflowId, {
        decision: 'false_positive',
        actor: 'bob',
        comment: 'load test',
      });
      await handle.result();
      return workflowId;
    },
  },
  {
    name: 'occurrence-flood-then-reject',
    async run(client, taskQueue) {
      const exception = aReport({ identityId: 'agent-support-bot', kind: 'policy_violation' });
      await deliverReport(client, taskQueue, exception);
      const workflowId = caseWorkflowId(exception.fingerprint);
      const handle = client.workflow.getHandle(workflowId);
      for (let i = 0; i < 40; i += 1) {
        await handle.signal(occurrenceSignal, { ...aReport(), fingerprint: exception.fingerprint });
      }
      await decide(client, workflowId, { decision: 'reject', actor: 'carol' });
      await handle.result();
      return workflowId;
    },
  },
];
