import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import {
  EXCEPTION_CASE_WORKFLOW,
  VigilCaseStatus,
  VigilExceptionKind,
  VigilIdentity,
  VigilSeverity,
  caseWorkflowId,
  occurrenceSignal,
  type ExceptionReport,
  type ExceptionKind,
  type Severity,
} from '@vigil/contracts';
import { signalWithStart } from '@vigil/temporal';

export function aReport(overrides: Partial<ExceptionReport> = {}): ExceptionReport {
  const identityId = overrides.identityId ?? 'svc-payments';
  const kind: ExceptionKind = overrides.kind ?? 'novel_scope';
  return {
    reportId: randomUUID(),
    identityId,
    kind,
    severity: 'high' satisfies Severity,
    fingerprint: `${identityId}.${kind}.${randomUUID().slice(0, 8)}`,
    evidence: { scope: 'secrets:write:vault/prod/*' },
    reportedAt: new Date().toISOString(),
    ...overrides,
  };
}

/** Reports an exception the way the API does: one signal-with-start of the case workflow. */
export function report(client: Client, taskQueue: string, exception: ExceptionReport) {
  return signalWithStart(client, {
    workflowType: EXCEPTION_CASE_WORKFLOW,
    workflowId: caseWorkflowId(exception.fingerprint),
    taskQueue,
    args: [{ report: exception }],
    signalName: occurrenceSignal.name,
    signalArgs: [exception],
    searchAttributes: [
      { key: VigilIdentity, value: exception.identityId },
      { key: VigilExceptionKind, value: exception.kind },
      { key: VigilSeverity, value: exception.severity },
      { key: VigilCaseStatus, value: 'open' },
    ],
  });
}
