import type { DataSource } from 'typeorm';
import type { FindingCase } from '@vigil/domain';
import { CaseEntity, caseViewOf } from '@vigil/persistence';

/** The recorded case, as the OCSF finding of a notification shows it; null before it is recorded. */
export async function loadFindingCase(
  dataSource: DataSource,
  caseId: string,
): Promise<FindingCase | null> {
  const row = await dataSource.getRepository(CaseEntity).findOne({ where: { id: caseId } });
  // The finding shows no timeline: read none.
  return row === null ? null : caseViewOf(row, []);
}
