import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { In, type DataSource, type FindOptionsWhere } from 'typeorm';
import type { IdentityKind } from '@vigil/contracts';
import {
  controlEffectiveness,
  csvRow,
  type ControlEffectivenessReport,
  type ReportCase,
} from '@vigil/domain';
import {
  CaseEntity,
  CaseOutcomeEntity,
  DetectorFeedbackEntity,
  EventEntity,
  IdentityEntity,
} from '@vigil/persistence';
import type { ExceptionRowDto } from './dto/audit.dto';
import { decodeCaseCursor, encodeCaseCursor, type CaseCursor } from '../common/case-cursor';

/** Rows read per query: bounds memory and statement size however long the window. */
const PAGE = 500;

/** The case columns the auditor's views read. */
const CASE_COLUMNS: Array<keyof CaseEntity> = [
  'id',
  'workflowId',
  'identityId',
  'kind',
  'severity',
  'status',
  'occurrences',
  'evidence',
  'resolution',
  'disposition',
  'decision',
  'escalation',
  'deadline',
  'openedAt',
  'resolvedAt',
];

/** The CSV columns of the exceptions export, in order. */
export const EXCEPTION_CSV_COLUMNS = [
  'case_id',
  'workflow_id',
  'opened_at',
  'detector',
  'identity_id',
  'identity_kind',
  'identity_owner',
  'severity',
  'score',
  'threshold',
  'owasp',
  'nist',
  'evidence_summary',
  'event_ids',
  'occurrences',
  'status',
  'escalated',
  'resolution',
  'disposition',
  'decision',
  'decided_by',
  'decided_at',
  'resolved_at',
  'time_to_resolve_ms',
] as const;

/**
 * The auditor's reads: the cases that breached a threshold in a window, with their evidence
 * and outcome, and the control-effectiveness figures, from the cases, outcomes, verdicts and
 * events tables.
 */
@Injectable()
export class AuditReader {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** A page of the window's exceptions, oldest first. */
  async exceptions(
    from: Date,
    to: Date,
    limit: number,
    cursor: string | undefined,
  ): Promise<{ items: ExceptionRowDto[]; nextCursor: string | null }> {
    const after = cursor === undefined ? null : decodeCaseCursor(cursor);
    const rows = await this.casePage(from, to, after, limit + 1);
    const page = rows.slice(0, limit);
    const items = await this.rowsOf(page);
    const last = page.at(-1);
    return {
      items,
      nextCursor:
        rows.length > limit && last
          ? encodeCaseCursor({ openedAt: last.openedAt.toISOString(), id: last.id })
          : null,
    };
  }

  /** Every exception of the window as CSV lines, header first, read a page at a time. */
  async *exceptionsCsv(from: Date, to: Date): AsyncGenerator<string> {
    yield csvRow(EXCEPTION_CSV_COLUMNS);
    let after: CaseCursor | null = null;
    for (;;) {
      const page = await this.casePage(from, to, after, PAGE);
      if (page.length === 0) return;
      let text = '';
      for (const row of await this.rowsOf(page)) text += csvRow(csvValues(row));
      yield text;
      const last = page[page.length - 1]!;
      after = { openedAt: last.openedAt.toISOString(), id: last.id };
      if (page.length < PAGE) return;
    }
  }

  /** The control-effectiveness report of the window. */
  async report(from: Date, to: Date, now: Date = new Date()): Promise<ControlEffectivenessReport> {
    const eventsObserved = await this.dataSource.manager
      .createQueryBuilder(EventEntity, 'e')
      .where('e.time >= :from AND e.time < :to', { from, to })
      .getCount();
    const cases: ReportCase[] = [];
    let after: CaseCursor | null = null;
    for (;;) {
      const page = await this.casePage(from, to, after, PAGE);
      if (page.length === 0) break;
      const ids = page.map((c) => c.id);
      const [outcomes, verdicts, identities] = await Promise.all([
        this.byCase(CaseOutcomeEntity, ids),
        this.byCase(DetectorFeedbackEntity, ids),
        this.identities(page.map((c) => c.identityId)),
      ]);
      for (const c of page) {
        const outcome = outcomes.get(c.id);
        const verdict = verdicts.get(c.id);
        const tier = c.escalation?.tier ?? null;
        const overdue =
          c.status !== 'resolved' && c.deadline !== null && c.deadline.getTime() < now.getTime();
        cases.push({
          id: c.id,
          kind: c.kind,
          identityKind:
            (verdict?.identityKind as IdentityKind | null | undefined) ??
            identities.get(c.identityId)?.kind ??
            null,
          severity: c.severity,
          resolution: c.resolution,
          escalated: tier !== null,
          slaBreached: tier === 2 || c.resolution === 'expired_default' || overdue,
          timeToAcknowledgeMs: outcome?.timeToAcknowledgeMs ?? null,
          timeToResolveMs:
            outcome?.timeToResolveMs ??
            (c.resolvedAt ? Math.max(0, c.resolvedAt.getTime() - c.openedAt.getTime()) : null),
          verdict: verdict
            ? { disposition: verdict.disposition, excluded: verdict.excluded }
            : null,
        });
      }
      const last = page[page.length - 1]!;
      after = { openedAt: last.openedAt.toISOString(), id: last.id };
      if (page.length < PAGE) break;
    }
    return controlEffectiveness({
      from: from.toISOString(),
      to: to.toISOString(),
      eventsObserved,
      cases,
    });
  }

