import type { DataSource } from 'typeorm';
import type { CaseStatus, ExceptionKind, Severity } from '@vigil/contracts';
import { CaseEntity, TimelineEntryEntity } from '../entities';
import { dialectOf, type Dialect } from './sql';

/** The actor the case workflow records for what it does on its own (a fail-safe decision). */
export const CASE_SYSTEM_ACTOR = 'vigil';

/** How a decision came: from a person (API, console, CLI), or a deadline's fail-safe default. */
export type DecidedBy = 'person' | 'fail_safe';

/** Decision latencies, as cumulative counts per upper bound (seconds), like a histogram. */
export interface LatencyDistribution {
  /** `buckets[i]` counts the latencies at most `bounds[i]`. */
  readonly buckets: readonly number[];
  readonly count: number;
  readonly sumSeconds: number;
}

/** What the case tables say about all cases so far: the facts the worker writes. */
export interface CaseStatisticsSnapshot {
  readonly casesByStatus: ReadonlyArray<{ status: CaseStatus; count: number }>;
  /** Per detector and severity: cases opened, and exceptions raised (occurrences included). */
  readonly exceptions: ReadonlyArray<{
    detector: ExceptionKind;
    severity: Severity;
    cases: number;
    occurrences: number;
  }>;
  /** Finished remediation runs by outcome (succeeded, failed, unverified). */
  readonly remediations: ReadonlyArray<{ outcome: string; count: number }>;
  /** Remediation runs in which applied steps were undone. */
  readonly remediationsCompensated: number;
  /** Escalations by tier (1: a case began to await a decision; 2: re-escalated). */
  readonly escalations: ReadonlyArray<{ tier: string; count: number }>;
  /** Decisions applied by default because every deadline passed. */
  readonly failSafeDecisions: number;
  /** Seconds from a case's escalation to the decision that answered it. */
  readonly decisionLatency: ReadonlyMap<DecidedBy, LatencyDistribution>;
}

/**
 * Aggregate queries over the case read model (`cases`) and the case timelines
 * (`case_timeline`), which the worker's activities write: the same figures whichever
 * process asks and however often processes restarted.
 */
export class CaseStatistics {
  private readonly dialect: Dialect;
  private readonly cases: string;
  private readonly timeline: string;

  constructor(
    private readonly dataSource: DataSource,
    /** Upper bounds (seconds) of the decision latency distribution, ascending. */
    private readonly latencyBounds: readonly number[],
  ) {
    this.dialect = dialectOf(dataSource);
    this.cases = dataSource.driver.escape(dataSource.getMetadata(CaseEntity).tableName);
    this.timeline = dataSource.driver.escape(dataSource.getMetadata(TimelineEntryEntity).tableName);
  }

  async snapshot(): Promise<CaseStatisticsSnapshot> {
    const [byStatus, exceptions, entries, compensated, latency] = await Promise.all([
      this.query<{ status: CaseStatus; n: unknown }>(
        `SELECT status, COUNT(*) AS n FROM ${this.cases} GROUP BY status`,
      ),
      this.query<{ kind: ExceptionKind; severity: Severity; n: unknown; occurrences: unknown }>(
        `SELECT kind, severity, COUNT(*) AS n, SUM(occurrences) AS occurrences
           FROM ${this.cases} GROUP BY kind, severity`,
      ),
      this.timelineCounts(),
      this.compensatedRuns(),
      this.decisionLatency(),
    ]);
    return {
      casesByStatus: byStatus.map((r) => ({ status: r.status, count: Number(r.n) })),
      exceptions: exceptions.map((r) => ({
        detector: r.kind,
        severity: r.severity,
        cases: Number(r.n),
        occurrences: Number(r.occurrences),
      })),
      ...entries,
      remediationsCompensated: compensated,
      decisionLatency: latency,
    };
  }

  /** The text of a top-level field of a timeline entry's JSON detail. */
  private detailField(alias: string, field: string): string {
    return this.dialect === 'postgres'
      ? `(${alias}.detail ->> '${field}')`
      : `CAST(json_extract(${alias}.detail, '$.${field}') AS TEXT)`;
  }

  /** Seconds from timestamp column `from` to `to`. */
  private secondsBetween(from: string, to: string): string {
    return this.dialect === 'postgres'
      ? `EXTRACT(EPOCH FROM (${to} - ${from}))`
      : `((julianday(${to}) - julianday(${from})) * 86400.0)`;
  }

