import type { DataSource, EntityManager } from 'typeorm';
import type { Playbook } from '@vigil/contracts';
import { BUILT_IN_PLAYBOOKS } from '@vigil/domain';
import { PlaybookEntity } from '../entities';
import { AuditLog } from './audit-log';
import { MultiRowInsert, writeTransaction } from './sql';

/** Recorded as the author of a built-in playbook's version 1. */
export const BUILT_IN_ACTOR = 'vigil:built-in';

/** A version of a playbook with who created it; built-ins not yet edited have no time. */
export interface PlaybookRecord {
  readonly playbook: Playbook;
  /** True for a built-in playbook's version 1. */
  readonly builtIn: boolean;
  readonly createdAt: Date | null;
  readonly createdBy: string;
}

/** A save that is not the next version of the playbook (someone else saved one first). */
export class PlaybookVersionConflictError extends Error {
  readonly code = 'playbook_version_conflict';

  constructor(
    readonly id: string,
    readonly version: number,
    readonly next: number,
  ) {
    super(`playbook ${id} cannot be saved as version ${version}; the next version is ${next}`);
    this.name = 'PlaybookVersionConflictError';
  }
}

/**
 * Playbooks by version. The built-in playbooks are version 1 of their ids and need no row:
 * on a fresh database every read answers with them. Saving a playbook adds a version, never
 * changes one; the highest version of an id is the active one. The first save of a built-in
 * id also records the built-in as version 1, so its history is complete.
 */
export class PlaybookStore {
  private readonly insert: MultiRowInsert<PlaybookEntity>;
  private readonly builtIns: ReadonlyMap<string, Playbook>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly now: () => Date = () => new Date(),
    builtIns: readonly Playbook[] = BUILT_IN_PLAYBOOKS,
  ) {
    this.insert = new MultiRowInsert(dataSource, PlaybookEntity, [
      'id',
      'version',
      'definition',
      'createdAt',
      'createdBy',
    ]);
    this.builtIns = new Map(builtIns.map((playbook) => [playbook.id, playbook]));
  }

  /** The active version of every playbook, by id. */
  async list(): Promise<PlaybookRecord[]> {
    const rows = await this.dataSource.manager
      .createQueryBuilder(PlaybookEntity, 'p')
      .where(
        (query) =>
          `p.version = ${query
            .subQuery()
            .select('MAX(q.version)')
            .from(PlaybookEntity, 'q')
            .where('q.id = p.id')
            .getQuery()}`,
      )
      .getMany();
    const byId = new Map<string, PlaybookRecord>();
    for (const [id, playbook] of this.builtIns) byId.set(id, this.builtInRecord(playbook));
    for (const row of rows) byId.set(row.id, this.recordOf(row));
    return [...byId.values()].sort((a, b) => compareIds(a.playbook.id, b.playbook.id));
  }

  /** The active playbooks, for matching a case. */
  async active(): Promise<Playbook[]> {
    return (await this.list()).map((record) => record.playbook);
  }

  /** A version of a playbook, by default the active one; null when there is no such version. */
  async get(id: string, version?: number): Promise<PlaybookRecord | null> {
    const query = this.dataSource.manager
      .createQueryBuilder(PlaybookEntity, 'p')
      .where('p.id = :id', { id })
      .orderBy('p.version', 'DESC')
      .take(1);
    if (version !== undefined) query.andWhere('p.version = :version', { version });
    const row = await query.getOne();
    if (row) return this.recordOf(row);
    const builtIn = this.builtIns.get(id);
    return builtIn && (version === undefined || version === builtIn.version)
      ? this.builtInRecord(builtIn)
      : null;
  }

  /** Every version of a playbook, oldest first; empty when there is no such playbook. */
  async versions(id: string): Promise<number[]> {
    const rows = await this.dataSource.manager.find(PlaybookEntity, {
      select: { version: true },
      where: { id },
      order: { version: 'ASC' },
    });
    const versions = rows.map((row) => row.version);
    const builtIn = this.builtIns.get(id);
    if (builtIn && !versions.includes(builtIn.version)) versions.unshift(builtIn.version);
    return versions;
  }

  /** The version the next save of `id` creates. */
  async nextVersion(id: string): Promise<number> {
    return this.next(this.dataSource.manager, id);
  }

  /**
   * Stores the playbook as a new version. Its version must be the next one (nextVersion);
   * otherwise, or when a concurrent save took that version first, nothing is stored and
   * PlaybookVersionConflictError says which version is next.
   */
  async save(playbook: Playbook, actor: string): Promise<PlaybookRecord> {
    const createdAt = this.now();
    await writeTransaction(this.dataSource, async (manager) => {
      const next = await this.next(manager, playbook.id);
      if (playbook.version !== next) {
        throw new PlaybookVersionConflictError(playbook.id, playbook.version, next);
      }
      const builtIn = this.builtIns.get(playbook.id);
      const rows: PlaybookEntity[] = [];
      if (builtIn && next === builtIn.version + 1) {
        rows.push({
          id: builtIn.id,
          version: builtIn.version,
          definition: builtIn,
          createdAt,
          createdBy: BUILT_IN_ACTOR,
        });
      }
      rows.push({
        id: playbook.id,
        version: next,
        definition: playbook,
        createdAt,
        createdBy: actor,
      });
      const inserted = await this.insert.run(
        manager,
        rows,
        `${this.insert.onConflict(['id', 'version'])} ${this.insert.returning('version')}`,
      );
      if (!inserted.some((row) => Number(row.version) === next)) {
        throw new PlaybookVersionConflictError(playbook.id, playbook.version, next + 1);
      }
      await new AuditLog(this.dataSource).append(
        {
          actor,
          action: 'playbook.saved',
          subjectType: 'playbook',
          subjectId: playbook.id,
          details: { version: next, definition: playbook },
          at: createdAt,
        },
        manager,
      );
    });
    return { playbook, builtIn: false, createdAt, createdBy: actor };
  }

  private async next(manager: EntityManager, id: string): Promise<number> {
    const raw = await manager
      .createQueryBuilder(PlaybookEntity, 'p')
      .select('MAX(p.version)', 'latest')
      .where('p.id = :id', { id })
      .getRawOne<{ latest: number | string | null }>();
    const stored = raw?.latest === null || raw?.latest === undefined ? 0 : Number(raw.latest);
    const builtIn = this.builtIns.get(id)?.version ?? 0;
    return Math.max(stored, builtIn) + 1;
  }

  private recordOf(row: PlaybookEntity): PlaybookRecord {
    return {
      playbook: { ...row.definition, id: row.id, version: row.version },
      builtIn: row.createdBy === BUILT_IN_ACTOR,
      createdAt: row.createdAt,
      createdBy: row.createdBy,
    };
  }

  private builtInRecord(playbook: Playbook): PlaybookRecord {
    return { playbook, builtIn: true, createdAt: null, createdBy: BUILT_IN_ACTOR };
  }
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
