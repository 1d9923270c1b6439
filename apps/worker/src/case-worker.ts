import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import { createActivities } from '../../../activities';
import { VIGIL_CONFIG, type VigilConfig } from '@vigil/config';
import { schemaIsCurrent } from '@vigil/persistence';
import { createLazyClient, syncSchedules, vigilSchedules } from '@vigil/temporal';
import { WORKFLOW_SOURCE } from './workflow-source';

/** How long the worker waits for Temporal or for the API's migrations at start. */
const STARTUP_PATIENCE_MS = 120_000;
const STARTUP_RETRY_MS = 2_000;

export const WORKFLOW_CODE = Symbol('WORKFLOW_CODE');

/** The Temporal worker: polls the case task queue and runs the case workflows and activities. */
@Injectable()
export class CaseWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('worker');
  private worker?: Worker;
  private connection?: NativeConnection;
  private client?: Client;
  private running?: Promise<void>;

  constructor(
    @Inject(VIGIL_CONFIG) private readonly config: VigilConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(WORKFLOW_CODE)
    private readonly workflowCode: Pick<WorkerOptions, 'workflowBundle' | 'workflowsPath'>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.waitFor('database schema', async () => {
      if (!(await schemaIsCurrent(this.dataSource))) throw new Error('migrations pending');
    });
    this.connection = await this.waitFor('Temporal', () =>
      NativeConnection.connect({ address: this.config.temporal.address }),
    );
    this.worker = await Worker.create({
      connection: this.connection,
      namespace: this.config.temporal.namespace,
      taskQueue: this.config.temporal.taskQueue,
      ...this.workflowCode,
      activities: createActivities({
        dataSource: this.dataSource,
        webhooks: this.config.webhooks,
        temporal: { client: this.temporalClient(), taskQueue: this.config.temporal.taskQueue },
        schedules: this.config.schedules,
      }),
    });
    this.running = this.worker.run();
    this.running.catch((error: unknown) => {
      this.logger.error(`worker stopped: ${error instanceof Error ? error.stack : String(error)}`);
      process.exitCode = 1;
      process.kill(process.pid, 'SIGTERM');
    });
    this.logger.log(
      `polling ${this.config.temporal.namespace}/${this.config.temporal.taskQueue} at ${this.config.temporal.address}`,
    );
    const synced = await this.waitFor('schedules', () =>
      syncSchedules(
        this.temporalClient(),
        this.config.temporal.taskQueue,
        vigilSchedules(this.config.schedules),
      ),
    );
    const changed = [...synced.created, ...synced.updated];
    if (changed.length > 0) this.logger.log(`schedules in place: ${changed.join(', ')}`);
    if (synced.deleted.length > 0) this.logger.log(`schedules off: ${synced.deleted.join(', ')}`);
  }

  /** The client activities and schedule management use (the worker's own connection polls). */
  private temporalClient(): Client {
    this.client ??= createLazyClient(this.config.temporal);
    return this.client;
  }

  /** Lets in-flight tasks finish, then closes the connection. */
  async beforeApplicationShutdown(): Promise<void> {
    if (this.worker && this.worker.getState() === 'RUNNING') this.worker.shutdown();
    await this.running?.catch(() => undefined);
    await this.connection?.close();
    await this.client?.connection.close();
  }

  private async waitFor<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + STARTUP_PATIENCE_MS;
    for (let tries = 1; ; tries += 1) {
      try {
        return await attempt();
      } catch (error) {
        if (Date.now() > deadline) {
          throw new Error(
            `gave up waiting for ${what}: ${error instanceof Error ? error.message : error}`,
          );
        }
        if (tries === 1)
          this.logger.warn(
            `waiting for ${what}: ${error instanceof Error ? error.message : error}`,
          );
        await new Promise((resolve) => setTimeout(resolve, STARTUP_RETRY_MS));
      }
    }
  }
}

export const DEFAULT_WORKFLOW_CODE = { workflowsPath: WORKFLOW_SOURCE };
