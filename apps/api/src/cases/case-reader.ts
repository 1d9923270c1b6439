import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { CaseList, CaseState, CaseSummary, CaseView } from '@vigil/contracts';
import { CaseEntity, TimelineEntryEntity, caseViewOf } from '@vigil/persistence';
import type { ListCasesQuery } from './dto/list-cases.query';
import { decodeCaseCursor, encodeCaseCursor } from '../common/case-cursor';

const DEFAULT_PAGE_SIZE = 50;

/** Reads cases from the read model the case workflows write. */
@Injectable()
export class CaseReader {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async list(query: ListCasesQuery): Promise<CaseList> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const qb = this.dataSource
      .getRepository(CaseEntity)
      .createQueryBuilder('c')
      .orderBy('c.openedAt', 'DESC')
      .addOrderBy('c.id', 'DESC')
      .take(limit + 1);
    if (query.status) qb.andWhere('c.status = :status', { status: query.status });
    if (query.severity) qb.andWhere('c.severity = :severity', { severity: query.severity });
    if (query.identityId)
      qb.andWhere('c.identityId = :identityId', { identityId: query.identityId });
    if (query.kind) qb.andWhere('c.kind = :kind', { kind: query.kind });
    if (query.cursor) {
      const cursor = decodeCaseCursor(query.cursor);
      qb.andWhere('(c.openedAt < :openedAt OR (c.openedAt = :openedAt AND c.id < :id))', {
        openedAt: new Date(cursor.openedAt),
        id: cursor.id,
      });
    }
    const rows = await qb.getMany();
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map(summaryOf),
      nextCursor:
        rows.length > limit && last
          ? encodeCaseCursor({ openedAt: last.openedAt.toISOString(), id: last.id })
          : null,
    };
  }

  /** The case with this case id, or the latest case of this workflow id. */
  async find(id: string): Promise<CaseView | null> {
    const cases = this.dataSource.getRepository(CaseEntity);
    const row = id.startsWith('case-')
      ? await cases.findOne({ where: { workflowId: id }, order: { openedAt: 'DESC', id: 'DESC' } })
      : await cases.findOne({ where: { id } });
    if (!row) return null;
    const timeline = await this.dataSource
      .getRepository(TimelineEntryEntity)
      .find({ where: { caseId: row.id }, order: { seq: 'ASC' } });
    return caseViewOf(row, timeline);
  }
}

export function summaryOf(row: CaseEntity): CaseSummary {
  return {
    id: row.id,
    workflowId: row.workflowId,
    identityId: row.identityId,
    kind: row.kind,
    severity: row.severity,
    status: row.status,
    occurrences: row.occurrences,
    resolution: row.resolution,
    openedAt: row.openedAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** A case the workflow holds but the read model has not recorded yet. */
export function viewOfState(state: CaseState, now: Date): CaseView {
  const { caseId, ...rest } = state;
  return { id: caseId, ...rest, updatedAt: now.toISOString() };
}
