import type { DataSource } from 'typeorm';
import type { FindingCase } from '@vigil/domain';
import { CaseEntity } from '@vigil/persistence';

/** The recorded case, as the OCSF finding of a notification shows it; null before it is recorded. */
export async function loadFindingCase(
  dataSource: DataSource,
  caseId: string,
): Promise<FindingCase | null> {
  const row = await dataSource.getRepository(CaseEntity).findOne({ where: { id: caseId } });
  if (row === null) return null;
  return {
    id: row.id,
    workflowId: row.workflowId,
    fingerprint: row.fingerprint,
    identityId: row.identityId,
    kind: row.kind,
    severity: row.severity,
    status: row.status,
    occurrences: row.occurrences,
    evidence: row.evidence,
    openedAt: row.openedAt.toISOString(),
    lastOccurrenceAt: row.lastOccurrenceAt.toISOString(),
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
    resolution: row.resolution,
    disposition: row.disposition,
    updatedAt: row.updatedAt.toISOString(),
  };
}
