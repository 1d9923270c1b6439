import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import {
  SEARCH_ATTRIBUTE_FLAGS,
  devServerConfigArgs,
  ensureSearchAttributes,
} from '@vigil/temporal';
import type * as TemporalTools from '../temporal-tools';
import { errorMessage, log } from './log';

/** The dev server listens on loopback only: it has no authentication. */
export const DEV_SERVER_IP = '127.0.0.1';

const CONNECT_ATTEMPT_MS = 1_000;
const CONNECT_RETRY_INTERVAL_MS = 500;
const POLLER_CHECK_INTERVAL_MS = 500;
const POLLER_CHECK_TIMEOUT_MS = 5_000;

export interface DevServerOptions {
  readonly dataDir: string;
  readonly port: number;
  readonly uiPort: number;
  readonly namespace: string;
}

/** temporal-tools.js is plain JS outside the compiled tree, so it is loaded from the repo. */
export function loadTemporalTools(root: string): typeof TemporalTools {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- path known at run time only
  return require(path.join(root, 'scripts', 'temporal-tools.js')) as typeof TemporalTools;
}

export function devServerDatabase(dataDir: string): string {
  return path.join(dataDir, 'temporal.db');
}

export function devServerArgs(options: DevServerOptions): string[] {
  return [
    'server',
    'start-dev',
    '--db-filename',
    devServerDatabase(options.dataDir),
    '--ip',
    DEV_SERVER_IP,
    '--port',
    String(options.port),
    '--ui-port',
    String(options.uiPort),
    '--namespace',
    options.namespace,
    ...SEARCH_ATTRIBUTE_FLAGS.flatMap((flag) => ['--search-attribute', flag]),
    ...devServerConfigArgs(),
    '--log-level',
    'warn',
  ];
}

export class TemporalUnreachableError extends Error {
  constructor(address: string, timeoutMs: number, cause: unknown) {
    super(
      `Temporal at ${address} did not answer within ${timeoutMs / 1000} s ` +
        `(last error: ${errorMessage(cause)})`,
    );
    this.name = 'TemporalUnreachableError';
  }
}

/** Connects to the frontend, trying again until it answers, the time is up or `signal` aborts. */
export async function connectWhenUp(
  address: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Connection> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = new Error('no attempt made');
  while (Date.now() < deadline) {
    signal.throwIfAborted();
    const attemptStarted = Date.now();
    const connection = Connection.lazy({
      address,
      connectTimeout: Math.max(1, Math.min(CONNECT_ATTEMPT_MS, deadline - attemptStarted)),
    });
    try {
      await connection.ensureConnected();
      return connection;
    } catch (error) {
      lastError = error;
      log.debug(`Temporal at ${address} not answering yet: ${errorMessage(error)}`);
      await connection.close().catch(() => undefined);
    }
    const wait = CONNECT_RETRY_INTERVAL_MS - (Date.now() - attemptStarted);
    if (wait > 0) await delay(wait, undefined, { signal });
  }
  throw new TemporalUnreachableError(address, timeoutMs, lastError);
}

/** Registers the case search attributes the namespace lacks, and says what it did. */
export async function registerSearchAttributes(
  connection: Connection,
  namespace: string,
): Promise<void> {
  const added = await ensureSearchAttributes(connection, namespace);
  log.info(
    added.length > 0
      ? `registered search attributes in namespace ${namespace}: ${added.join(', ')}`
      : `search attributes already registered in namespace ${namespace}`,
  );
}

/**
 * Waits until the worker process `pid` polls the task queue, as Temporal sees it. The SDK
 * names a worker `<pid>@<host>` unless told otherwise, which tells it from other workers
 * polling the same queue. False when the time is up.
 */
export async function waitForWorkerPoller(
  connection: Connection,
  settings: { readonly namespace: string; readonly taskQueue: string },
  pid: number,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const { pollers } = await connection.withDeadline(Date.now() + POLLER_CHECK_TIMEOUT_MS, () =>
        connection.workflowService.describeTaskQueue({
          namespace: settings.namespace,
          taskQueue: {
            name: settings.taskQueue,
            kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL,
          },
          taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        }),
      );
      if (pollers.some((poller) => poller.identity?.startsWith(`${pid}@`))) return true;
    } catch (error) {
      log.debug(`could not list the pollers of ${settings.taskQueue}: ${errorMessage(error)}`);
    }
    await delay(POLLER_CHECK_INTERVAL_MS, undefined, { signal });
  }
  return false;
}
