import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { ExceptionReport, TelemetryEvent } from '@vigil/contracts';
import { VIGIL_CONFIG, type VigilConfig } from '@vigil/config';
import type { ReportOutcome } from '../../events/case-reporter';
import type {
  FromGuardrailThread,
  GuardrailThreadData,
  IngestCounts,
  ToGuardrailThread,
} from './protocol';

/** How long a start may take before the thread counts as failed. */
const START_TIMEOUT_MS = 60_000;
/** How long the thread may take to write what it holds and close on stop. */
const STOP_TIMEOUT_MS = 15_000;
/** Waits before starting again after the thread failed: doubles from the first, to the last. */
const RESTART_MS = 1_000;
const MAX_RESTART_MS = 60_000;

interface Pending {
  readonly resolve: (value: never) => void;
  readonly reject: (error: Error) => void;
}

/**
 * The API process's guardrail thread (thread-main.ts), seen from the main thread: hands it
 * batches of allowed tool calls to ingest and denials to report, and answers with what it
 * did. It starts on first use, and is stopped last on shutdown (after the guardrail has
 * handed it what it held). When it fails (it cannot start, or it exits) the work in flight
 * fails, `available` is false until it has started again (after a pause that grows with
 * each failure), and callers do the work on the main thread meanwhile. A database only this
 * connection can see (SQLite in memory) keeps it off: `available` is always false.
 */
@Injectable()
export class GuardrailThread implements OnApplicationShutdown {
  private readonly logger = new Logger(GuardrailThread.name);
  private readonly enabled: boolean;
  private worker: Worker | null = null;
  private ready: Promise<void> | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failures = 0;
  private retryAt = 0;
  private stopped = false;

  constructor(@Inject(VIGIL_CONFIG) private readonly config: VigilConfig) {
    this.enabled = !(config.database.type === 'sqlite' && config.database.path === ':memory:');
  }

  /** False while the thread is off, failing, or stopped. */
  get available(): boolean {
    return this.enabled && !this.stopped && (this.worker !== null || Date.now() >= this.retryAt);
  }

  /** Ingests the events (from POST /v1/authorize) in the thread. */
  ingest(events: readonly TelemetryEvent[]): Promise<IngestCounts> {
    return this.call((id) => ({ type: 'ingest', id, events: JSON.stringify(events) }));
  }

  /** Reports exceptions to their cases from the thread, as CaseReporter.report does. */
  report(reports: readonly ExceptionReport[]): Promise<ReportOutcome[]> {
    return this.call((id) => ({ type: 'report', id, reports: JSON.stringify(reports) }));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** Asks the thread to write what it holds and end; waits for it, within a bound. */
  async stop(): Promise<void> {
    this.stopped = true;
    const worker = this.worker;
    if (!worker) return;
    await this.ready?.catch(() => undefined);
    if (this.worker !== worker) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.logger.warn(`the guardrail thread did not stop within ${STOP_TIMEOUT_MS} ms`);
        void worker.terminate().finally(resolve);
      }, STOP_TIMEOUT_MS);
      worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      worker.postMessage({ type: 'stop' } satisfies ToGuardrailThread);
    });
  }

  private async call<T>(message: (id: number) => ToGuardrailThread): Promise<T> {
    if (!this.enabled || this.stopped) throw new Error('the guardrail thread is not running');
    await this.start();
    const worker = this.worker;
    if (!worker) throw new Error('the guardrail thread is not running');
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: never) => void, reject });
      worker.postMessage(message(id));
    });
  }

  private start(): Promise<void> {
    if (this.ready) return this.ready;
    if (Date.now() < this.retryAt) {
      return Promise.reject(new Error('the guardrail thread failed and has not started again'));
    }
    const worker = spawn({ config: this.config });
    this.worker = worker;
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the guardrail thread did not start within ${START_TIMEOUT_MS} ms`)),
        START_TIMEOUT_MS,
      );
      worker.on('message', (message: FromGuardrailThread) => {
        switch (message.type) {
          case 'ready':
            clearTimeout(timer);
            this.failures = 0;
            resolve();
            return;
          case 'start-failed':
            clearTimeout(timer);
            reject(new Error(`the guardrail thread could not start: ${message.message}`));
            return;
          case 'ingested':
            this.settle(message.id)?.resolve(message.counts as never);
            return;
          case 'reported':
            this.settle(message.id)?.resolve(message.outcomes as never);
            return;
          case 'failed':
            this.settle(message.id)?.reject(new Error(message.message));
            return;
          case 'stopped':
            return;
        }
      });
      worker.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
        this.failed(worker, error);
      });
      worker.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the guardrail thread exited with code ${code}`));
        if (!this.stopped) this.failed(worker, new Error(`the guardrail thread exited (${code})`));
      });
    });
    this.ready = ready;
    ready.catch((error: unknown) => this.failed(worker, error));
    return ready;
  }

  private settle(id: number): Pending | undefined {
    const pending = this.pending.get(id);
    this.pending.delete(id);
    return pending;
  }

  /** Fails the work in flight and sets when to start again. */
  private failed(worker: Worker, error: unknown): void {
    if (this.worker !== worker) return;
    this.worker = null;
    this.ready = null;
    void worker.terminate();
    const reason = error instanceof Error ? error : new Error(String(error));
    for (const pending of this.pending.values()) pending.reject(reason);
    this.pending.clear();
    const wait = Math.min(MAX_RESTART_MS, RESTART_MS * 2 ** this.failures);
    this.failures += 1;
    this.retryAt = Date.now() + wait;
    this.logger.error(`${reason.message}; starting it again in ${wait} ms`);
  }
}

/**
 * Starts thread-main: the compiled file in a build; the TypeScript source, through
 * @swc-node/register, when the API itself runs from source (as under Jest).
 */
function spawn(data: GuardrailThreadData): Worker {
  if (path.extname(__filename) === '.js') {
    return new Worker(path.join(__dirname, 'thread-main.js'), { workerData: data });
  }
  const entry = path.join(__dirname, 'thread-main.ts');
  const register = require.resolve('@swc-node/register');
  return new Worker(`require(${JSON.stringify(register)}); require(${JSON.stringify(entry)});`, {
    eval: true,
    workerData: data,
    env: {
      ...process.env,
      SWC_NODE_PROJECT: path.resolve(__dirname, '../../../../../tsconfig.json'),
    },
  });
}
