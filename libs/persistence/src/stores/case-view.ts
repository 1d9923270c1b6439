import type { CaseView } from '@vigil/contracts';
import type { CaseEntity, TimelineEntryEntity } from '../entities';

/** A recorded case as the API shows it, with its timeline (oldest first). */
export function caseViewOf(row: CaseEntity, timeline: readonly TimelineEntryEntity[]): CaseView {
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
    context: row.context as unknown as CaseView['context'],
    risk: row.risk,
    proposedRemediation: row.remediation?.proposed ?? null,
    remediation: row.remediation?.report ?? null,
    approvals: row.remediation?.approvals ?? [],
    escalation: row.escalation ?? {
      tier: null,
      route: null,
      assignee: null,
      deadline: null,
      failSafe: null,
    },
    acceptedUntil: row.acceptedUntil?.toISOString() ?? null,
    review: row.review,
    openedAt: row.openedAt.toISOString(),
    lastOccurrenceAt: row.lastOccurrenceAt.toISOString(),
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
    resolution: row.resolution,
    disposition: row.disposition,
    decision: row.decision,
    allowedDecisions: row.allowedDecisions,
    timeline: timeline.map((entry) => ({
      seq: entry.seq,
      at: entry.at.toISOString(),
      type: entry.type,
      actor: entry.actor,
      summary: entry.summary,
      detail: entry.detail,
    })),
    updatedAt: row.updatedAt.toISOString(),
  };
}