  /** One pass over the remediation, escalation and decision entries. */
  private async timelineCounts(): Promise<
    Pick<CaseStatisticsSnapshot, 'remediations' | 'escalations' | 'failSafeDecisions'>
  > {
    const rows = await this.query<{ type: string; label: string | null; n: unknown }>(
      `SELECT t.type AS type,
              CASE
                WHEN t.type = 'remediation_finished' THEN ${this.detailField('t', 'outcome')}
                WHEN t.type = 'escalated' THEN ${this.detailField('t', 'tier')}
                WHEN t.actor = $system THEN 'fail_safe'
                ELSE 'person'
              END AS label,
              COUNT(*) AS n
         FROM ${this.timeline} t
        WHERE t.type IN ('remediation_finished', 'escalated', 'decision')
        GROUP BY 1, 2`,
      { system: CASE_SYSTEM_ACTOR },
    );
    const remediations: Array<{ outcome: string; count: number }> = [];
    const escalations: Array<{ tier: string; count: number }> = [];
    let failSafeDecisions = 0;
    for (const row of rows) {
      const count = Number(row.n);
      if (row.type === 'remediation_finished') {
        remediations.push({ outcome: row.label ?? 'unknown', count });
      } else if (row.type === 'escalated') {
        escalations.push({ tier: row.label ?? 'unknown', count });
      } else if (row.label === 'fail_safe') {
        failSafeDecisions += count;
      }
    }
    return { remediations, escalations, failSafeDecisions };
  }

  /**
   * Runs with a compensated step: each compensated step belongs to the run whose
   * `remediation_finished` entry is the next one on its case.
   */
  private async compensatedRuns(): Promise<number> {
    const rows = await this.query<{ n: unknown }>(
      `SELECT COUNT(*) AS n FROM (
         SELECT DISTINCT s.case_id,
                (SELECT MIN(f.seq) FROM ${this.timeline} f
                  WHERE f.case_id = s.case_id AND f.type = 'remediation_finished'
                    AND f.seq > s.seq) AS run
           FROM ${this.timeline} s
          WHERE s.type = 'remediation_step' AND ${this.detailField('s', 'status')} = 'compensated'
       ) runs`,
    );
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * Per decision: seconds since the latest tier-1 escalation before it on the same case
   * (when the case began to await that decision), bucketed in the database.
   */
  private async decisionLatency(): Promise<Map<DecidedBy, LatencyDistribution>> {
    const bucketColumns = this.latencyBounds
      .map((bound, i) => `SUM(CASE WHEN seconds <= ${Number(bound)} THEN 1 ELSE 0 END) AS b${i}`)
      .join(', ');
    const rows = await this.query<Record<string, unknown> & { decided_by: DecidedBy }>(
      `SELECT decided_by, COUNT(*) AS n, SUM(seconds) AS total${bucketColumns ? `, ${bucketColumns}` : ''}
         FROM (
           SELECT CASE WHEN d.actor = $system THEN 'fail_safe' ELSE 'person' END AS decided_by,
                  ${this.secondsBetween('e.at', 'd.at')} AS seconds
             FROM ${this.timeline} d
             JOIN ${this.timeline} e
               ON e.case_id = d.case_id
              AND e.seq = (SELECT MAX(x.seq) FROM ${this.timeline} x
                            WHERE x.case_id = d.case_id AND x.type = 'escalated'
                              AND x.seq < d.seq AND ${this.detailField('x', 'tier')} = '1')
            WHERE d.type = 'decision'
         ) latencies
        GROUP BY decided_by`,
      { system: CASE_SYSTEM_ACTOR },
    );
    const out = new Map<DecidedBy, LatencyDistribution>();
    for (const row of rows) {
      out.set(row.decided_by, {
        buckets: this.latencyBounds.map((_, i) => Number(row[`b${i}`] ?? 0)),
        count: Number(row.n),
        sumSeconds: Math.max(0, Number(row.total ?? 0)),
      });
    }
    return out;
  }

  /** Runs a statement with `$name` parameters in the dialect's placeholder style. */
  private query<T>(sql: string, named: Record<string, unknown> = {}): Promise<T[]> {
    const values: unknown[] = [];
    const text = sql.replace(/\$([a-z]+)/g, (_, name: string) => {
      values.push(named[name]);
      return this.dialect === 'postgres' ? `$${values.length}` : '?';
    });
    return this.dataSource.query(text, values) as Promise<T[]>;
  }
}
