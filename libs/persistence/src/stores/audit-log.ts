import { In, type DataSource, type EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import {
  AUDIT_CHAIN_SLOT,
  ChainWalker,
  chainHash,
  storableDetails,
  type BrokenLink,
} from '../audit/chain';
import { AuditHeadEntity, AuditLogEntity } from '../entities/audit.entity';
import { chunked, dialectOf, writeTransaction } from './sql';

/**
 * A state change to record. `action` is dotted and stable (`case.opened`, `case.decided`,
 * `remediation.step_succeeded`, `tuning.run_applied`, `policy.activated`, `identity.updated`,
 * `key.created`, `key.revoked`…); the subject is what changed (`case`/case id, `api_key`/key
 * id…). `details` is JSON: never put secrets or key material in it.
 */
export interface AuditEntry {
  /** Who made the change: a person, an API key's name, or `system`/`telemetry`. */
  readonly actor: string;
  readonly action: string;
  readonly subjectType: string;
  readonly subjectId: string;
  readonly details?: Readonly<Record<string, unknown>>;
  /**
   * The change's own idempotency key (e.g. `case:<id>:<timeline seq>`). An entry whose key is
   * already in the log is not appended again, so a retried write records its change once.
   */
  readonly key?: string;
  /** When the change happened; defaults to now. */
  readonly at?: Date;
}

/** A row of the log as it is stored and chained. */
export interface AuditRecord {
  readonly seq: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly subjectType: string;
  readonly subjectId: string;
  readonly details: Record<string, unknown>;
  readonly idempotencyKey: string | null;
  readonly prevHash: string;
  readonly hash: string;
}

/** What walking the chain found. */
export interface AuditVerification {
  /** True when every row links to the one before and hashes to its stored hash. */
  readonly ok: boolean;
  /** Rows walked (up to the first broken link). */
  readonly rows: number;
  readonly firstBrokenLink?: BrokenLink;
  /** The recorded head's hash: the hash of the newest row (the genesis hash when empty). */
  readonly headHash: string;
  readonly headSeq: number;
}

/** Rows read per page while verifying: bounded memory however long the chain. */
const VERIFY_PAGE = 2_000;
const KEY_LOOKUP_CHUNK = 500;

/**
 * The append-only, hash-chained audit log.
 *
 * Appends lock the chain head (`audit_head`): PostgreSQL with `SELECT … FOR UPDATE`, SQLite by
 * writing to the head row before reading it, which takes the database's write lock. Either
 * way appenders in any number of processes take turns, so seq stays gapless and each row
 * links to the one committed before it. Pass the `manager` of the transaction that makes the
 * change, and append last in it: the change and its record commit or roll back together.
 */
export class AuditLog {
  private readonly now: () => Date;

  constructor(
    private readonly dataSource: DataSource,
    options: { readonly now?: () => Date } = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Appends one entry, in `manager`'s transaction if given (else in a transaction of its
   * own). Returns the row, or null when its key was already recorded.
   */
  async append(entry: AuditEntry, manager?: EntityManager): Promise<AuditRecord | null> {
    const [record] = await this.appendMany([entry], manager);
    return record ?? null;
  }

  /** Appends entries in order, under one lock of the head; skips those already recorded. */
  async appendMany(
    entries: readonly AuditEntry[],
    manager?: EntityManager,
  ): Promise<AuditRecord[]> {
    if (entries.length === 0) return [];
    if (manager) return this.appendWith(manager, entries);
    return writeTransaction(this.dataSource, (own) => this.appendWith(own, entries));
  }

  /** The recorded head: the newest row's seq and hash. */
  async head(manager: EntityManager = this.dataSource.manager): Promise<AuditHeadEntity> {
    return manager.findOneByOrFail(AuditHeadEntity, { slot: AUDIT_CHAIN_SLOT });
  }

  /** Rows after `afterSeq`, oldest first. */
  async page(afterSeq: number, limit: number): Promise<AuditRecord[]> {
    const rows = await this.dataSource.manager
      .createQueryBuilder(AuditLogEntity, 'a')
      .where('a.seq > :afterSeq', { afterSeq })
      .orderBy('a.seq', 'ASC')
      .take(limit)
      .getMany();
    return rows.map(recordOf);
  }

  /** The rows recorded about one subject, oldest first. */
  async ofSubject(subjectType: string, subjectId: string): Promise<AuditRecord[]> {
    const rows = await this.dataSource.manager.find(AuditLogEntity, {
      where: { subjectType, subjectId },
      order: { seq: 'ASC' },
    });
    return rows.map(recordOf);
  }

  /**
   * Walks the chain from seq 1 up to the head recorded when the walk starts, a page at a
   * time, recomputing every hash; reports the first broken link.
   */
  async verify(options: { readonly pageSize?: number } = {}): Promise<AuditVerification> {
    const pageSize = options.pageSize ?? VERIFY_PAGE;
    const head = await this.head();
    const walker = new ChainWalker();
    let afterSeq = 0;
    while (afterSeq < head.seq) {
      const rows = await this.dataSource.manager
        .createQueryBuilder(AuditLogEntity, 'a')
        .where('a.seq > :afterSeq AND a.seq <= :headSeq', { afterSeq, headSeq: head.seq })
        .orderBy('a.seq', 'ASC')
        .take(pageSize)
        .getMany();
      if (rows.length === 0) break;
      let intact = true;
      for (const row of rows) {
        if (!walker.push(recordOf(row))) {
          intact = false;
          break;
        }
      }
      if (!intact) break;
      afterSeq = rows[rows.length - 1]!.seq;
    }
    const broken = walker.finish(head);
    return {
      ok: broken === null,
      rows: walker.rows,
      ...(broken ? { firstBrokenLink: broken } : {}),
      headHash: head.hash,
      headSeq: head.seq,
    };
  }

  private async appendWith(
    manager: EntityManager,
    entries: readonly AuditEntry[],
  ): Promise<AuditRecord[]> {
    const head = await this.lockHead(manager);
    const recorded = await this.recordedKeys(manager, entries);
    const rows: AuditLogEntity[] = [];
    let seq = head.seq;
    let prevHash = head.hash;
    const fallbackAt = this.now();
    for (const entry of entries) {
      const key = entry.key === undefined ? null : entry.key.slice(0, 300);
      if (key !== null) {
        if (recorded.has(key)) continue;
        recorded.add(key);
      }
      seq += 1;
      const content = {
        seq,
        at: new Date((entry.at ?? fallbackAt).getTime()).toISOString(),
        actor: entry.actor.slice(0, 200),
        action: entry.action.slice(0, 64),
        subjectType: entry.subjectType.slice(0, 32),
        subjectId: entry.subjectId.slice(0, 255),
        details: storableDetails(entry.details),
        idempotencyKey: key,
        prevHash,
      };
      const hash = chainHash(content);
      rows.push({ ...content, at: new Date(content.at), hash });
      prevHash = hash;
    }
    if (rows.length === 0) return [];
    for (const chunk of chunked(rows, 200)) {
      await manager
        .createQueryBuilder()
        .insert()
        .into(AuditLogEntity)
        .values(chunk as QueryDeepPartialEntity<AuditLogEntity>[])
        .execute();
    }
    await manager
      .createQueryBuilder()
      .update(AuditHeadEntity)
      .set({ seq, hash: prevHash })
      .where('slot = :slot', { slot: AUDIT_CHAIN_SLOT })
      .execute();
    return rows.map(recordOf);
  }

  /**
   * Locks the head for the rest of the transaction and reads it. On SQLite the write comes
   * first: it takes the database's write lock, so the read after it sees the last commit.
   */
  private async lockHead(manager: EntityManager): Promise<AuditHeadEntity> {
    if (dialectOf(this.dataSource) === 'postgres') {
      return manager
        .createQueryBuilder(AuditHeadEntity, 'h')
        .setLock('pessimistic_write')
        .where('h.slot = :slot', { slot: AUDIT_CHAIN_SLOT })
        .getOneOrFail();
    }
    await manager
      .createQueryBuilder()
      .update(AuditHeadEntity)
      .set({ slot: AUDIT_CHAIN_SLOT })
      .where('slot = :slot', { slot: AUDIT_CHAIN_SLOT })
      .execute();
    return manager.findOneByOrFail(AuditHeadEntity, { slot: AUDIT_CHAIN_SLOT });
  }

  private async recordedKeys(
    manager: EntityManager,
    entries: readonly AuditEntry[],
  ): Promise<Set<string>> {
    const keys = [
      ...new Set(entries.flatMap((e) => (e.key === undefined ? [] : [e.key.slice(0, 300)]))),
    ];
    const found = new Set<string>();
    for (const chunk of chunked(keys, KEY_LOOKUP_CHUNK)) {
      const rows = await manager.find(AuditLogEntity, {
        select: { idempotencyKey: true },
        where: { idempotencyKey: In(chunk) },
      });
      for (const row of rows) if (row.idempotencyKey !== null) found.add(row.idempotencyKey);
    }
    return found;
  }
}

function recordOf(row: AuditLogEntity): AuditRecord {
  return {
    seq: row.seq,
    at: new Date(row.at).toISOString(),
    actor: row.actor,
    action: row.action,
    subjectType: row.subjectType,
    subjectId: row.subjectId,
    details: row.details ?? {},
    idempotencyKey: row.idempotencyKey,
    prevHash: row.prevHash,
    hash: row.hash,
  };
}
