import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { errorMessage, log, printLine, Tail, type Source } from './log';
import { signalGroup } from './process-group';
import type { WatchdogMessage } from './watchdog';

export type Stage = 'apps' | 'temporal';

/** The apps stop before the Temporal server they talk to, each stage with its own grace. */
const STOP_STAGES: ReadonlyArray<{ readonly stage: Stage; readonly graceMs: number }> = [
  { stage: 'apps', graceMs: 15_000 },
  { stage: 'temporal', graceMs: 10_000 },
];

const HANDLED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * `npm start` forwards the terminal's Ctrl-C to the launcher, which also gets it from the
 * terminal itself: signals this close together come from one keypress.
 */
const SAME_KEYPRESS_MS = 1_000;

/** How long a crashed child's last output may take to arrive before the crash is reported. */
const OUTPUT_DRAIN_MS = 300;

const WATCHDOG_SCRIPT = path.join(__dirname, 'watchdog.js');

export interface ChildSpec {
  readonly name: Source;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly stage: Stage;
  /** Drop the child's output once it is asked to stop: the dev server's shutdown is noisy. */
  readonly quietWhileStopping?: boolean;
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return code !== null ? `exit code ${code}` : `signal ${signal ?? 'unknown'}`;
}

/** One child process, leader of its own process group. */
export class Child {
  readonly tail = new Tail();
  /** Resolves with how the process ended. */
  readonly exited: Promise<string>;
  private readonly outputDone: Promise<void>;
  private readonly process: ChildProcess;
  private ended = false;
  private muted = false;

  constructor(readonly spec: ChildSpec) {
    // detached: a group of its own, so a Ctrl-C at the terminal reaches only the launcher,
    // which decides when and in which order each child gets its signal.
    this.process = spawn(spec.command, [...spec.args], {
      env: spec.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.forward(this.process.stdout, 'stdout');
    this.forward(this.process.stderr, 'stderr');
    this.exited = new Promise((resolve) => {
      this.process.once('exit', (code, signal) => resolve(this.end(describeExit(code, signal))));
      this.process.once('error', (error) => resolve(this.end(`failed to start: ${error.message}`)));
    });
    this.outputDone = new Promise((resolve) => this.process.once('close', () => resolve()));
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get running(): boolean {
    return !this.ended && this.process.pid !== undefined;
  }

  requestStop(): void {
    if (this.spec.quietWhileStopping) this.muted = true;
    this.signal('SIGTERM');
  }

  kill(): void {
    this.signal('SIGKILL');
  }

  async exitsWithin(ms: number): Promise<boolean> {
    const timeout = new AbortController();
    try {
      return await Promise.race([
        this.exited.then(() => true),
        delay(ms, false, { signal: timeout.signal }),
      ]);
    } finally {
      timeout.abort();
    }
  }

  /** Waits briefly for output still in the pipes, so it prints before the exit is reported. */
  async drainOutput(): Promise<void> {
    await Promise.race([this.outputDone, delay(OUTPUT_DRAIN_MS)]);
  }

  private signal(signal: NodeJS.Signals): void {
    if (this.running && this.process.pid !== undefined) signalGroup(this.process.pid, signal);
  }

  private end(how: string): string {
    this.ended = true;
    return how;
  }

  private forward(stream: Readable | null, target: 'stdout' | 'stderr'): void {
    if (!stream) return;
    readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      this.tail.push(line);
      if (!this.muted) printLine(this.spec.name, line, target);
    });
  }
}

/** Tells the watchdog which process groups to stop should the launcher die abruptly. */
class Watchdog {
  private readonly process: ChildProcess;
  private released = false;

  constructor() {
    this.process = spawn(process.execPath, [WATCHDOG_SCRIPT], {
      detached: true,
      stdio: ['pipe', 'ignore', 'inherit'],
    });
    this.process.on('error', (error) => log.warn(`watchdog unavailable: ${error.message}`));
    // A dead watchdog only loses the SIGKILL safety net; it must not take the launcher down.
    this.process.stdin?.on('error', () => undefined);
  }

