import type {
  CaseOutcome,
  CaseState,
  DecisionInput,
  ExceptionReport,
  RecordedDecision,
  TimelineEntry,
  TimelineEntryType,
} from '../libs/contracts/src/case';
import type { CaseSnapshot } from '../libs/contracts/src/activities';
import type {
  CaseStatus,
  Disposition,
  Resolution,
  Severity,
} from '../libs/contracts/src/vocabulary';
import {
  allowedDecisions,
  canTransition,
  type DecisionCapabilities,
  outcomeOf,
} from '../libs/domain/src/case-lifecycle';
import { maxSeverity, severityRank } from '../libs/domain/src/severity';

/** Occurrences past this many are counted on the case but not each written to the timeline. */
export const OCCURRENCES_IN_TIMELINE = 25;

/** How many recent report ids the case remembers to count a redelivered report once. */
export const REMEMBERED_REPORT_IDS = 64;

const SYSTEM_ACTOR = 'vigil';

/**
 * The case's state inside the workflow. Every change bumps `revision`, so the journal knows
 * there is something to record; only the workflow mutates it, and only through these methods.
 */
export class CaseFile {
  private status: CaseStatus = 'open';
  private severity: Severity;
  private occurrences = 1;
  private lastOccurrenceAt: string;
  private resolvedAt: string | null = null;
  private resolution: Resolution | null = null;
  private disposition: Disposition | null = null;
  private decision: RecordedDecision | null = null;
  private readonly timeline: TimelineEntry[] = [];
  private readonly recentReportIds: string[];
  private revisionCounter = 0;

  constructor(
    private readonly ids: { caseId: string; workflowId: string },
    private readonly report: ExceptionReport,
    private readonly capabilities: DecisionCapabilities,
  ) {
    this.severity = report.severity;
    this.lastOccurrenceAt = report.reportedAt;
    this.recentReportIds = [report.reportId];
    this.note('opened', SYSTEM_ACTOR, `${report.kind} reported for ${report.identityId}`, {
      reportId: report.reportId,
      severity: report.severity,
      fingerprint: report.fingerprint,
    });
  }

  get currentStatus(): CaseStatus {
    return this.status;
  }

  get currentSeverity(): Severity {
    return this.severity;
  }

  get revision(): number {
    return this.revisionCounter;
  }

  get decided(): RecordedDecision | null {
    return this.decision;
  }

  get decisionCapabilities(): DecisionCapabilities {
    return this.capabilities;
  }

  /**
   * A repeat of the deviation. A report seen before is ignored: signal-with-start delivers
   * the first report both as the start input and as a signal. Returns true when it raised
   * the case's severity.
   */
  addOccurrence(report: ExceptionReport, now: string): boolean {
    if (this.recentReportIds.includes(report.reportId)) return false;
    this.recentReportIds.push(report.reportId);
    if (this.recentReportIds.length > REMEMBERED_REPORT_IDS) this.recentReportIds.shift();
    this.occurrences += 1;
    // Reports carry UTC ISO-8601 times, which compare in time order as strings.
    if (report.reportedAt > this.lastOccurrenceAt) this.lastOccurrenceAt = report.reportedAt;
    this.touch();
    if (this.occurrences <= OCCURRENCES_IN_TIMELINE) {
      this.note('occurrence', SYSTEM_ACTOR, `occurrence ${this.occurrences}`, {
        reportId: report.reportId,
        severity: report.severity,
        evidence: report.evidence,
      });
    } else if (this.occurrences === OCCURRENCES_IN_TIMELINE + 1) {
      this.note('occurrence', SYSTEM_ACTOR, 'further occurrences are counted, not listed', {
        occurrences: this.occurrences,
      });
    }
    const raised = maxSeverity(this.severity, report.severity);
    if (severityRank(raised) > severityRank(this.severity)) {
      this.note('severity_raised', SYSTEM_ACTOR, `severity ${this.severity} → ${raised}`, {
        from: this.severity,
        to: raised,
        reportId: report.reportId,
        at: now,
      });
      this.severity = raised;
      return true;
    }
    return false;
  }

  moveTo(status: CaseStatus, reason: string): void {
    if (!canTransition(this.status, status)) {
      throw new Error(`case cannot move from ${this.status} to ${status}`);
    }
    const from = this.status;
    this.status = status;
    this.note('status_changed', SYSTEM_ACTOR, `${from} → ${status}: ${reason}`, {
      from,
      to: status,
    });
  }

  /** Records an accepted decision; the validator has already checked it. */
  decide(input: DecisionInput, now: string): void {
    if (!canTransition(this.status, 'resolved')) {
      throw new Error(`case is ${this.status}; it cannot be decided`);
    }
    this.decision = { ...input, decidedAt: now };
    const { resolution, disposition } = outcomeOf(input.decision);
    this.note('decision', input.actor, `${input.decision} by ${input.actor}`, {
      decision: input.decision,
      comment: input.comment ?? null,
    });
    this.resolution = resolution;
    this.disposition = disposition;
    this.resolvedAt = now;
    this.moveTo('resolved', `decided ${input.decision}`);
    this.note('resolved', input.actor, `resolved as ${resolution}`, { resolution, disposition });
  }

  outcome(): CaseOutcome {
    if (!this.resolution || !this.disposition || !this.resolvedAt || !this.decision) {
      throw new Error('case has no outcome before it is resolved');
    }
    return {
      caseId: this.ids.caseId,
      resolution: this.resolution,
      disposition: this.disposition,
      decidedBy: this.decision.actor,
      openedAt: this.report.reportedAt,
      resolvedAt: this.resolvedAt,
      occurrences: this.occurrences,
    };
  }

  entriesAfter(seq: number): TimelineEntry[] {
    return this.timeline.filter((entry) => entry.seq > seq);
  }

  snapshot(): CaseSnapshot {
    const { timeline: _timeline, ...rest } = this.view();
    return { ...rest, revision: this.revisionCounter };
  }

  view(): CaseState {
    return {
      caseId: this.ids.caseId,
      workflowId: this.ids.workflowId,
      fingerprint: this.report.fingerprint,
      identityId: this.report.identityId,
      kind: this.report.kind,
      severity: this.severity,
      status: this.status,
      occurrences: this.occurrences,
      evidence: this.report.evidence,
      openedAt: this.report.reportedAt,
      lastOccurrenceAt: this.lastOccurrenceAt,
      resolvedAt: this.resolvedAt,
      resolution: this.resolution,
      disposition: this.disposition,
      decision: this.decision,
      allowedDecisions: allowedDecisions(this.status, this.capabilities),
      timeline: [...this.timeline],
    };
  }

  private note(
    type: TimelineEntryType,
    actor: string,
    summary: string,
    detail: Record<string, unknown>,
  ): void {
    this.timeline.push({
      seq: this.timeline.length + 1,
      at: this.timelineClock(),
      type,
      actor,
      summary,
      detail,
    });
    this.touch();
  }

  private touch(): void {
    this.revisionCounter += 1;
  }

  /** Workflow time: deterministic on replay. */
  private timelineClock(): string {
    return new Date().toISOString();
  }
}
