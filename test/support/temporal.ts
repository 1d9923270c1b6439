import { devServerConfigArgs } from '@vigil/temporal';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { CASE_SEARCH_ATTRIBUTES } from '@vigil/contracts';
import { temporal } from '@temporalio/proto';
import { ensureTemporalCli, ensureTemporalTestServer } from '../../scripts/temporal-tools';
import { WORKFLOW_SOURCE } from '../../apps/worker/src/workflow-source';

const SERVER_START_ATTEMPTS = 3;
const KEYWORD = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;

/**
 * A real Temporal dev server (the installed CLI) with Vigil's search attributes. The SDK
 * gives the server five seconds to come up; a busy machine can need longer, so a start that
 * timed out (the SDK has killed that process) is tried again.
 */
export async function startDevServer(): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await TestWorkflowEnvironment.createLocal({
        server: {
          executable: { type: 'existing-path', path: ensureTemporalCli({ quiet: true }) },
          ip: '127.0.0.1',
          searchAttributes: [...CASE_SEARCH_ATTRIBUTES],
          log: { format: 'pretty', level: 'error' },
          extraArgs: devServerConfigArgs(),
        },
      });
    } catch (error) {
      const timedOut = error instanceof Error && error.message.includes('did not start within');
      if (!timedOut || attempt === SERVER_START_ATTEMPTS) throw error;
    }
  }
}

/** The time-skipping test server, for deadlines, with Vigil's search attributes. */
export async function startTimeSkippingServer(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: {
      executable: { type: 'existing-path', path: ensureTemporalTestServer({ quiet: true }) },
    },
  });
  // This server lacks ListSearchAttributes, so register without looking first: it is new.
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(CASE_SEARCH_ATTRIBUTES.map((key) => [key.name, KEYWORD])),
  });
  return env;
}

/** The workflow code, bundled once per test file. */
export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: WORKFLOW_SOURCE, logger: quietBundlerLogger });
}

const quietBundlerLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};
