import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { DEV_SERVER_IP, devServerArgs, loadTemporalTools } from './launcher/temporal';
import { groupAlive, signalGroup } from './launcher/process-group';
import { findRepoRoot } from './launcher/root';

/**
 * `npm run fuzz`: property-based fuzzing of the HTTP API with Schemathesis.
 *
 * Brings the whole system up as `npm start` does, in a temporary directory: a Temporal dev
 * server on its own database file, then `npm start`'s launcher against it (migrations on a
 * fresh SQLite database, the worker, the API with a bootstrap admin key), all on free
 * ports. Schemathesis then generates requests for every operation `/openapi.json` lists
 * and checks each answer: never a 5xx, a status code the document lists for the
 * operation, the documented content type, and a body that matches the documented schema.
 * Fails when a check fails or fewer than MIN_REQUESTS requests were made.
 *
 * Schemathesis is installed from PyPI, pinned, into a virtualenv in .tools/schemathesis.
 *
 * Settings: FUZZ_MAX_EXAMPLES (test cases per operation and phase, default 25), FUZZ_SEED
 * (repeat a run; the seed of every run is printed), FUZZ_WORKERS (default 2),
 * FUZZ_KEEP=1 (keep the run directory with the logs and the report).
 */

export const SCHEMATHESIS_VERSION = '4.32.5';
const MIN_REQUESTS = 1_000;
const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_schema_conformance',
];
const READY_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 20_000;
const PIP_TIMEOUT_MS = 10 * 60_000;
const LOG_TAIL_LINES = 60;

const root = findRepoRoot(__dirname);

function say(message: string): void {
  process.stdout.write(`[fuzz] ${message}\n`);
}

/** The virtualenv's Python, installing Schemathesis into it the first time. */
function ensureSchemathesis(): string {
  const base = process.env.VIGIL_TOOLS_DIR
    ? path.resolve(process.env.VIGIL_TOOLS_DIR)
    : path.join(root, '.tools');
  const dir = path.join(base, 'schemathesis', `schemathesis-${SCHEMATHESIS_VERSION}`);
  const python = path.join(dir, 'bin', 'python');
  const marker = path.join(dir, '.installed');
  if (fs.existsSync(marker) && fs.existsSync(python)) return python;

  say(`installing schemathesis==${SCHEMATHESIS_VERSION} from PyPI into ${dir}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  // A virtualenv resolves its packages relative to its interpreter, so one built in a staging
  // directory and renamed into place works; a half-built one is never at the final path.
  const staging = fs.mkdtempSync(`${dir}.staging-`);
  try {
    run('python3', ['-m', 'venv', staging]);
    run(path.join(staging, 'bin', 'python'), [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--no-input',
      '--quiet',
      `schemathesis==${SCHEMATHESIS_VERSION}`,
    ]);
    fs.writeFileSync(
      path.join(staging, '.installed'),
      `${JSON.stringify({ package: 'schemathesis', version: SCHEMATHESIS_VERSION }, null, 2)}\n`,
    );
    fs.renameSync(staging, dir);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return python;
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    timeout: PIP_TIMEOUT_MS,
  });
  if (result.error) throw new Error(`${command} could not be run: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.status}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: DEV_SERVER_IP }, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A throwaway admin key of the documented shape, for this run's fresh key store only. */
function throwawayKey(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const secret = Array.from({ length: 32 }, () => alphabet[randomInt(alphabet.length)]).join('');
  return `vgl_fuzzadmin01_${secret}`;
}

/** A child in a process group of its own, its output written to a log file. */
class Process {
  readonly exited: Promise<string>;
  private readonly child: ChildProcess;
  private done = false;

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    readonly logFile: string,
  ) {
    const out = fs.openSync(logFile, 'a');
    this.child = spawn(command, args, { env, detached: true, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.done = true;
        resolve(code !== null ? `exit code ${code}` : `signal ${signal}`);
      });
      this.child.once('error', (error) => {
        this.done = true;
        resolve(`failed to start: ${error.message}`);
      });
    });
  }

  get running(): boolean {
    return !this.done;
  }

  async stop(): Promise<void> {
    const pid = this.child.pid;
    if (!this.running || pid === undefined) return;
    signalGroup(pid, 'SIGTERM');
    const stopped = await Promise.race([this.exited.then(() => true), delay(STOP_GRACE_MS, false)]);
    if (!stopped || groupAlive(pid)) signalGroup(pid, 'SIGKILL');
    await this.exited;
  }

  kill(): void {
    if (this.running && this.child.pid !== undefined) signalGroup(this.child.pid, 'SIGKILL');
  }
}