  watch(child: Child, pid: number): void {
    const order = STOP_STAGES.findIndex((s) => s.stage === child.spec.stage);
    const { graceMs } = STOP_STAGES[order];
    this.send({ watch: { pid, name: child.spec.name, order, graceMs } });
  }

  unwatch(pid: number): void {
    this.send({ unwatch: pid });
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.send({ release: true });
    this.process.stdin?.end();
  }

  private send(message: WatchdogMessage): void {
    this.process.stdin?.write(`${JSON.stringify(message)}\n`);
  }
}

/**
 * Owns the child processes: starts them, reports the ones that die, and stops them all in
 * order on a signal, on a crash, or when startup fails.
 */
export class Supervisor {
  private readonly children: Child[] = [];
  private readonly lifetime = new AbortController();
  private watchdog: Watchdog | undefined;
  private stopping = false;
  private firstSignalAt = 0;

  /** Aborted once shutdown begins, so the startup steps stop waiting. */
  get signal(): AbortSignal {
    return this.lifetime.signal;
  }

  installHandlers(): void {
    for (const name of HANDLED_SIGNALS) process.on(name, () => this.onSignal(name));
    process.on('exit', () => this.killAll());
    // Once the terminal is gone (SIGHUP) writes to it fail; stopping cleanly matters more.
    for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  }

  start(spec: ChildSpec): Child {
    this.signal.throwIfAborted();
    this.watchdog ??= new Watchdog();
    const child = new Child(spec);
    this.children.push(child);
    if (child.pid !== undefined) this.watchdog.watch(child, child.pid);
    void child.exited.then((how) => this.onExit(child, how));
    return child;
  }

  /** Reports a failed startup step and stops whatever already runs. */
  fail(error: unknown): void {
    if (this.stopping) return;
    log.error(errorMessage(error));
    void this.shutdown(1);
  }

  async shutdown(exitCode: number): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.lifetime.abort();
    for (const { stage, graceMs } of STOP_STAGES) {
      const inStage = this.children.filter((child) => child.spec.stage === stage);
      await Promise.all(inStage.map((child) => this.stop(child, graceMs)));
    }
    this.watchdog?.release();
    process.exit(exitCode);
  }

  private async stop(child: Child, graceMs: number): Promise<void> {
    if (!child.running) return;
    log.info(`stopping ${child.spec.name}`);
    child.requestStop();
    if (await child.exitsWithin(graceMs)) return;
    log.warn(`${child.spec.name} did not stop within ${graceMs / 1000} s; killing it`);
    child.kill();
    await child.exited;
  }

  private async onExit(child: Child, how: string): Promise<void> {
    if (child.pid !== undefined) this.watchdog?.unwatch(child.pid);
    if (!this.stopping) await child.drainOutput();
    // Checked after the drain too: a shutdown may have begun meanwhile.
    if (this.stopping) {
      log.info(`${child.spec.name} stopped (${how})`);
    } else {
      log.error(`${child.spec.name} exited unexpectedly (${how}); stopping the rest`);
      await this.shutdown(1);
    }
  }

  private onSignal(name: NodeJS.Signals): void {
    if (!this.stopping) {
      this.firstSignalAt = Date.now();
      log.info(`${name} received: stopping everything (Ctrl-C again to kill at once)`);
      void this.shutdown(0);
    } else if (Date.now() - this.firstSignalAt >= SAME_KEYPRESS_MS) {
      log.warn(`${name} received during shutdown: killing everything now`);
      this.killAll();
      process.exit(1);
    }
  }

  /** SIGKILL leaves nothing for the watchdog to do, so it is released too. */
  private killAll(): void {
    for (const child of this.children) child.kill();
    this.watchdog?.release();
  }
}
