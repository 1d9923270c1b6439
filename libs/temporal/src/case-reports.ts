import type { Client } from '@temporalio/client';
import {
  EXCEPTION_CASE_WORKFLOW,
  VigilCaseStatus,
  VigilExceptionKind,
  VigilIdentity,
  VigilSeverity,
  caseWorkflowId,
  occurrenceSignal,
  type CaseInput,
  type ExceptionReport,
} from '@vigil/contracts';
import { LruMap } from '@vigil/domain';
import { withTimeout } from './connection';
import { signalWithStart, type SignalWithStartResult } from './signal-with-start';

/**
 * Delivers a report to its case in one atomic call: starts `case-<fingerprint>` with the
 * report, or signals it to the open case as an occurrence. The report id doubles as the
 * request id, so a retried call is recognised by the server.
 */
export function deliverReport(
  client: Client,
  taskQueue: string,
  report: ExceptionReport,
): Promise<SignalWithStartResult> {
  return signalWithStart(client, {
    workflowType: EXCEPTION_CASE_WORKFLOW,
    workflowId: caseWorkflowId(report.fingerprint),
    taskQueue,
    args: [{ report } satisfies CaseInput],
    signalName: occurrenceSignal.name,
    signalArgs: [report],
    requestId: report.reportId,
    searchAttributes: [
      { key: VigilIdentity, value: report.identityId },
      { key: VigilExceptionKind, value: report.kind },
      { key: VigilSeverity, value: report.severity },
      { key: VigilCaseStatus, value: 'open' },
    ],
  });
}

/** Which case a delivered report went to. */
export interface CaseOfReport {
  /** The first run id of the case's workflow chain. */
  readonly caseId: string;
  readonly workflowId: string;
  /** True when the report joined a case that was already open. */
  readonly deduplicated: boolean;
}

/**
 * The case each workflow run belongs to, as learnt from earlier reports: a run never
 * changes case, so a report that lands on a run seen before needs no describe call.
 * Bounded: the least recently used runs are forgotten first.
 */
export class RunCases extends LruMap<string, string> {
  constructor(capacity = 10_000) {
    super(capacity);
  }
}

/**
 * Delivers the report and names its case. A joined case's id is the first run of its chain,
 * which only a describe call knows (the chain may have continued as new since it opened),
 * unless `known` remembers the run from an earlier report.
 */
export async function reportToCase(
  client: Client,
  taskQueue: string,
  report: ExceptionReport,
  known?: RunCases,
): Promise<CaseOfReport> {
  const workflowId = caseWorkflowId(report.fingerprint);
  const { runId, started } = await withTimeout(client, () =>
    deliverReport(client, taskQueue, report),
  );
  if (started) {
    known?.set(runId, runId);
    return { caseId: runId, workflowId, deduplicated: false };
  }
  const remembered = known?.get(runId);
  if (remembered !== undefined) return { caseId: remembered, workflowId, deduplicated: true };
  const description = await withTimeout(client, () =>
    client.workflow.getHandle(workflowId, runId).describe(),
  );
  // A review that followed an expired acceptance names its own case in the memo.
  const reviewCaseId = description.memo?.caseId;
  const caseId =
    typeof reviewCaseId === 'string'
      ? reviewCaseId
      : description.raw.workflowExecutionInfo?.firstRunId || runId;
  known?.set(runId, caseId);
  return { caseId, workflowId, deduplicated: true };
}
