import { Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  type ExceptionReport,
  type Identity,
  type RaisedException,
  type TelemetryEvent,
} from '@vigil/contracts';
import {
  type Baseline,
  BatchFormatError,
  deviationDimension,
  identityBrief,
  maxSeverity,
  parseBatch,
  processEvent,
  validateEvent,
  type DetectionSettings,
  type EventRejection,
} from '@vigil/domain';
import { EventLedger, IdentityStore } from '@vigil/persistence';
import { ThresholdCache } from '../detectors/threshold-cache';
import { ApiMetrics, type IngestSource } from '../metrics/api-metrics';
import { ApiError } from '../common/api-error';
import type { BatchBody } from '../common/batch-body';
import { BaselineCache } from './baseline-cache';
import { CaseReporter } from './case-reporter';
import type { IngestResultDto, RaisedExceptionDto } from './dto/ingest-result.dto';

export const MAX_BATCH_EVENTS = 5_000;
/** Event ids quoted in a case's evidence, of the events in one batch that raised it. */
const EVIDENCE_EVENT_IDS = 20;

/** What detection reads for a batch, loaded before any of the batch is recorded. */
interface DetectionInputs {
  readonly identities: Map<string, Identity>;
  readonly baselines: Map<string, Baseline>;
  readonly settings: DetectionSettings | null;
}

interface ValidEvent {
  readonly event: TelemetryEvent;
  readonly timeMs: number;
  /** Position in the request. */
  readonly index: number;
}

/** What became of one input of a batch. */
export type ItemStatus = 'accepted' | 'duplicate' | 'rejected';

export interface IngestOutcome {
  readonly result: IngestResultDto;
  /** Per input, in request order. */
  readonly statuses: readonly ItemStatus[];
}

/**
 * `POST /v1/events`: validate each event, keep the new ones (by id), run the detectors
 * against each identity's baseline, absorb the events into it, and open or join a case for
 * every exception that passes its detector's threshold.
 */
@Injectable()
export class IngestService {
  private readonly logger = new Logger(IngestService.name);

  constructor(
    private readonly ledger: EventLedger,
    private readonly baselines: BaselineCache,
    private readonly identities: IdentityStore,
    private readonly thresholds: ThresholdCache,
    private readonly reporter: CaseReporter,
    private readonly metrics: ApiMetrics,
  ) {}

  async ingest(body: BatchBody, source: IngestSource = 'events'): Promise<IngestResultDto> {
    let parsed;
    try {
      parsed = parseBatch(body.text, body.format, 'events');
    } catch (error) {
      if (error instanceof BatchFormatError)
        throw new ApiError(400, 'malformed_json', error.message);
      throw error;
    }
    return (await this.ingestItems(parsed.items, parsed.rejected, 'events', source)).result;
  }

  /**
   * Ingests events already parsed: `items[i]` is input i, `undefined` where the caller
   * refused it (its reason is in `refused`). Log-source routes map provider records to
   * events and come in here, so every source shares one detection path. The outcome says
   * per input whether it was accepted, a duplicate, or rejected.
   */
  async ingestItems(
    items: readonly unknown[],
    refused: readonly EventRejection[],
    noun = 'events',
    source: IngestSource = 'events',
  ): Promise<IngestOutcome> {
    if (items.length > MAX_BATCH_EVENTS) {
      throw new ApiError(
        413,
        'payload_too_large',
        `batch has ${items.length} ${noun}; the limit is ${MAX_BATCH_EVENTS} per request`,
      );
    }
    const { valid, rejected } = this.validate(items, refused);
    // Everything detection reads is read before the events are recorded as seen: a database
    // that fails during the request then fails it before any of it is kept, and the client's
    // retry processes the whole batch.
    const inputs = await this.detectionInputs(valid);
    const fresh = await this.ledger.recordNew(valid.map((v) => v.event));
    const seen = new Set<string>();
    const events = valid
      .filter(({ event }) => fresh.has(event.id) && !seen.has(event.id) && seen.add(event.id))
      .sort((a, b) => a.timeMs - b.timeMs);
    const duplicates = valid.length - events.length;

    let raised: RaisedException[];
    try {
      raised = this.detectAndAbsorb(events, inputs);
    } catch (error) {
      // Unprocessed events must not count as seen, or the client's retry would skip them.
      await this.ledger.forget(events.map((e) => e.event.id));
      throw error;
    }
    const { identities } = inputs;
    const exceptions = await this.openCases(raised, events, identities);
    this.metrics.ingested(source, { accepted: events.length, duplicates, rejected });
    const statuses: ItemStatus[] = items.map(() => 'rejected');
    const acceptedIndexes = new Set(events.map((e) => e.index));
    for (const { index } of valid) {
      statuses[index] = acceptedIndexes.has(index) ? 'accepted' : 'duplicate';
    }
    return {
      result: { accepted: events.length, duplicates, rejected, exceptions },
      statuses,
    };
  }

