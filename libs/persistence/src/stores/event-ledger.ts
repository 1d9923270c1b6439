import { In, type DataSource } from 'typeorm';
import type { TelemetryEvent } from '@vigil/contracts';
import { EventEntity } from '../entities';
import { chunked, compare, MultiRowInsert, writeTransaction } from './sql';

/**
 * The raw events Vigil has ingested, keyed by event id. Recording is what makes ingest
 * idempotent: an event is processed only by the call that recorded it first.
 */
export class EventLedger {
  private readonly insert: MultiRowInsert<EventEntity>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.insert = new MultiRowInsert(dataSource, EventEntity, [
      'id',
      'identityId',
      'time',
      'type',
      'action',
      'resource',
      'scope',
      'source',
      'outcome',
      'attributes',
      'ingestedAt',
    ]);
  }

  /**
   * Stores the events not stored before and returns their ids; every other id is a duplicate,
   * of an earlier call or of an earlier event in this batch (the first occurrence wins). Of
   * concurrent callers recording the same id, on any number of processes, exactly one gets
   * it back. Events are expected to have passed ingest validation (the column widths are its
   * limits). The batch is recorded atomically: after a failure none of it counts as seen.
   */
  async recordNew(events: readonly TelemetryEvent[]): Promise<Set<string>> {
    const firstById = new Map<string, TelemetryEvent>();
    for (const event of events) if (!firstById.has(event.id)) firstById.set(event.id, event);
    if (firstById.size === 0) return new Set();

    const ingestedAt = this.now();
    // Ascending id order on every caller: concurrent batches lock the same keys in the same
    // order, so on PostgreSQL they wait for each other instead of deadlocking.
    const rows = [...firstById.values()]
      .sort((a, b) => compare(a.id, b.id))
      .map((event) => rowOf(event, ingestedAt));
    const tail = `${this.insert.onConflict(['id'])} ${this.insert.returning('id')}`;

    const returned = await writeTransaction(this.dataSource, (manager) =>
      this.insert.run(manager, rows, tail),
    );
    return new Set(returned.map((row) => String(row.id)));
  }

  /**
   * Removes events recorded by a call whose processing then failed, so that the client's
   * retry processes them again instead of finding them already seen.
   */
  async forget(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await writeTransaction(this.dataSource, async (manager) => {
      for (const chunk of chunked([...ids].sort(compare), FORGET_CHUNK)) {
        await manager.delete(EventEntity, { id: In(chunk) });
      }
    });
  }
}

const FORGET_CHUNK = 1_000;

function rowOf(event: TelemetryEvent, ingestedAt: Date): EventEntity {
  return {
    id: event.id,
    identityId: event.identityId,
    time: new Date(event.time),
    type: event.type,
    action: event.action,
    resource: event.resource,
    scope: event.scope,
    source: event.source,
    outcome: event.outcome,
    attributes: event.attributes as Record<string, unknown>,
    ingestedAt,
  };
}
