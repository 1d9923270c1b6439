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
