import type { DataSource, EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type {
  CaseActivities,
  CaseOutcome,
  CaseSnapshot,
  RecordCaseProgressInput,
  TimelineEntry,
} from '@vigil/contracts';
import { caseAuditAction, caseAuditKey } from '@vigil/domain';
import {
  ALLOWANCE_VALUE_LENGTH,
  AuditLog,
  type AuditEntry,
  BaselineAllowanceEntity,
  CaseEntity,
  CaseOutcomeEntity,
  DetectorFeedbackEntity,
  TimelineEntryEntity,
  writeTransaction,
} from '@vigil/persistence';

export interface CaseRecordDeps {
  readonly dataSource: DataSource;
  readonly now?: () => Date;
}

/**
 * Writes a case's snapshot, timeline and outcome to the read model, and records each
 * timeline entry and the outcome in the audit log in the same transaction. Every write is
 * keyed (case id; case id + seq; revision), so a retried activity changes nothing twice.
 */
export function createCaseRecordActivities(
  deps: CaseRecordDeps,
): Pick<CaseActivities, 'recordCaseProgress' | 'recordCaseOutcome'> {
  const now = deps.now ?? (() => new Date());
  const audit = new AuditLog(deps.dataSource, { now });

  return {
    async recordCaseProgress({ snapshot, entries }: RecordCaseProgressInput): Promise<void> {
      await writeTransaction(deps.dataSource, async (manager) => {
        await upsertSnapshot(manager, snapshot, now());
        await insertEntries(manager, snapshot.caseId, entries);
        await audit.appendMany(
          entries.map((entry) => auditEntryOf(snapshot, entry)),
          manager,
        );
      });
    },

    async recordCaseOutcome(outcome: CaseOutcome): Promise<void> {
      const openedAt = new Date(outcome.openedAt);
      const resolvedAt = new Date(outcome.resolvedAt);
      const acknowledgedAt = outcome.acknowledgedAt ? new Date(outcome.acknowledgedAt) : null;
      const feedback = outcome.feedback;
      await writeTransaction(deps.dataSource, async (manager) => {
        await manager
          .createQueryBuilder()
          .insert()
          .into(CaseOutcomeEntity)
          .values({
            caseId: outcome.caseId,
            resolution: outcome.resolution,
            disposition: outcome.disposition,
            decidedBy: outcome.decidedBy,
            occurrences: outcome.occurrences,
            openedAt,
            resolvedAt,
            timeToResolveMs: Math.max(0, resolvedAt.getTime() - openedAt.getTime()),
            acknowledgedAt,
            timeToAcknowledgeMs: acknowledgedAt
              ? Math.max(0, acknowledgedAt.getTime() - openedAt.getTime())
              : null,
            recordedAt: now(),
          })
          .orIgnore()
          .execute();
        await manager
          .createQueryBuilder()
          .insert()
          .into(DetectorFeedbackEntity)
          .values({
            caseId: feedback.caseId,
            detector: feedback.detector,
            identityId: feedback.identityId,
            identityKind: feedback.identityKind,
            disposition: feedback.disposition,
            resolution: feedback.resolution,
            severity: feedback.severity,
            score: feedback.score,
            value: feedback.value?.slice(0, 500) ?? null,
            dimension: feedback.dimension?.slice(0, 64) ?? null,
            excluded: feedback.excluded === true,
            exclusionReason: feedback.excluded === true ? feedback.reason.slice(0, 500) : null,
            reason: feedback.reason.slice(0, 4000),
            decidedBy: feedback.decidedBy,
            at: new Date(feedback.at),
          })
          .orIgnore()
          .execute();
        // An accepted risk is an allowance in the identity's baseline until it expires.
        const allowance = acceptedRiskAllowance(outcome, now());
        if (allowance) {
          await manager
            .createQueryBuilder()
            .insert()
            .into(BaselineAllowanceEntity)
            .values(allowance)
            .orIgnore()
            .execute();
        }
        await audit.append(
          {
            actor: outcome.decidedBy,
            action: 'case.outcome_recorded',
            subjectType: 'case',
            subjectId: outcome.caseId,
            details: {
              resolution: outcome.resolution,
              disposition: outcome.disposition,
              detector: feedback.detector,
              identityId: feedback.identityId,
              timeToResolveMs: Math.max(0, resolvedAt.getTime() - openedAt.getTime()),
              excludedFromTuning: feedback.excluded === true,
              ...(allowance ? { allowanceUntil: allowance.expiresAt.toISOString() } : {}),
            },
            key: `case-outcome:${outcome.caseId}`,
            at: resolvedAt,
          },
          manager,
        );
      });
    },
  };
}

/** A timeline entry as an audit row; keyed by the entry's own (case id, seq). */
function auditEntryOf(snapshot: CaseSnapshot, entry: TimelineEntry): AuditEntry {
  return {
    actor: entry.actor,
    action: caseAuditAction(entry),
    subjectType: 'case',
    subjectId: snapshot.caseId,
    details: {
      seq: entry.seq,
      type: entry.type,
      summary: entry.summary.slice(0, 500),
      identityId: snapshot.identityId,
      kind: snapshot.kind,
      detail: entry.detail,
    },
    key: caseAuditKey(snapshot.caseId, entry.seq),
    at: new Date(entry.at),
  };
}

function acceptedRiskAllowance(
  outcome: CaseOutcome,
  createdAt: Date,
): BaselineAllowanceEntity | null {
  const { feedback } = outcome;
  if (outcome.resolution !== 'accepted_risk' || !outcome.acceptedUntil || feedback.value === null) {
    return null;
  }
  return {
    id: `risk-${outcome.caseId}`,
    identityId: feedback.identityId,
    detector: feedback.detector,
    dimension: (feedback.dimension ?? feedback.detector).slice(0, 64),
    value: feedback.value.slice(0, ALLOWANCE_VALUE_LENGTH),
    source: 'accepted_risk',
    caseId: outcome.caseId,
    runId: null,
    reason: `risk accepted by ${feedback.decidedBy}: ${feedback.reason}`.slice(0, 1000),
    createdAt,
    expiresAt: new Date(outcome.acceptedUntil),
    endedAt: null,
    endReason: null,
  };
}

function rowOf(snapshot: CaseSnapshot, updatedAt: Date): CaseEntity {
  return {
    id: snapshot.caseId,
    workflowId: snapshot.workflowId,
    fingerprint: snapshot.fingerprint,
    identityId: snapshot.identityId,
    kind: snapshot.kind,
    severity: snapshot.severity,
    status: snapshot.status,
    occurrences: snapshot.occurrences,
    evidence: snapshot.evidence,
    context: (snapshot.context as unknown as Record<string, unknown> | null) ?? null,
    risk: snapshot.risk,
    remediation:
      snapshot.proposedRemediation || snapshot.remediation || snapshot.approvals.length > 0
        ? {
            proposed: snapshot.proposedRemediation,
            approvals: snapshot.approvals,
            report: snapshot.remediation,
          }
        : null,
    escalation: snapshot.escalation.tier === null ? null : snapshot.escalation,
    assignee: snapshot.escalation.assignee,
    deadline: snapshot.escalation.deadline ? new Date(snapshot.escalation.deadline) : null,
    acceptedUntil: snapshot.acceptedUntil ? new Date(snapshot.acceptedUntil) : null,
    review: snapshot.review,
    resolution: snapshot.resolution,
    disposition: snapshot.disposition,
    decision: snapshot.decision,
    allowedDecisions: [...snapshot.allowedDecisions],
    openedAt: new Date(snapshot.openedAt),
    lastOccurrenceAt: new Date(snapshot.lastOccurrenceAt),
    resolvedAt: snapshot.resolvedAt ? new Date(snapshot.resolvedAt) : null,
    updatedAt,
    revision: snapshot.revision,
  };
}

async function upsertSnapshot(
  manager: EntityManager,
  snapshot: CaseSnapshot,
  updatedAt: Date,
): Promise<void> {
  const row = rowOf(snapshot, updatedAt);
  // Insert the first snapshot; afterwards only move the row forward. A freshly inserted row
  // already holds this revision, so the update then matches nothing.
  await manager
    .createQueryBuilder()
    .insert()
    .into(CaseEntity)
    .values(asValues(row))
    .orIgnore()
    .execute();
  await manager
    .createQueryBuilder()
    .update(CaseEntity)
    .set(asValues(changesOf(row)))
    .where('id = :id AND revision < :revision', { id: row.id, revision: row.revision })
    .execute();
}

/** The columns a later snapshot may change; identity, kind and opening time are fixed. */
function changesOf(row: CaseEntity): Partial<CaseEntity> {
  return {
    severity: row.severity,
    status: row.status,
    occurrences: row.occurrences,
    resolution: row.resolution,
    disposition: row.disposition,
    decision: row.decision,
    allowedDecisions: row.allowedDecisions,
    // Gathered once and sent once: a snapshot without it leaves the recorded one alone.
    ...(row.context !== null ? { context: row.context } : {}),
    risk: row.risk,
    remediation: row.remediation,
    escalation: row.escalation,
    assignee: row.assignee,
    deadline: row.deadline,
    acceptedUntil: row.acceptedUntil,
    lastOccurrenceAt: row.lastOccurrenceAt,
    resolvedAt: row.resolvedAt,
    updatedAt: row.updatedAt,
    revision: row.revision,
  };
}

async function insertEntries(
  manager: EntityManager,
  caseId: string,
  entries: readonly TimelineEntry[],
): Promise<void> {
  if (entries.length === 0) return;
  await manager
    .createQueryBuilder()
    .insert()
    .into(TimelineEntryEntity)
    .values(
      entries.map((entry) =>
        asValues<TimelineEntryEntity>({
          caseId,
          seq: entry.seq,
          at: new Date(entry.at),
          type: entry.type,
          actor: entry.actor,
          summary: entry.summary.slice(0, 500),
          detail: entry.detail,
        }),
      ),
    )
    .orIgnore()
    .execute();
}

/** JSON columns hold open-ended objects, which TypeORM's deep-partial typing cannot express. */
function asValues<T>(values: Partial<T>): QueryDeepPartialEntity<T> {
  return values as QueryDeepPartialEntity<T>;
}
