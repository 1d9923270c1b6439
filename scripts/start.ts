import 'reflect-metadata';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Connection } from '@temporalio/client';
import {
  ConfigError,
  loadConfig,
  redactUrl,
  type DatabaseSettings,
  type VigilConfig,
} from '@vigil/config';
import { createDataSource, migrate } from '@vigil/persistence';
import { colorEnabled, errorMessage, log, printLine, setLogLevel } from './launcher/log';
import { isPortFree, reachableHost } from './launcher/ports';
import { findRepoRoot } from './launcher/root';
import { Supervisor, type Child } from './launcher/supervisor';
import {
  DEV_SERVER_IP,
  TemporalUnreachableError,
  connectWhenUp,
  devServerArgs,
  devServerDatabase,
  loadTemporalTools,
  registerSearchAttributes,
  waitForWorkerPoller,
} from './launcher/temporal';

/**
 * `npm start`: the whole system on this machine, in the foreground. Runs a Temporal dev
 * server (unless TEMPORAL_ADDRESS points at one), migrates the database, then runs the API
 * and the worker until Ctrl-C. State lives in VIGIL_DATA_DIR, so a restart resumes it.
 */

const TEMPORAL_TIMEOUT_MS = 60_000;
const APPS_READY_TIMEOUT_MS = 90_000;
const API_PROBE_TIMEOUT_MS = 5_000;
const API_PROBE_INTERVAL_MS = 500;

interface TemporalTarget {
  readonly address: string;
  /** The Web UI, when the launcher runs the dev server. */
  readonly uiUrl?: string;
  /** Open until startup is over; the launcher then leaves Temporal to the apps. */
  readonly connection: Connection;
}

function readConfig(): VigilConfig {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    log.error(error.message);
    process.exit(2);
  }
}

function describeDatabase(database: DatabaseSettings): string {
  return database.type === 'postgres'
    ? `PostgreSQL ${redactUrl(database.url)}`
    : `SQLite ${database.path}`;
}

function portOf(address: string): number {
  return Number(address.slice(address.lastIndexOf(':') + 1));
}

async function assertPortFree(port: number, host: string, advice: string): Promise<void> {
  if (!(await isPortFree(port, host))) throw new Error(`port ${port} is in use: ${advice}`);
}

/** The user's own Temporal: checked and given the search attributes, never started here. */
async function useExternalTemporal(
  config: VigilConfig,
  signal: AbortSignal,
): Promise<TemporalTarget> {
  const { address, namespace } = config.temporal;
  log.info(`using the Temporal at ${address} (TEMPORAL_ADDRESS), namespace ${namespace}`);
  const connection = await connectWhenUp(address, TEMPORAL_TIMEOUT_MS, signal);
  await registerSearchAttributes(connection, namespace);
  return { address, connection };
}

async function startDevServer(
  config: VigilConfig,
  root: string,
  supervisor: Supervisor,
): Promise<TemporalTarget> {
  const { namespace, uiPort } = config.temporal;
  // TEMPORAL_ADDRESS is unset here, so the config holds its default, whose port the dev
  // server takes: API, worker and a manual `temporal` CLI then all find it where expected.
  const port = portOf(config.temporal.address);
  const cli = loadTemporalTools(root).ensureTemporalCli();
  await assertPortFree(
    port,
    DEV_SERVER_IP,
    'another Temporal is running? set TEMPORAL_ADDRESS to use it',
  );
  await assertPortFree(uiPort, DEV_SERVER_IP, 'set TEMPORAL_UI_PORT to a free port');
  fs.mkdirSync(config.dataDir, { recursive: true });

  const address = `${DEV_SERVER_IP}:${port}`;
  log.info(`starting a Temporal dev server on ${address} (${devServerDatabase(config.dataDir)})`);
  const server = supervisor.start({
    name: 'temporal',
    command: cli,
    args: devServerArgs({ dataDir: config.dataDir, port, uiPort, namespace }),
    env: process.env,
    stage: 'temporal',
    quietWhileStopping: true,
  });
  const connection = await connectWhenUp(address, TEMPORAL_TIMEOUT_MS, supervisor.signal).catch(
    (error: unknown) => {
      if (!(error instanceof TemporalUnreachableError)) throw error;
      log.error(`${error.message}; the dev server's last output:`);
      for (const line of server.tail.lines()) printLine('temporal', line, 'stderr');
      throw new Error('the Temporal dev server did not start');
    },
  );
  await registerSearchAttributes(connection, namespace);
  return { address, uiUrl: `http://localhost:${uiPort}`, connection };
}