  private validate(
    items: readonly unknown[],
    refused: readonly EventRejection[],
  ): { valid: ValidEvent[]; rejected: EventRejection[] } {
    const now = Date.now();
    const valid: ValidEvent[] = [];
    const rejected = [...refused];
    items.forEach((item, index) => {
      if (item === undefined) return;
      const result = validateEvent(item, index, now);
      if (result.ok) valid.push({ event: result.event, timeMs: result.timeMs, index });
      else rejected.push(result.rejection);
    });
    rejected.sort((a, b) => a.index - b.index);
    return { valid, rejected };
  }

  /** The identities, baselines and detection settings the batch's valid events need. */
  private async detectionInputs(events: readonly ValidEvent[]): Promise<DetectionInputs> {
    if (events.length === 0) {
      return { identities: new Map(), baselines: new Map(), settings: null };
    }
    const ids = [...new Set(events.map((e) => e.event.identityId))];
    const [identities, baselines, settings] = await Promise.all([
      this.identitiesFor(ids),
      this.baselines.getMany(ids),
      this.settings(),
    ]);
    return { identities, baselines, settings };
  }

  private detectAndAbsorb(
    events: readonly ValidEvent[],
    { identities, baselines, settings }: DetectionInputs,
  ): RaisedException[] {
    if (events.length === 0 || settings === null) return [];
    const touched = [...new Set(events.map((e) => baselines.get(e.event.identityId)!))];
    // Synchronous from detection to taking the deltas: no other request's events can slip
    // into this batch's deltas through the shared baselines. From `record` on the events
    // count as absorbed; writing the deltas to the store is the cache's (see BaselineCache).
    const raised: RaisedException[] = [];
    try {
      for (const { event, timeMs } of events) {
        const found = processEvent(
          event,
          identities.get(event.identityId)!,
          baselines.get(event.identityId)!,
          settings,
          timeMs,
        );
        for (const exception of found) raised.push(exception);
      }
    } catch (error) {
      // The batch is forgotten, so what it absorbed so far must not reach the store.
      this.baselines.discard(touched);
      throw error;
    }
    this.baselines.record(touched);
    return raised;
  }

  /** The identities of a batch; unknown ones are registered as `unclassified`, not dropped. */
  private async identitiesFor(ids: readonly string[]): Promise<Map<string, Identity>> {
    const known = await this.identities.getMany(ids);
    const unknown = ids.filter((id) => !known.has(id));
    if (unknown.length === 0) return known;
    const created = await this.identities.registerUnknown(unknown);
    if (created.length > 0)
      this.logger.log(`registered unclassified identities: ${created.join(', ')}`);
    for (const [id, identity] of await this.identities.getMany(unknown)) known.set(id, identity);
    return known;
  }

  private settings(): Promise<DetectionSettings> {
    return this.thresholds.settings();
  }

  /** One report per fingerprint per batch; repeats within the batch are counted in its evidence. */
  private async openCases(
    raised: readonly RaisedException[],
    events: readonly ValidEvent[],
    identities: ReadonlyMap<string, Identity>,
  ): Promise<RaisedExceptionDto[]> {
    if (raised.length === 0) return [];
    const byFingerprint = new Map<string, RaisedException[]>();
    for (const exception of raised) {
      const group = byFingerprint.get(exception.fingerprint);
      if (group) group.push(exception);
      else byFingerprint.set(exception.fingerprint, [exception]);
    }
    const times = new Map(events.map((e) => [e.event.id, e.event.time]));
    const reportedAt = new Date().toISOString();
    const reports = [...byFingerprint.values()].map((group) =>
      reportOf(group, identities.get(group[0]!.identityId)!, times, reportedAt),
    );
    const outcomes = await this.reporter.report(reports);
    return reports.map((report, i) => ({
      ...outcomes[i]!,
      kind: report.kind,
      identityId: report.identityId,
      severity: report.severity,
    }));
  }
}

function reportOf(
  group: readonly RaisedException[],
  identity: Identity,
  eventTimes: ReadonlyMap<string, string>,
  reportedAt: string,
): ExceptionReport {
  const first = group[0]!;
  const { deviation } = first;
  const severity = group.reduce((worst, e) => maxSeverity(worst, e.severity), first.severity);
  return {
    reportId: randomUUID(),
    identityId: first.identityId,
    kind: deviation.kind,
    severity,
    fingerprint: first.fingerprint,
    reportedAt,
    evidence: {
      detector: deviation.kind,
      reason: deviation.reason,
      score: deviation.score,
      threshold: first.threshold ?? null,
      value: deviation.value,
      dimension: deviationDimension(deviation),
      owasp: deviation.owasp,
      nist: deviation.nist,
      eventTime: eventTimes.get(first.eventId) ?? null,
      eventIds: group.slice(0, EVIDENCE_EVENT_IDS).map((e) => e.eventId),
      eventsInBatch: group.length,
      details: deviation.evidence,
      identity: identityBrief(identity),
      // Vendor oversight: a third-party app's case goes to whoever owns the vendor relationship.
      routeTo: identity.owner,
    },
  };
}
