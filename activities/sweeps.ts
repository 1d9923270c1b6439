import { createHash } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import {
  caseWorkflowId,
  type ExceptionReport,
  type SweepActivities,
  type SweepPageInput,
  type SweepPageResult,
  type SweptFinding,
} from '@vigil/contracts';
import {
  DEFAULT_SWEEP_SETTINGS,
  dormancyStep,
  statelessFindings,
  sweepReport,
  type DormancyMark,
  type SweepFinding,
  type SweepSettings,
  type SweepSubject,
} from '@vigil/domain';
import {
  BaselineStore,
  DormancyMarkStore,
  IdentityStore,
  recentlyResolved,
  type StoredIdentity,
} from '@vigil/persistence';
import { reportToCase } from '@vigil/temporal';

const DAY_MS = 86_400_000;
/** Identities per activity call: one page of the inventory and its baselines in memory. */
export const SWEEP_PAGE_SIZE = 500;

export interface SweepDeps {
  readonly dataSource: DataSource;
  readonly temporal?: { readonly client: Client; readonly taskQueue: string };
  readonly sweepSettings?: SweepSettings;
}

/**
 * Sweeps one page of the inventory: loads the identities and their baselines, finds what the
 * sweep looks for as of the run's time, and reports each finding to its case. Safe to retry:
 * a report's id is derived from the run and the fingerprint, so a repeated delivery counts
 * once; dormancy marks are written after the reports they depend on.
 */
export function createSweepActivities(deps: SweepDeps): SweepActivities {
  const settings = deps.sweepSettings ?? DEFAULT_SWEEP_SETTINGS;
  const identities = new IdentityStore(deps.dataSource);
  const baselines = new BaselineStore(deps.dataSource);
  const marks = new DormancyMarkStore(deps.dataSource);

  return {
    async sweepIdentities(input: SweepPageInput): Promise<SweepPageResult> {
      const temporal = deps.temporal;
      if (!temporal) {
        throw ApplicationFailure.nonRetryable(
          'the worker has no Temporal client to report sweep findings with',
          'SweepNotConfigured',
        );
      }
      const asOf = Date.parse(input.asOf);
      const page = await identities.list({
        limit: SWEEP_PAGE_SIZE,
        ...(input.cursor !== null ? { cursor: input.cursor } : {}),
      });
      const snapshots = await baselines.load(page.items.map((i) => i.id));
      const subjects: SweepSubject[] = page.items.map((identity) => ({
        identity,
        baseline: snapshots.get(identity.id)!,
      }));

      const found: SweepFinding[] = [];
      const marksToSet: DormancyMark[] = [];
      const marksToClear: string[] = [];
      if (input.sweep === 'dormant_identity') {
        const stored = await marks.load(subjects.map((s) => s.identity.id));
        for (const subject of subjects) {
          const step = dormancyStep(
            subject,
            stored.get(subject.identity.id) ?? null,
            asOf,
            settings,
          );
          if (step.finding) found.push(step.finding);
          if (step.mark === 'set' && step.markValue) marksToSet.push(step.markValue);
          if (step.mark === 'clear') marksToClear.push(subject.identity.id);
        }
      } else {
        for (const subject of subjects) {
          found.push(...statelessFindings(input.sweep, subject, asOf, settings));
        }
      }

      const byId = new Map<string, StoredIdentity>(page.items.map((i) => [i.id, i]));
      const reports = found.map((finding) =>
        sweepReport(finding, byId.get(finding.identityId)!, {
          reportId: reportIdOf(input.sweepRunId, finding, asOf),
          asOf,
          sweepRunId: input.sweepRunId,
        }),
      );
      const quiet = await recentlyResolved(
        deps.dataSource,
        reports.map((r) => caseWorkflowId(r.fingerprint)),
        new Date(asOf - settings.quietDays * DAY_MS),
      );
      const findings: SweptFinding[] = [];
      let suppressed = 0;
      for (const report of reports) {
        if (quiet.has(caseWorkflowId(report.fingerprint))) {
          suppressed += 1;
          continue;
        }
        const delivered = await reportToCase(temporal.client, temporal.taskQueue, report);
        findings.push(sweptFinding(report, delivered));
        heartbeat(findings.length);
      }
      // After the reports: a mark cleared before its report was delivered would lose the wake-up.
      await marks.set(marksToSet);
      await marks.clear(marksToClear);
      return { scanned: page.items.length, findings, suppressed, nextCursor: page.nextCursor };
    },
  };
}

/** The same finding in the same run gets the same report id, on every retry. */
function reportIdOf(sweepRunId: string, finding: SweepFinding, asOf: number): string {
  const hex = createHash('sha256')
    .update(`${sweepRunId}\n${finding.identityId}\n${finding.kind}\n${finding.value}\n${asOf}`)
    .digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function sweptFinding(
  report: ExceptionReport,
  delivered: { caseId: string; workflowId: string; deduplicated: boolean },
): SweptFinding {
  return {
    identityId: report.identityId,
    fingerprint: report.fingerprint,
    severity: report.severity,
    reason: String(report.evidence.reason ?? ''),
    caseId: delivered.caseId,
    workflowId: delivered.workflowId,
    deduplicated: delivered.deduplicated,
  };
}

function heartbeat(progress: number): void {
  try {
    Context.current().heartbeat(progress);
  } catch {
    // Called outside an activity (a direct unit call): nothing to report progress to.
  }
}