  private casePage(
    from: Date,
    to: Date,
    after: CaseCursor | null,
    limit: number,
  ): Promise<CaseEntity[]> {
    const query = this.dataSource.manager
      .createQueryBuilder(CaseEntity, 'c')
      .select(CASE_COLUMNS.map((column) => `c.${column}`))
      .where('c.openedAt >= :from AND c.openedAt < :to', { from, to })
      .orderBy('c.openedAt', 'ASC')
      .addOrderBy('c.id', 'ASC')
      .take(limit);
    if (after) {
      query.andWhere('(c.openedAt > :afterAt OR (c.openedAt = :afterAt AND c.id > :afterId))', {
        afterAt: new Date(after.openedAt),
        afterId: after.id,
      });
    }
    return query.getMany();
  }

  private async rowsOf(page: readonly CaseEntity[]): Promise<ExceptionRowDto[]> {
    const ids = page.map((c) => c.id);
    const [outcomes, identities] = await Promise.all([
      this.byCase(CaseOutcomeEntity, ids),
      this.identities(page.map((c) => c.identityId)),
    ]);
    return page.map((c) => exceptionRowOf(c, outcomes.get(c.id), identities.get(c.identityId)));
  }

  private async byCase<T extends CaseOutcomeEntity | DetectorFeedbackEntity>(
    entity: new () => T,
    ids: readonly string[],
  ): Promise<Map<string, T>> {
    if (ids.length === 0) return new Map();
    const where = { caseId: In([...ids]) } as FindOptionsWhere<T>;
    const rows = await this.dataSource.manager.find(entity, { where });
    return new Map(rows.map((row) => [row.caseId, row]));
  }

  private async identities(ids: readonly string[]): Promise<Map<string, IdentityEntity>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map();
    const rows = await this.dataSource.manager.find(IdentityEntity, {
      select: { id: true, kind: true, owner: true },
      where: { id: In(unique) },
    });
    return new Map(rows.map((row) => [row.id, row]));
  }
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function exceptionRowOf(
  c: CaseEntity,
  outcome: CaseOutcomeEntity | undefined,
  identity: IdentityEntity | undefined,
): ExceptionRowDto {
  const evidence = c.evidence ?? {};
  const reason = text(evidence.reason);
  const value = text(evidence.value);
  const eventIds = Array.isArray(evidence.eventIds)
    ? evidence.eventIds.filter((id): id is string => typeof id === 'string')
    : [];
  const summary =
    [reason, value !== null ? `value: ${value}` : null].filter((s) => s !== null).join('; ') ||
    `${c.kind} reported for ${c.identityId}`;
  const resolvedAt = outcome?.resolvedAt ?? c.resolvedAt;
  return {
    caseId: c.id,
    workflowId: c.workflowId,
    openedAt: c.openedAt.toISOString(),
    detector: c.kind,
    identityId: c.identityId,
    identityKind: identity?.kind ?? null,
    identityOwner: identity?.owner ?? null,
    severity: c.severity,
    score: num(evidence.score),
    threshold: num(evidence.threshold),
    owasp: text(evidence.owasp),
    nist: text(evidence.nist),
    evidenceSummary: summary.slice(0, 1_000),
    evidence: { reason, value, eventIds, eventTime: text(evidence.eventTime) },
    occurrences: c.occurrences,
    status: c.status,
    escalated: (c.escalation?.tier ?? null) !== null,
    resolution: c.resolution,
    disposition: c.disposition,
    decision: c.decision?.decision ?? null,
    decidedBy: c.decision?.actor ?? outcome?.decidedBy ?? null,
    decidedAt: c.decision?.decidedAt ?? null,
    resolvedAt: resolvedAt ? new Date(resolvedAt).toISOString() : null,
    timeToResolveMs:
      outcome?.timeToResolveMs ??
      (c.resolvedAt ? Math.max(0, c.resolvedAt.getTime() - c.openedAt.getTime()) : null),
  };
}

function csvValues(row: ExceptionRowDto): Array<string | number | boolean | null> {
  return [
    row.caseId,
    row.workflowId,
    row.openedAt,
    row.detector,
    row.identityId,
    row.identityKind,
    row.identityOwner,
    row.severity,
    row.score,
    row.threshold,
    row.owasp,
    row.nist,
    row.evidenceSummary,
    row.evidence.eventIds.join(' '),
    row.occurrences,
    row.status,
    row.escalated,
    row.resolution,
    row.disposition,
    row.decision,
    row.decidedBy,
    row.decidedAt,
    row.resolvedAt,
    row.timeToResolveMs,
  ];
}
