import {
  Brackets,
  In,
  type DataSource,
  type EntityManager,
  type ObjectLiteral,
  type SelectQueryBuilder,
} from 'typeorm';
import {
  emptySnapshot,
  RATE_BUCKET_MS,
  type BaselineDelta,
  type BaselineSnapshot,
  type BaselineValue,
  type LifecycleKind,
  type LifecycleMoment,
  type RateBucket,
} from '@vigil/domain';
import {
  BaselineEntity,
  BaselineHourEntity,
  BaselineLifecycleEntity,
  BaselineRateBucketEntity,
  BaselineValueEntity,
} from '../entities';
import { chunked, compare, MultiRowInsert, selectRows, writeTransaction } from './sql';
import { byBucketKey, byValueKey, rowsOfDeltas } from './baseline-rows';

const DAY_MS = 86_400_000;

export interface BaselineStoreOptions {
  /** How far back from an identity's newest rate bucket `load` reaches. Default 14 days. */
  readonly rateWindowMs?: number;
  /** How many of the latest moments of each lifecycle kind `load` returns. Default 20. */
  readonly lifecycleLimit?: number;
  readonly now?: () => Date;
}

/** Identities per read statement: keeps `IN (…)` lists and OR chains well inside SQLite's limits. */
const IDS_PER_READ = 500;
const IDS_PER_OR_CHAIN = 100;

/**
 * Per-identity baselines in the database. `apply` only adds: counts sum, first-seen takes
 * the minimum, last-seen the maximum, lifecycle moments are a set. Deltas from any number of
 * ingesters, applied in any order or at the same time, give the same baseline.
 */
export class BaselineStore {
  private readonly rateWindowMs: number;
  private readonly lifecycleLimit: number;
  private readonly now: () => Date;
  private readonly inserts: {
    readonly totals: MultiRowInsert<BaselineEntity>;
    readonly hours: MultiRowInsert<BaselineHourEntity>;
    readonly values: MultiRowInsert<BaselineValueEntity>;
    readonly buckets: MultiRowInsert<BaselineRateBucketEntity>;
    readonly lifecycle: MultiRowInsert<BaselineLifecycleEntity>;
  };
  private readonly tails: Readonly<Record<keyof BaselineStore['inserts'], string>>;

  constructor(
    private readonly dataSource: DataSource,
    options: BaselineStoreOptions = {},
  ) {
    this.rateWindowMs = options.rateWindowMs ?? 14 * DAY_MS;
    this.lifecycleLimit = options.lifecycleLimit ?? 20;
    this.now = options.now ?? (() => new Date());
    const totals = new MultiRowInsert(dataSource, BaselineEntity, [
      'identityId',
      'eventCount',
      'firstEventAt',
      'lastEventAt',
      'updatedAt',
    ]);
    const hours = new MultiRowInsert(dataSource, BaselineHourEntity, [
      'identityId',
      'hour',
      'count',
    ]);
    const values = new MultiRowInsert(dataSource, BaselineValueEntity, [
      'identityId',
      'dimension',
      'value',
      'count',
      'firstSeen',
      'lastSeen',
    ]);
    const buckets = new MultiRowInsert(dataSource, BaselineRateBucketEntity, [
      'identityId',
      'action',
      'bucketStart',
      'count',
    ]);
    const lifecycle = new MultiRowInsert(dataSource, BaselineLifecycleEntity, [
      'identityId',
      'kind',
      'at',
    ]);
    this.inserts = { totals, hours, values, buckets, lifecycle };

    this.tails = {
      totals: totals.onConflict(
        ['identityId'],
        [
          totals.added('eventCount'),
          totals.earliest('firstEventAt'),
          totals.latest('lastEventAt'),
          totals.latest('updatedAt'),
        ],
      ),
      hours: hours.onConflict(['identityId', 'hour'], [hours.added('count')]),
      values: values.onConflict(
        ['identityId', 'dimension', 'value'],
        [values.added('count'), values.earliest('firstSeen'), values.latest('lastSeen')],
      ),
      buckets: buckets.onConflict(
        ['identityId', 'action', 'bucketStart'],
        [buckets.added('count')],
      ),
      lifecycle: lifecycle.onConflict(['identityId', 'kind', 'at']),
    };
  }