/** Run once here, so the API and the worker never race each other to migrate. */
async function migrateDatabase(database: DatabaseSettings): Promise<void> {
  log.info(`database: ${describeDatabase(database)}`);
  const dataSource = createDataSource(database);
  await dataSource.initialize();
  try {
    const applied = await migrate(dataSource);
    log.info(
      applied.length > 0
        ? `applied migrations: ${applied.join(', ')}`
        : 'database schema is current',
    );
  } finally {
    await dataSource.destroy();
  }
}

function appEnv(temporalAddress: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, TEMPORAL_ADDRESS: temporalAddress };
  // Nest colours its logs unless NO_COLOR is set, even into a pipe.
  if (!colorEnabled) env.NO_COLOR = '1';
  return env;
}

function startApp(
  name: 'api' | 'worker',
  root: string,
  env: NodeJS.ProcessEnv,
  supervisor: Supervisor,
): Child {
  return supervisor.start({
    name,
    command: process.execPath,
    args: [path.join(root, 'dist', 'apps', name, 'src', 'main.js')],
    env,
    stage: 'apps',
  });
}

async function probe(url: string, signal: AbortSignal): Promise<string> {
  try {
    const timeout = AbortSignal.timeout(API_PROBE_TIMEOUT_MS);
    const response = await fetch(url, { signal: AbortSignal.any([signal, timeout]) });
    return response.status === 200 ? 'ready' : `HTTP ${response.status} ${await response.text()}`;
  } catch (error) {
    signal.throwIfAborted();
    return errorMessage(error);
  }
}

async function waitForApi(config: VigilConfig, signal: AbortSignal): Promise<void> {
  const url = `http://${reachableHost(config.api.host)}:${config.api.port}/health/ready`;
  const deadline = Date.now() + APPS_READY_TIMEOUT_MS;
  let last = 'no answer';
  while (Date.now() < deadline) {
    last = await probe(url, signal);
    if (last === 'ready') return;
    log.debug(`API not ready yet: ${last}`);
    await delay(API_PROBE_INTERVAL_MS, undefined, { signal });
  }
  throw new Error(`the API was not ready within ${APPS_READY_TIMEOUT_MS / 1000} s (${last})`);
}

/** The API answers before the worker has bundled its workflows: cases wait until it polls. */
async function waitForWorker(
  config: VigilConfig,
  connection: Connection,
  worker: Child,
  signal: AbortSignal,
): Promise<void> {
  const polling =
    worker.pid !== undefined &&
    (await waitForWorkerPoller(
      connection,
      config.temporal,
      worker.pid,
      APPS_READY_TIMEOUT_MS,
      signal,
    ));
  if (!polling) {
    log.warn(
      `the worker is not polling ${config.temporal.taskQueue} yet; ` +
        'reported cases wait in the queue until it does',
    );
  }
}

function printBanner(config: VigilConfig, temporal: TemporalTarget, startedAt: number): void {
  const api = `http://localhost:${config.api.port}`;
  const temporalLine = temporal.uiUrl
    ? `  Temporal UI  ${temporal.uiUrl}`
    : `  Temporal     ${temporal.address} (external, namespace ${config.temporal.namespace})`;
  log.always(
    [
      `Vigil is up (${((Date.now() - startedAt) / 1000).toFixed(1)} s)`,
      `  API          ${api}  (docs at ${api}/docs)`,
      temporalLine,
      `  Database     ${describeDatabase(config.database)}`,
      'Ctrl-C stops everything',
    ].join('\n'),
  );
}

async function launch(config: VigilConfig, supervisor: Supervisor): Promise<void> {
  const startedAt = Date.now();
  const root = findRepoRoot(__dirname);
  await assertPortFree(config.api.port, config.api.host, 'set API_PORT to a free port');
  const temporal: TemporalTarget = process.env.TEMPORAL_ADDRESS?.trim()
    ? await useExternalTemporal(config, supervisor.signal)
    : await startDevServer(config, root, supervisor);
  try {
    await migrateDatabase(config.database);
    const env = appEnv(temporal.address);
    startApp('api', root, env, supervisor);
    const worker = startApp('worker', root, env, supervisor);
    await Promise.all([
      waitForApi(config, supervisor.signal),
      waitForWorker(config, temporal.connection, worker, supervisor.signal),
    ]);
  } finally {
    await temporal.connection.close();
  }
  printBanner(config, temporal, startedAt);
}

function main(): void {
  const config = readConfig();
  setLogLevel(config.logLevel);
  const supervisor = new Supervisor();
  supervisor.installHandlers();
  launch(config, supervisor).catch((error: unknown) => supervisor.fail(error));
}

main();
