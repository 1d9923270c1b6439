import { Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Where ingested events came from: the event API, a log source, or allowed agent tool calls. */
export const INGEST_SOURCES = ['events', 'cloudtrail', 'ocsf', 'authorize'] as const;
export type IngestSource = (typeof INGEST_SOURCES)[number];

/** Seconds; an authorization is answered in well under a millisecond when cached. */
const AUTHORIZE_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];
/** Seconds; batch ingest of 5,000 events takes up to seconds. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * What this API process does, counted as it happens: ingest, inline authorization, HTTP.
 * Each API instance has a registry of its own; Prometheus adds the instances up.
 */
@Injectable()
export class ApiMetrics {
  readonly registry = new Registry();

  private readonly eventsIngested = new Counter({
    name: 'vigil_events_ingested_total',
    help: 'Events accepted for detection (new event ids), by source.',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  private readonly eventsDuplicate = new Counter({
    name: 'vigil_events_duplicate_total',
    help: 'Events skipped because their id was already ingested, by source.',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  private readonly eventsRejected = new Counter({
    name: 'vigil_events_rejected_total',
    help: 'Events or records refused on their own in a batch, by source and error code.',
    labelNames: ['source', 'code'] as const,
    registers: [this.registry],
  });

  private readonly authorizeDecisions = new Counter({
    name: 'vigil_authorize_decisions_total',
    help: 'POST /v1/authorize answers, by decision; evaluated="false" when the fail mode decided.',
    labelNames: ['decision', 'evaluated'] as const,
    registers: [this.registry],
  });

  private readonly authorizeDuration = new Histogram({
    name: 'vigil_authorize_duration_seconds',
    help: 'Time to decide POST /v1/authorize, policy evaluation and case reporting included.',
    labelNames: ['decision'] as const,
    buckets: AUTHORIZE_BUCKETS,
    registers: [this.registry],
  });

  private readonly httpDuration = new Histogram({
    name: 'vigil_http_request_duration_seconds',
    help: 'HTTP requests by method, route template and status code, from arrival to the last byte.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // Series that exist from the start, so rates and absences read right from the first scrape.
    for (const source of INGEST_SOURCES) {
      this.eventsIngested.inc({ source }, 0);
      this.eventsDuplicate.inc({ source }, 0);
    }
    for (const decision of ['allow', 'deny'] as const) {
      this.authorizeDecisions.inc({ decision, evaluated: 'true' }, 0);
    }
  }

  ingested(
    source: IngestSource,
    outcome: {
      accepted: number;
      duplicates: number;
      rejected: ReadonlyArray<{ readonly code: string }>;
    },
  ): void {
    if (outcome.accepted > 0) this.eventsIngested.inc({ source }, outcome.accepted);
    if (outcome.duplicates > 0) this.eventsDuplicate.inc({ source }, outcome.duplicates);
    for (const { code } of outcome.rejected) this.eventsRejected.inc({ source, code });
  }

  authorized(decision: 'allow' | 'deny', evaluated: boolean, seconds: number): void {
    this.authorizeDecisions.inc({ decision, evaluated: String(evaluated) });
    this.authorizeDuration.observe({ decision }, seconds);
  }

  httpRequest(method: string, route: string, status: number, seconds: number): void {
    this.httpDuration.observe({ method, route, status: String(status) }, seconds);
  }
}
