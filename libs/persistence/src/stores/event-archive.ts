import { Brackets, type DataSource } from 'typeorm';
import type { TelemetryEvent } from '@vigil/contracts';
import { EventEntity } from '../entities';

/** Where a page of events ended: the next page starts after it. */
export interface EventCursor {
  readonly time: Date;
  readonly id: string;
}

/**
 * Reads of the raw events kept for the retention window, in time order, for what-if
 * replays. Pages are keyed by (time, id) so each is one index range read.
 */
export class EventArchive {
  constructor(private readonly dataSource: DataSource) {}

  /** Events with from ≤ time < to (to null: no upper bound). */
  async count(from: Date, to: Date | null): Promise<number> {
    const query = this.dataSource.manager
      .createQueryBuilder(EventEntity, 'e')
      .where('e.time >= :from', { from });
    if (to) query.andWhere('e.time < :to', { to });
    return query.getCount();
  }

  /** The next page after `after`, oldest first. */
  async page(
    from: Date,
    to: Date | null,
    after: EventCursor | null,
    limit: number,
  ): Promise<{ events: TelemetryEvent[]; cursor: EventCursor | null }> {
    const query = this.dataSource.manager
      .createQueryBuilder(EventEntity, 'e')
      .where('e.time >= :from', { from })
      .orderBy('e.time', 'ASC')
      .addOrderBy('e.id', 'ASC')
      .take(limit);
    if (to) query.andWhere('e.time < :to', { to });
    if (after) {
      query.andWhere(
        new Brackets((q) =>
          q
            .where('e.time > :afterTime', { afterTime: after.time })
            .orWhere('(e.time = :afterTime AND e.id > :afterId)', {
              afterTime: after.time,
              afterId: after.id,
            }),
        ),
      );
    }
    const rows = await query.getMany();
    const last = rows[rows.length - 1];
    return {
      events: rows.map(eventOf),
      cursor: last ? { time: new Date(last.time), id: last.id } : null,
    };
  }
}

export function eventOf(row: EventEntity): TelemetryEvent {
  return {
    id: row.id,
    time: new Date(row.time).toISOString(),
    identityId: row.identityId,
    type: row.type,
    action: row.action,
    resource: row.resource,
    scope: row.scope,
    source: row.source,
    outcome: row.outcome,
    attributes: row.attributes,
  };
}