async function waitUntilReady(url: string, system: Process): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (!system.running) throw new Error(`the system exited (${await system.exited})`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      if (response.status === 200) return;
      last = `HTTP ${response.status} ${await response.text()}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await delay(500);
  }
  throw new Error(`the API was not ready within ${READY_TIMEOUT_MS / 1000} s (${last})`);
}

function printTail(file: string): void {
  if (!fs.existsSync(file)) return;
  const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-LOG_TAIL_LINES);
  say(`last lines of ${file}:`);
  for (const line of lines) process.stdout.write(`  ${line}\n`);
}

interface Tally {
  requests: number;
  byStatus: Map<string, number>;
  byOperation: Map<string, number>;
}

/** Every request Schemathesis made, from the interactions recorded in its NDJSON report. */
async function tallyRequests(report: string): Promise<Tally> {
  const tally: Tally = { requests: 0, byStatus: new Map(), byOperation: new Map() };
  if (!fs.existsSync(report)) return tally;
  const lines = readline.createInterface({
    input: fs.createReadStream(report),
    crlfDelay: Infinity,
  });
  for await (const line of lines) {
    if (!line.includes('"ScenarioFinished"')) continue;
    const finished = (JSON.parse(line) as { ScenarioFinished?: ScenarioFinished }).ScenarioFinished;
    const interactions = Object.values(finished?.recorder?.interactions ?? {});
    for (const interaction of interactions) {
      tally.requests += 1;
      const status = interaction.response ? `${interaction.response.status_code}` : 'no answer';
      tally.byStatus.set(status, (tally.byStatus.get(status) ?? 0) + 1);
      // Stateful scenarios are labelled as such; their requests count, not as an operation.
      const label = finished?.recorder?.label ?? '';
      if (/^[A-Z]+ \//.test(label)) {
        tally.byOperation.set(label, (tally.byOperation.get(label) ?? 0) + 1);
      }
    }
  }
  return tally;
}

interface ScenarioFinished {
  recorder?: {
    label?: string;
    interactions?: Record<string, { response?: { status_code: number } | null }>;
  };
}

function runSchemathesis(
  python: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    // In the run directory: Schemathesis keeps what `st replay` needs in .schemathesis there.
    const child = spawn(python, ['-m', 'schemathesis.cli', ...args], {
      env,
      cwd,
      stdio: 'inherit',
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

async function main(): Promise<number> {
  const python = ensureSchemathesis();
  const cli = loadTemporalTools(root).ensureTemporalCli({ quiet: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-fuzz-'));
  const [temporalPort, uiPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const adminKey = throwawayKey();
  const processes: Process[] = [];
  const stopAll = async () => {
    for (const p of [...processes].reverse()) await p.stop();
  };
  process.once('exit', () => processes.forEach((p) => p.kill()));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void stopAll().then(() => process.exit(130)));
  }

  let ok = false;
  const startedAt = Date.now();
  try {
    say(`run directory ${dir}`);
    const temporal = new Process(
      'temporal',
      cli,
      devServerArgs({ dataDir: dir, port: temporalPort, uiPort, namespace: 'default' }),
      process.env,
      path.join(dir, 'temporal.log'),
    );
    processes.push(temporal);

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      VIGIL_DATA_DIR: dir,
      TEMPORAL_ADDRESS: `${DEV_SERVER_IP}:${temporalPort}`,
      API_PORT: String(apiPort),
      API_HOST: DEV_SERVER_IP,
      VIGIL_ADMIN_KEY: adminKey,
      LOG_LEVEL: 'warn',
      NO_COLOR: '1',
    };
    // A fresh SQLite database in the run directory, whatever the caller's environment says.
    delete env.DATABASE_URL;
    const system = new Process(
      'system',
      process.execPath,
      [path.join(root, 'dist', 'scripts', 'start.js')],
      env,
      path.join(dir, 'system.log'),
    );
    processes.push(system);

    const base = `http://${DEV_SERVER_IP}:${apiPort}`;
    await waitUntilReady(`${base}/health/ready`, system);
    say(`system up in ${((Date.now() - startedAt) / 1000).toFixed(1)} s at ${base}`);

    const report = path.join(dir, 'schemathesis.ndjson');
    const seed = process.env.FUZZ_SEED ?? String(randomInt(1, 2 ** 31));
    const args = [
      'run',
      `${base}/openapi.json`,
      '--header',
      `Authorization: Bearer ${adminKey}`,
      '--checks',
      CHECKS.join(','),
      '--max-examples',
      process.env.FUZZ_MAX_EXAMPLES ?? '25',
      '--workers',
      process.env.FUZZ_WORKERS ?? '2',
      '--seed',
      seed,
      '--request-timeout',
      '30',
      // No example database: with one, the Hypothesis release Schemathesis pins runs a Pareto
      // optimiser whose shrinker fails with an IndexError. A run is repeated by its seed.
      '--generation-database',
      'none',
      '--report',
      'ndjson',
      '--report-ndjson-path',
      report,
      '--no-color',
    ];
    say(`schemathesis ${SCHEMATHESIS_VERSION}, seed ${seed}, checks ${CHECKS.join(', ')}`);
    const fuzzStartedAt = Date.now();
    const status = await runSchemathesis(
      python,
      args,
      {
        ...process.env,
        // Batch routes accept NDJSON too; the hooks teach Schemathesis to send it.
        SCHEMATHESIS_HOOKS: 'vigil_hooks',
        PYTHONPATH: path.join(root, 'scripts', 'fuzz'),
      },
      dir,
    );
    const seconds = (Date.now() - fuzzStartedAt) / 1000;

    const tally = await tallyRequests(report);
    const statuses = [...tally.byStatus.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([code, n]) => `${code}: ${n}`)
      .join(', ');
    say(
      `${tally.requests} requests to ${tally.byOperation.size} operations in ${seconds.toFixed(1)} s ` +
        `(seed ${seed}); by status ${statuses}`,
    );
    if (status !== 0) say(`schemathesis found problems (exit code ${status}); see above`);
    if (tally.requests < MIN_REQUESTS) {
      say(`only ${tally.requests} requests were made; at least ${MIN_REQUESTS} are required`);
    }
    if (!system.running) say(`the system exited during the run (${await system.exited})`);
    ok = status === 0 && tally.requests >= MIN_REQUESTS && system.running;
    say(ok ? 'passed: no server error, every answer as documented' : 'failed');
  } catch (error) {
    say(`failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await stopAll();
    if (!ok) {
      for (const p of processes) printTail(p.logFile);
    }
    if (ok && process.env.FUZZ_KEEP !== '1') fs.rmSync(dir, { recursive: true, force: true });
    else say(`logs and report kept in ${dir}`);
  }
  return ok ? 0 : 1;
}

void main().then((code) => {
  process.exitCode = code;
});
