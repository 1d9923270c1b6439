import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Counter, Gauge, type Metric } from 'prom-client';
import { CASE_STATUSES } from '@vigil/contracts';
import { CaseStatistics, type CaseStatisticsSnapshot } from '@vigil/persistence';
import { ApiMetrics } from './api-metrics';

/** How long one reading of the case tables answers scrapes. */
export const CASE_METRICS_TTL_MS = 5_000;

/** Seconds from escalation to decision: a minute to a week. */
export const DECISION_LATENCY_BUCKETS = [
  60, 300, 900, 1800, 3600, 7200, 14_400, 28_800, 86_400, 172_800, 604_800,
];

const DECISION_LATENCY = {
  name: 'vigil_decision_latency_seconds',
  help: 'Time from a case starting to await a decision (tier-1 escalation) to its decision; decided_by="fail_safe" when every deadline passed.',
} as const;

/**
 * A histogram whose buckets the database counts at scrape time: registered with the
 * registry as a metric of its own, since prom-client's Histogram only counts observations
 * made in this process.
 */
class DecisionLatencyHistogram {
  readonly name = DECISION_LATENCY.name;
  readonly help = DECISION_LATENCY.help;
  readonly type = 'histogram';
  readonly aggregator = 'sum';

  constructor(private readonly read: () => Promise<CaseStatisticsSnapshot | null>) {}

  async get() {
    const snapshot = await this.read();
    const values: Array<{
      metricName: string;
      labels: Record<string, string | number>;
      value: number;
    }> = [];
    for (const [decidedBy, d] of snapshot?.decisionLatency ?? []) {
      const labels = { decided_by: decidedBy };
      const bucket = (le: number | string, value: number) =>
        values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le }, value });
      DECISION_LATENCY_BUCKETS.forEach((le, i) => bucket(le, d.buckets[i] ?? 0));
      bucket('+Inf', d.count);
      values.push({ metricName: `${this.name}_sum`, labels, value: d.sumSeconds });
      values.push({ metricName: `${this.name}_count`, labels, value: d.count });
    }
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      values,
      aggregator: this.aggregator,
    };
  }

  reset(): void {
    // Nothing is kept in this process.
  }
}

/**
 * What the worker does — cases, remediations, escalations, deadlines — read from the case
 * tables when Prometheus scrapes, so every API instance reports the same figures across
 * processes and restarts. One reading serves all scrapes for CASE_METRICS_TTL_MS.
 */
@Injectable()
export class CaseMetrics {
  private readonly logger = new Logger(CaseMetrics.name);
  private readonly statistics: CaseStatistics;
  private cached: { at: number; reading: Promise<CaseStatisticsSnapshot | null> } | null = null;

  constructor(dataSource: DataSource, metrics: ApiMetrics) {
    this.statistics = new CaseStatistics(dataSource, DECISION_LATENCY_BUCKETS);
    const registers = [metrics.registry];
    const read = () => this.read();

    new Gauge({
      name: 'vigil_case_metrics_up',
      help: '1 when the case tables could be read for this scrape; 0 when the database failed (the case metrics are then absent).',
      registers,
      async collect() {
        this.set((await read()) ? 1 : 0);
      },
    });

    new Gauge({
      name: 'vigil_cases',
      help: 'Cases by status.',
      labelNames: ['status'] as const,
      registers,
      async collect() {
        const snapshot = await read();
        this.reset();
        if (!snapshot) return;
        for (const status of CASE_STATUSES) this.set({ status }, 0);
        for (const { status, count } of snapshot.casesByStatus) this.set({ status }, count);
      },
    });

    new Counter({
      name: 'vigil_cases_opened_total',
      help: 'Cases opened, by detector (exception kind) and current severity.',
      labelNames: ['detector', 'severity'] as const,
      registers,
      async collect() {
        const snapshot = await read();
        this.reset();
        for (const row of snapshot?.exceptions ?? []) {
          this.inc({ detector: row.detector, severity: row.severity }, row.cases);
        }
      },
    });

    new Counter({
      name: 'vigil_exceptions_total',
      help: 'Exceptions raised, by detector (exception kind) and severity: every report, repeats that joined an open case included.',
      labelNames: ['detector', 'severity'] as const,
      registers,
      async collect() {
        const snapshot = await read();
        this.reset();
        for (const row of snapshot?.exceptions ?? []) {
          this.inc({ detector: row.detector, severity: row.severity }, row.occurrences);
        }
      },
    });

    new Counter({
      name: 'vigil_remediations_total',
      help: 'Finished remediation runs by outcome: succeeded, failed, unverified.',
      labelNames: ['outcome'] as const,
      registers,
      async collect() {
        const snapshot = await read();
        this.reset();
        if (!snapshot) return;
        for (const outcome of ['succeeded', 'failed', 'unverified']) this.inc({ outcome }, 0);
        for (const { outcome, count } of snapshot.remediations) this.inc({ outcome }, count);
      },
    });

    new Counter({
      name: 'vigil_remediations_compensated_total',
      help: 'Remediation runs whose applied steps were undone (compensated) after a later step failed.',
      registers,
      async collect() {
        const snapshot = await read();
        this.reset();
        if (snapshot) this.inc(snapshot.remediationsCompensated);
      },
    });

    new Counter({
      name: 'vigil_escalations_total',
      help: 'Escalations to people, by tier (1: the case awaits a decision; 2: re-escalated after the tier-1 deadline).',
      labelNames: ['tier'] as const,
      registers,
      async collect() {
        const snapshot = await read();
        this.reset();
        if (!snapshot) return;
        for (const tier of ['1', '2']) this.inc({ tier }, 0);
        for (const { tier, count } of snapshot.escalations) this.inc({ tier }, count);
      },
    });

    new Counter({
      name: 'vigil_sla_breaches_total',
      help: 'Decision deadlines that passed without a decision: deadline="tier1" (re-escalated), deadline="final" (fail-safe default applied).',
      labelNames: ['deadline'] as const,
      registers,
      async collect() {
        const snapshot = await read();
        this.reset();
        if (!snapshot) return;
        const tier2 = snapshot.escalations.find((e) => e.tier === '2')?.count ?? 0;
        this.inc({ deadline: 'tier1' }, tier2);
        this.inc({ deadline: 'final' }, snapshot.failSafeDecisions);
      },
    });

    metrics.registry.registerMetric(new DecisionLatencyHistogram(read) as unknown as Metric);
  }

  /** The current reading of the case tables, or null when the database failed. */
  read(): Promise<CaseStatisticsSnapshot | null> {
    const now = Date.now();
    if (this.cached && now - this.cached.at < CASE_METRICS_TTL_MS) return this.cached.reading;
    const reading = this.statistics.snapshot().catch((error: unknown) => {
      this.logger.warn(
        `case metrics unavailable: ${error instanceof Error ? error.message : String(error)}`,
      );
      return null;
    });
    this.cached = { at: now, reading };
    return reading;
  }
}
