import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { AuthorizeRequest, TelemetryEvent } from '@vigil/contracts';
import { IngestService } from '../events/ingest.service';
import { ApiMetrics } from '../metrics/api-metrics';
import { GuardrailThread } from './guardrail-thread/guardrail-thread';

/** How long allowed calls gather before they go to ingest as one batch. */
export const FEED_INTERVAL_MS = 250;
/** Calls kept waiting at most; beyond it (ingest far behind) new ones are counted, not kept. */
const MAX_BUFFERED = 20_000;
/** Ingest takes at most this many events a request. */
const BATCH = 5_000;

/**
 * Allowed tool calls become `tool.invoked` events for the ingest path, so the agent's
 * baseline learns its tools and a tool it never used before can raise a novel_tool
 * deviation through the ordinary detectors. Events are gathered and ingested in batches
 * off the request path: an authorization never waits for detection or the database.
 *
 * The batches go to the API's guardrail thread (GuardrailThread), so their database writes
 * and detection do not hold up the main thread, which answers the authorizations. While
 * that thread is failing, and for a database only this connection can see (SQLite in
 * memory), they are ingested on the main thread instead.
 */
@Injectable()
export class ToolUseFeed implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ToolUseFeed.name);
  private buffer: TelemetryEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private dropped = 0;
  /** Allowed calls ingested so far, by where: the guardrail thread or this (main) thread. */
  readonly ingested = { inThread: 0, here: 0 };

  constructor(
    private readonly ingest: IngestService,
    private readonly thread: GuardrailThread,
    private readonly metrics: ApiMetrics,
  ) {}

  /** Ingests what is buffered, before the guardrail thread and the baseline cache stop. */
  async beforeApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** Events waiting to be ingested. */
  get pending(): number {
    return this.buffer.length;
  }

  record(request: AuthorizeRequest, policyVersion: string, at: Date = new Date()): void {
    if (this.buffer.length >= MAX_BUFFERED) {
      this.dropped += 1;
      return;
    }
    this.buffer.push({
      id: `authz-${randomUUID()}`,
      time: at.toISOString(),
      identityId: request.agentId,
      type: 'tool.invoked',
      action: request.action,
      resource: request.resource,
      scope: null,
      source: {},
      outcome: 'allowed',
      attributes: { tool: request.tool, decidedBy: 'vigil.authorize', policyVersion },
    });
    if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, FEED_INTERVAL_MS);
      this.timer.unref();
    }
  }

  /** Ingests what is buffered now, after any ingest in progress. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.flushOnce());
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    if (this.dropped > 0) {
      this.logger.warn(
        `${this.dropped} allowed tool call(s) not fed to the baseline: ingest is behind`,
      );
      this.dropped = 0;
    }
    while (this.buffer.length > 0) {
      const events = this.buffer.splice(0, BATCH);
      if (await this.inThread(events)) {
        this.ingested.inThread += events.length;
        continue;
      }
      try {
        await this.ingest.ingestItems(events, [], 'events', 'authorize');
        this.ingested.here += events.length;
      } catch (error) {
        // The decision was already given; losing its baseline event only delays learning.
        this.logger.warn(
          `could not feed ${events.length} allowed tool call(s) to the baseline: ` +
            (error instanceof Error ? error.message : String(error)),
        );
      }
    }
  }

  /** Ingests the events in the guardrail thread; false when it could not. */
  private async inThread(events: TelemetryEvent[]): Promise<boolean> {
    if (!this.thread.available) return false;
    try {
      this.metrics.ingested('authorize', await this.thread.ingest(events));
      return true;
    } catch (error) {
      this.logger.warn(
        `the guardrail thread could not take ${events.length} allowed tool call(s), ingesting them here: ` +
          (error instanceof Error ? error.message : String(error)),
      );
      return false;
    }
  }
}