  /**
   * The stored baselines of these identities; an identity with none gets an empty snapshot.
   * Rate buckets reach back `rateWindowMs` from the identity's newest bucket (the hour of its
   * last event); lifecycle moments are the latest `lifecycleLimit` of each kind.
   */
  async load(identityIds: readonly string[]): Promise<Map<string, BaselineSnapshot>> {
    const ids = [...new Set(identityIds)];
    const snapshots = new Map(ids.map((id) => [id, emptyMutableSnapshot(id)]));
    const of = (identityId: string): MutableSnapshot => {
      const snapshot = snapshots.get(identityId);
      if (!snapshot)
        throw new Error(`loaded a baseline row of ${identityId}, which was not asked for`);
      return snapshot;
    };
    const manager = this.dataSource.manager;
    for (const chunk of chunked(ids, IDS_PER_READ)) {
      const totals = await manager.findBy(BaselineEntity, { identityId: In(chunk) });
      if (totals.length === 0) continue;
      const present = totals.map((t) => t.identityId);
      const newest: Array<{ identityId: string; lastEventAt: Date }> = [];
      for (const row of totals) {
        Object.assign(of(row.identityId), {
          eventCount: row.eventCount,
          firstEventAt: row.firstEventAt?.getTime() ?? null,
          lastEventAt: row.lastEventAt?.getTime() ?? null,
        });
        if (row.lastEventAt)
          newest.push({ identityId: row.identityId, lastEventAt: row.lastEventAt });
      }
      const ofPresent = <T extends ObjectLiteral>(query: SelectQueryBuilder<T>, alias: string) =>
        query.where(`${alias}.identityId IN (:...present)`, { present });
      const hours = await selectRows(
        manager,
        BaselineHourEntity,
        ['identityId', 'hour', 'count'],
        ofPresent,
      );
      for (const row of hours) of(row.identityId).hourOfWeek[row.hour] = row.count;
      const values = await selectRows(
        manager,
        BaselineValueEntity,
        ['identityId', 'dimension', 'value', 'count', 'firstSeen', 'lastSeen'],
        ofPresent,
      );
      for (const row of values) {
        of(row.identityId).values.push({
          dimension: row.dimension,
          value: row.value,
          count: row.count,
          firstSeen: row.firstSeen.getTime(),
          lastSeen: row.lastSeen.getTime(),
        });
      }
      for (const row of await this.recentBuckets(manager, newest)) {
        of(row.identityId).rateBuckets.push({
          action: row.action,
          bucketStart: row.bucketStart.getTime(),
          count: row.count,
        });
      }
      for (const row of await this.recentLifecycle(manager, present)) {
        of(row.identityId).lifecycle.push({ kind: row.kind, at: row.at.getTime() });
      }
    }
    for (const snapshot of snapshots.values()) {
      snapshot.values.sort(byValueKey);
      snapshot.rateBuckets.sort(byBucketKey);
      snapshot.lifecycle.sort((a, b) => a.at - b.at || compare(a.kind, b.kind));
    }
    return snapshots;
  }

  /**
   * Adds the deltas in one transaction, a few multi-row statements per table. Values and
   * actions are stored in `storedBaselineValue` form.
   */
  async apply(deltas: readonly BaselineDelta[]): Promise<void> {
    const rows = rowsOfDeltas(deltas, this.now());
    if (rows.totals.length === 0) return;
    // Every caller writes the tables in this order and each table's rows in key order, so
    // concurrent applies on PostgreSQL queue on the same first row instead of deadlocking.
    await writeTransaction(this.dataSource, async (manager) => {
      await this.inserts.totals.run(manager, rows.totals, this.tails.totals);
      await this.inserts.hours.run(manager, rows.hours, this.tails.hours);
      await this.inserts.values.run(manager, rows.values, this.tails.values);
      await this.inserts.buckets.run(manager, rows.buckets, this.tails.buckets);
      await this.inserts.lifecycle.run(manager, rows.lifecycle, this.tails.lifecycle);
    });
  }

