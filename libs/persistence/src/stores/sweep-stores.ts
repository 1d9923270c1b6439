import { In, type DataSource } from 'typeorm';
import { CaseEntity, DormancyMarkEntity } from '../entities';
import { chunked, compare, MultiRowInsert, writeTransaction } from './sql';

/** A dormancy mark as the dormancy sweep reads it (times in epoch ms). */
export interface StoredDormancyMark {
  readonly identityId: string;
  readonly lastEventAt: number;
  readonly markedAt: number;
}

/** Which identities the dormancy sweep saw go quiet, so it recognises them waking up. */
export class DormancyMarkStore {
  private readonly insert: MultiRowInsert<DormancyMarkEntity>;

  constructor(private readonly dataSource: DataSource) {
    this.insert = new MultiRowInsert(dataSource, DormancyMarkEntity, [
      'identityId',
      'lastEventAt',
      'markedAt',
    ]);
  }

  async load(identityIds: readonly string[]): Promise<Map<string, StoredDormancyMark>> {
    const marks = new Map<string, StoredDormancyMark>();
    for (const chunk of chunked([...new Set(identityIds)], 500)) {
      const rows = await this.dataSource.manager.findBy(DormancyMarkEntity, {
        identityId: In(chunk),
      });
      for (const row of rows) {
        marks.set(row.identityId, {
          identityId: row.identityId,
          lastEventAt: row.lastEventAt.getTime(),
          markedAt: row.markedAt.getTime(),
        });
      }
    }
    return marks;
  }

  /** Records the marks, replacing an identity's earlier one; safe to repeat. */
  async set(marks: readonly StoredDormancyMark[]): Promise<void> {
    if (marks.length === 0) return;
    const rows = [...marks]
      .sort((a, b) => compare(a.identityId, b.identityId))
      .map((m) => ({
        identityId: m.identityId,
        lastEventAt: new Date(m.lastEventAt),
        markedAt: new Date(m.markedAt),
      }));
    const tail = this.insert.onConflict(
      ['identityId'],
      [this.insert.replaced('lastEventAt'), this.insert.replaced('markedAt')],
    );
    await writeTransaction(this.dataSource, (manager) => this.insert.run(manager, rows, tail));
  }

  async clear(identityIds: readonly string[]): Promise<void> {
    if (identityIds.length === 0) return;
    await writeTransaction(this.dataSource, async (manager) => {
      for (const chunk of chunked([...identityIds].sort(compare), 500)) {
        await manager.delete(DormancyMarkEntity, { identityId: In(chunk) });
      }
    });
  }
}

/**
 * The case workflows (by workflow id) whose latest case resolved after `since`: a sweep
 * does not reopen a finding an analyst or a remediation has just dealt with.
 */
export async function recentlyResolved(
  dataSource: DataSource,
  workflowIds: readonly string[],
  since: Date,
): Promise<Set<string>> {
  const resolved = new Set<string>();
  for (const chunk of chunked([...new Set(workflowIds)], 500)) {
    const rows = await dataSource.manager
      .createQueryBuilder(CaseEntity, 'c')
      .select(['c.workflowId', 'c.status', 'c.resolvedAt', 'c.openedAt'])
      .where('c.workflowId IN (:...ids)', { ids: chunk })
      .orderBy('c.openedAt', 'DESC')
      .getMany();
    const latest = new Map<string, CaseEntity>();
    for (const row of rows) if (!latest.has(row.workflowId)) latest.set(row.workflowId, row);
    for (const [workflowId, row] of latest) {
      if (row.status === 'resolved' && row.resolvedAt !== null && row.resolvedAt >= since) {
        resolved.add(workflowId);
      }
    }
  }
  return resolved;
}
