import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { encodeUnifiedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import { encodeToPayloads } from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@temporalio/proto';

export interface SignalWithStartRequest {
  readonly workflowType: string;
  readonly workflowId: string;
  readonly taskQueue: string;
  readonly args: readonly unknown[];
  readonly signalName: string;
  readonly signalArgs: readonly unknown[];
  readonly searchAttributes?: readonly SearchAttributePair[];
  /** Same id on a retried call: the server then treats it as the same request. */
  readonly requestId?: string;
}

export interface SignalWithStartResult {
  readonly runId: string;
  /** True when this call started the workflow; false when it signalled a running one. */
  readonly started: boolean;
}

/**
 * `SignalWithStartWorkflowExecution`, reporting whether the workflow was started. The SDK's
 * `signalWithStart` returns only the run id, and dedup needs to know which of the two
 * happened, atomically with the call itself.
 */
export async function signalWithStart(
  client: Client,
  request: SignalWithStartRequest,
): Promise<SignalWithStartResult> {
  const { namespace, identity, loadedDataConverter } = client.workflow.options;
  const response = await client.workflowService.signalWithStartWorkflowExecution({
    namespace,
    identity,
    requestId: request.requestId ?? randomUUID(),
    workflowId: request.workflowId,
    workflowType: { name: request.workflowType },
    taskQueue: {
      kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL,
      name: request.taskQueue,
    },
    input: { payloads: await encodeToPayloads(loadedDataConverter, ...request.args) },
    signalName: request.signalName,
    signalInput: { payloads: await encodeToPayloads(loadedDataConverter, ...request.signalArgs) },
    workflowIdReusePolicy:
      temporal.api.enums.v1.WorkflowIdReusePolicy.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
    searchAttributes: request.searchAttributes
      ? { indexedFields: encodeUnifiedSearchAttributes(undefined, [...request.searchAttributes]) }
      : undefined,
  });
  return { runId: response.runId, started: response.started === true };
}