  /** Deletes rate buckets that start before `olderThan`; returns how many. */
  async prune(olderThan: number | Date): Promise<number> {
    const cutoff = new Date(olderThan);
    const result = await writeTransaction(this.dataSource, (manager) =>
      manager
        .createQueryBuilder()
        .delete()
        .from(BaselineRateBucketEntity)
        .where('bucket_start < :cutoff', { cutoff })
        .execute(),
    );
    return result.affected ?? 0;
  }

  private async recentBuckets(
    manager: EntityManager,
    newest: ReadonlyArray<{ identityId: string; lastEventAt: Date }>,
  ): Promise<BaselineRateBucketEntity[]> {
    const rows: BaselineRateBucketEntity[] = [];
    for (const chunk of chunked(newest, IDS_PER_OR_CHAIN)) {
      const recent = (query: SelectQueryBuilder<BaselineRateBucketEntity>, alias: string) =>
        query.where(
          new Brackets((or) => {
            chunk.forEach(({ identityId, lastEventAt }, i) => {
              const newestBucket =
                Math.floor(lastEventAt.getTime() / RATE_BUCKET_MS) * RATE_BUCKET_MS;
              or.orWhere(`(${alias}.identityId = :id${i} AND ${alias}.bucketStart >= :from${i})`, {
                [`id${i}`]: identityId,
                [`from${i}`]: new Date(newestBucket - this.rateWindowMs),
              });
            });
          }),
        );
      rows.push(
        ...(await selectRows(
          manager,
          BaselineRateBucketEntity,
          ['identityId', 'action', 'bucketStart', 'count'],
          recent,
        )),
      );
    }
    return rows;
  }

  private async recentLifecycle(
    manager: EntityManager,
    identityIds: readonly string[],
  ): Promise<Array<{ identityId: string; kind: LifecycleKind; at: Date }>> {
    const driver = this.dataSource.driver;
    const atColumn = this.dataSource
      .getMetadata(BaselineLifecycleEntity)
      .findColumnWithPropertyName('at');
    if (!atColumn) throw new Error('baseline_lifecycle has no column for at');
    const [sql, parameters] = driver.escapeQueryWithParameters(
      `SELECT identity_id, kind, at FROM (
         SELECT identity_id, kind, at,
                ROW_NUMBER() OVER (PARTITION BY identity_id, kind ORDER BY at DESC) AS recency
         FROM baseline_lifecycle WHERE identity_id IN (:...ids)
       ) ranked WHERE recency <= :limit`,
      { ids: identityIds, limit: this.lifecycleLimit },
      {},
    );
    const raw = (await manager.query(sql, parameters)) as Array<{
      identity_id: string;
      kind: LifecycleKind;
      at: unknown;
    }>;
    return raw.map((row) => ({
      identityId: row.identity_id,
      kind: row.kind,
      at: driver.prepareHydratedValue(row.at, atColumn) as Date,
    }));
  }
}

interface MutableSnapshot extends Omit<
  BaselineSnapshot,
  'values' | 'rateBuckets' | 'hourOfWeek' | 'lifecycle'
> {
  values: BaselineValue[];
  rateBuckets: RateBucket[];
  hourOfWeek: number[];
  lifecycle: LifecycleMoment[];
}

function emptyMutableSnapshot(identityId: string): MutableSnapshot {
  const empty = emptySnapshot(identityId);
  return {
    ...empty,
    values: [],
    rateBuckets: [],
    hourOfWeek: [...empty.hourOfWeek],
    lifecycle: [],
  };
}
