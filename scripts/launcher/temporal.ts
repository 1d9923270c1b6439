import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_FLAGS, ensureSearchAttributes } from '@vigil/temporal';
import type * as TemporalTools from '../temporal-tools';
import { errorMessage, log } from './log';

/** The dev server listens on loopback only: it has no authentication. */
export const DEV_SERVER_IP = '127.0.0.1';

const CONNECT_ATTEMPT_MS = 1_000;
const CONNECT_RETRY_INTERVAL_MS = 500;

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
