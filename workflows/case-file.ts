import type {
  Approval,
  CaseOutcome,
  CaseReview,
  CaseState,
  CommentInput,
  DecisionInput,
  DetectorFeedback,
  EscalationState,
  ExceptionReport,
  ProposedRemediation,
  RecordedDecision,
  TimelineEntry,
  TimelineEntryType,
} from '../libs/contracts/src/case';
import type { CaseSnapshot } from '../libs/contracts/src/activities';
import type { CaseContext, RiskAssessment } from '../libs/contracts/src/context';
import type { EscalationRoute } from '../libs/contracts/src/escalation';
import type { RemediationReport } from '../libs/contracts/src/remediation';
import type {
  CaseStatus,
  Decision,
  Disposition,
  Resolution,
  Severity,
} from '../libs/contracts/src/vocabulary';
import {
  allowedDecisions,
  approvalsNeeded,
  canTransition,
  type DecisionCapabilities,
  type DecisionFacts,
  outcomeOf,
} from '../libs/domain/src/case-lifecycle';
import { maxSeverity, severityRank } from '../libs/domain/src/severity';

/** Occurrences past this many are counted on the case but not each written to the timeline. */
export const OCCURRENCES_IN_TIMELINE = 25;

/** How many recent report ids the case remembers to count a redelivered report once. */
export const REMEMBERED_REPORT_IDS = 64;

/** Comments past this many are counted, not kept (each is also in the history as a signal). */
export const COMMENTS_IN_TIMELINE = 100;

export const SYSTEM_ACTOR = 'vigil';

const NO_ESCALATION: EscalationState = {
  tier: null,
  route: null,
  assignee: null,
  deadline: null,
  failSafe: null,
};

/**
 * Everything the case holds, as plain data: what a continued run starts from, so a case
 * whose history grew long carries on in a fresh run exactly where it was.
 */
export interface CaseFileState {
  readonly ids: { readonly caseId: string; readonly workflowId: string };
  readonly report: ExceptionReport;
  readonly review: CaseReview | null;
  readonly status: CaseStatus;
  readonly severity: Severity;
  readonly occurrences: number;
  readonly lastOccurrenceAt: string;
  readonly resolvedAt: string | null;
  readonly resolution: Resolution | null;
  readonly disposition: Disposition | null;
  readonly decision: RecordedDecision | null;
  readonly context: CaseContext | null;
  readonly risk: RiskAssessment | null;
  readonly capabilities: DecisionCapabilities;
  readonly proposedRemediation: ProposedRemediation | null;
  readonly remediation: RemediationReport | null;
  readonly approvals: readonly Approval[];
  readonly escalation: EscalationState;
  readonly acceptedUntil: string | null;
  readonly acknowledgedAt: string | null;
  readonly comments: number;
  readonly timeline: readonly TimelineEntry[];
  readonly recentReportIds: readonly string[];
  readonly revision: number;
}

/**
 * The case's state inside the workflow. Every change bumps `revision`, so the journal knows
 * there is something to record; only the workflow mutates it, and only through these methods.
 */
export class CaseFile {
  private s: {
    -readonly [K in keyof CaseFileState]: CaseFileState[K] extends readonly (infer T)[]
      ? T[]
      : CaseFileState[K];
  };
  /** A decision accepted by the update handler, for the runbook to apply. */
  private pending: RecordedDecision | null = null;
  /** The outcome is recorded: a resolved case has nothing left to do in this run. */
  private closedFlag = false;

  constructor(state: CaseFileState) {
    this.s = {
      ...state,
      approvals: [...state.approvals],
      timeline: [...state.timeline],
      recentReportIds: [...state.recentReportIds],
    };
  }

  /** A new case for a report. */
  static open(
    ids: { caseId: string; workflowId: string },
    report: ExceptionReport,
    review: CaseReview | null,
  ): CaseFile {
    const file = new CaseFile({
      ids,
      report,
      review,
      status: 'open',
      severity: report.severity,
      occurrences: 1,
      lastOccurrenceAt: report.reportedAt,
      resolvedAt: null,
      resolution: null,
      disposition: null,
      decision: null,
      context: null,
      risk: null,
      capabilities: { remediationProposed: false, containmentAvailable: false },
      proposedRemediation: null,
      remediation: null,
      approvals: [],
      escalation: NO_ESCALATION,
      acceptedUntil: null,
      acknowledgedAt: null,
      comments: 0,
      timeline: [],
      recentReportIds: [report.reportId],
      revision: 0,
    });
    if (review) {
      file.note(
        'reopened',
        SYSTEM_ACTOR,
        `review of case ${review.previousCaseId}: ${review.reason}`,
        { ...review },
      );
    }
    file.note('opened', SYSTEM_ACTOR, `${report.kind} reported for ${report.identityId}`, {
      reportId: report.reportId,
      severity: report.severity,
      fingerprint: report.fingerprint,
    });
    return file;
  }

  get caseId(): string {
    return this.s.ids.caseId;
  }

  get currentStatus(): CaseStatus {
    return this.s.status;
  }

  get currentSeverity(): Severity {
    return this.s.severity;
  }

  get revision(): number {
    return this.s.revision;
  }

  get report(): ExceptionReport {
    return this.s.report;
  }

  get context(): CaseContext | null {
    return this.s.context;
  }

  get proposed(): ProposedRemediation | null {
    return this.s.proposedRemediation;
  }

  get escalation(): EscalationState {
    return this.s.escalation;
  }

  get acceptedUntil(): string | null {
    return this.s.acceptedUntil;
  }

  get resolution(): Resolution | null {
    return this.s.resolution;
  }

  get isResolved(): boolean {
    return this.s.status === 'resolved';
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  markClosed(): void {
    this.closedFlag = true;
  }

  /** The decision waiting to be applied, if any. */
  get pendingDecision(): RecordedDecision | null {
    return this.pending;
  }

  decisionFacts(): DecisionFacts {
    return {
      status: this.s.status,
      severity: this.s.severity,
      capabilities: this.s.capabilities,
      remediationRequestedBy: this.s.proposedRemediation?.requestedBy ?? null,
      approvals: this.s.approvals,
    };
  }

  /**
   * A repeat of the deviation. A report seen before is ignored: signal-with-start delivers
   * the first report both as the start input and as a signal. Returns true when it raised
   * the case's severity.
   */
  addOccurrence(report: ExceptionReport, now: string): boolean {
    if (this.s.recentReportIds.includes(report.reportId)) return false;
    this.s.recentReportIds.push(report.reportId);
    if (this.s.recentReportIds.length > REMEMBERED_REPORT_IDS) this.s.recentReportIds.shift();
    this.s.occurrences += 1;
    const occurrences = this.s.occurrences;
    // Reports carry UTC ISO-8601 times, which compare in time order as strings.
    if (report.reportedAt > this.s.lastOccurrenceAt) this.s.lastOccurrenceAt = report.reportedAt;
    this.touch();
    if (occurrences <= OCCURRENCES_IN_TIMELINE) {
      this.note('occurrence', SYSTEM_ACTOR, `occurrence ${occurrences}`, {
        reportId: report.reportId,
        severity: report.severity,
        evidence: report.evidence,
      });
    } else if (occurrences === OCCURRENCES_IN_TIMELINE + 1) {
      this.note('occurrence', SYSTEM_ACTOR, 'further occurrences are counted, not listed', {
        occurrences,
      });
    }
    // While a risk is accepted, repeats are what was accepted: counted, not escalated.
    if (this.isResolved) return false;
    return this.raiseSeverity(report.severity, now, { reportId: report.reportId });
  }

  addComment(comment: CommentInput, now: string): void {
    this.acknowledge(now);
    this.s.comments += 1;
    if (this.s.comments <= COMMENTS_IN_TIMELINE) {
      this.note('comment', comment.actor, comment.text.slice(0, 200), { text: comment.text });
    } else {
      this.touch();
    }
  }

  moveTo(status: CaseStatus, reason: string): void {
    if (!canTransition(this.s.status, status)) {
      throw new Error(`case cannot move from ${this.s.status} to ${status}`);
    }
    const from = this.s.status;
    this.s.status = status;
    this.note('status_changed', SYSTEM_ACTOR, `${from} → ${status}: ${reason}`, {
      from,
      to: status,
    });
  }

  setContext(context: CaseContext): void {
    this.s.context = context;
    const related = context.relatedCases.length;
    this.note(
      'context_gathered',
      SYSTEM_ACTOR,
      `context gathered: ${context.recentEvents.length} recent events, ${related} related cases`,
      { identityKnown: context.identity !== null, relatedCases: related },
    );
  }

  assess(risk: RiskAssessment, now: string): boolean {
    this.s.risk = risk;
    this.note('risk_assessed', SYSTEM_ACTOR, `risk ${risk.score} (${risk.severity})`, {
      score: risk.score,
      severity: risk.severity,
      factors: risk.factors,
    });
    return this.raiseSeverity(risk.severity, now, { reason: 'risk assessment' });
  }

  /** What the case can act on; an offered remediation is proposed by `requestedBy`. */
  offer(proposed: ProposedRemediation | null, containmentAvailable: boolean): void {
    this.s.proposedRemediation = proposed;
    this.s.approvals = [];
    this.s.capabilities = { remediationProposed: proposed !== null, containmentAvailable };
    if (proposed) {
      this.note(
        'remediation_proposed',
        proposed.requestedBy,
        `playbook ${proposed.playbookId} v${proposed.playbookVersion} proposed`,
        { ...proposed },
      );
    } else {
      this.touch();
    }
  }

  remediationStarted(playbookId: string, trigger: RemediationReport['trigger']): void {
    this.note('remediation_started', SYSTEM_ACTOR, `${trigger} run of ${playbookId}`, {
      playbookId,
      trigger,
    });
  }

  remediationStep(step: RemediationReport['steps'][number]): void {
    this.note('remediation_step', SYSTEM_ACTOR, `${step.step}: ${step.status}`, { ...step });
  }

  remediationFinished(report: RemediationReport): void {
    this.s.remediation = report;
    this.note(
      'remediation_finished',
      SYSTEM_ACTOR,
      `${report.playbookId}: ${report.outcome}` +
        (report.failure ? ` at ${report.failure.step}: ${report.failure.message}` : ''),
      { outcome: report.outcome, failure: report.failure },
    );
  }

  escalateTo(
    tier: 1 | 2,
    route: EscalationRoute,
    assignee: string,
    deadline: string,
    failSafe: Decision,
  ): void {
    this.s.escalation = { tier, route, assignee, deadline, failSafe };
    this.moveTo(tier === 1 ? 'awaiting_decision' : 'escalated', `tier ${tier}: ${assignee}`);
    this.note('escalated', SYSTEM_ACTOR, `tier ${tier} → ${assignee}, due ${deadline}`, {
      tier,
      route,
      assignee,
      deadline,
      failSafe,
    });
  }

  remind(minutesLeft: number): void {
    this.note('reminder', SYSTEM_ACTOR, `reminder: ${minutesLeft} minutes to the deadline`, {
      tier: this.s.escalation.tier,
      deadline: this.s.escalation.deadline,
    });
  }

  notificationFailed(type: string, message: string): void {
    this.note('notification_failed', SYSTEM_ACTOR, `${type} could not be sent: ${message}`, {
      type,
      message,
    });
  }

  /**
   * Takes a decision the validator accepted. One that needs a second person only records
   * the approval; returns whether the decision is now complete.
   */
  takeDecision(input: DecisionInput, now: string): boolean {
    this.acknowledge(now);
    const needed = approvalsNeeded(this.s.severity, input.decision);
    const given = this.s.approvals.filter((a) => a.decision === input.decision).length;
    if (given + 1 < needed) {
      this.s.approvals.push({ decision: input.decision, actor: input.actor, at: now });
      this.note(
        'approval',
        input.actor,
        `${input.decision} approved by ${input.actor}; needs ${needed - given - 1} more`,
        { decision: input.decision, comment: input.comment ?? null },
      );
      return false;
    }
    const recorded: RecordedDecision = { ...input, decidedAt: now };
    this.s.decision = recorded;
    this.pending = recorded;
    const others = this.s.approvals
      .filter((a) => a.decision === input.decision)
      .map((a) => a.actor);
    this.note('decision', input.actor, `${input.decision} by ${input.actor}`, {
      decision: input.decision,
      comment: input.comment ?? null,
      ...(others.length > 0 ? { approvedWith: others } : {}),
    });
    return true;
  }

  /** The runbook has taken the pending decision in hand. */
  clearPending(): void {
    this.pending = null;
  }

  /** The decision the case closes on, when the last deadline passed without one. */
  expire(failSafe: Decision, now: string): RecordedDecision {
    const recorded: RecordedDecision = {
      decision: failSafe,
      actor: SYSTEM_ACTOR,
      role: 'admin',
      comment: 'no decision before the last deadline: the fail-safe default applies',
      decidedAt: now,
    };
    this.s.decision = recorded;
    this.note('decision', SYSTEM_ACTOR, `${failSafe} by default: every deadline passed`, {
      decision: failSafe,
      expiredDefault: true,
    });
    return recorded;
  }

  resolve(
    resolution: Resolution,
    disposition: Disposition,
    actor: string,
    now: string,
    reason: string,
  ): void {
    if (!canTransition(this.s.status, 'resolved')) {
      throw new Error(`case is ${this.s.status}; it cannot be resolved again`);
    }
    this.s.resolution = resolution;
    this.s.disposition = disposition;
    this.s.resolvedAt = now;
    this.s.escalation = { ...this.s.escalation, deadline: null };
    this.moveTo('resolved', reason);
    this.note('resolved', actor, `resolved as ${resolution}`, { resolution, disposition });
  }

  /** Resolution and disposition a decision gives the case. */
  outcomeOfDecision(decision: Decision): { resolution: Resolution; disposition: Disposition } {
    return outcomeOf(decision);
  }

  acceptUntil(until: string, actor: string): void {
    this.s.acceptedUntil = until;
    this.note('risk_accepted_until', actor, `risk accepted until ${until}`, { until });
  }

  outcome(): CaseOutcome {
    const s = this.s;
    if (!s.resolution || !s.disposition || !s.resolvedAt) {
      throw new Error('case has no outcome before it is resolved');
    }
    return {
      caseId: s.ids.caseId,
      resolution: s.resolution,
      disposition: s.disposition,
      // A case remediated on its own was decided by no one but Vigil.
      decidedBy: s.decision?.actor ?? SYSTEM_ACTOR,
      openedAt: s.report.reportedAt,
      resolvedAt: s.resolvedAt,
      occurrences: s.occurrences,
      acknowledgedAt: s.acknowledgedAt,
      feedback: this.feedback(),
      acceptedUntil: s.acceptedUntil,
    };
  }

  entriesAfter(seq: number): TimelineEntry[] {
    return this.s.timeline.filter((entry) => entry.seq > seq);
  }

  snapshot(): CaseSnapshot {
    const { timeline: _timeline, ...rest } = this.view();
    return { ...rest, revision: this.s.revision };
  }

  /** The state to carry into a continued run. */
  carry(): CaseFileState {
    return {
      ...this.s,
      approvals: [...this.s.approvals],
      timeline: [...this.s.timeline],
      recentReportIds: [...this.s.recentReportIds],
    };
  }

  view(): CaseState {
    const s = this.s;
    return {
      caseId: s.ids.caseId,
      workflowId: s.ids.workflowId,
      fingerprint: s.report.fingerprint,
      identityId: s.report.identityId,
      kind: s.report.kind,
      severity: s.severity,
      status: s.status,
      occurrences: s.occurrences,
      evidence: s.report.evidence,
      openedAt: s.report.reportedAt,
      lastOccurrenceAt: s.lastOccurrenceAt,
      resolvedAt: s.resolvedAt,
      resolution: s.resolution,
      disposition: s.disposition,
      decision: s.decision,
      allowedDecisions: allowedDecisions(s.status, s.capabilities),
      context: s.context,
      risk: s.risk,
      proposedRemediation: s.proposedRemediation,
      remediation: s.remediation,
      approvals: [...s.approvals],
      escalation: s.escalation,
      acceptedUntil: s.acceptedUntil,
      review: s.review,
      timeline: [...s.timeline],
    };
  }

  private feedback(): DetectorFeedback {
    const s = this.s;
    const evidence = s.report.evidence;
    return {
      caseId: s.ids.caseId,
      detector: s.report.kind,
      identityId: s.report.identityId,
      identityKind: s.context?.identity?.kind ?? null,
      disposition: s.disposition!,
      resolution: s.resolution!,
      severity: s.severity,
      score: typeof evidence.score === 'number' ? evidence.score : null,
      value: typeof evidence.value === 'string' ? evidence.value : null,
      dimension: dimensionOf(evidence, s.report.kind),
      excluded: s.decision?.excludeFromLearning === true,
      reason: s.decision?.comment ?? `${s.resolution} by ${s.decision?.actor ?? SYSTEM_ACTOR}`,
      decidedBy: s.decision?.actor ?? SYSTEM_ACTOR,
      at: s.resolvedAt!,
    };
  }

  private raiseSeverity(to: Severity, now: string, why: Record<string, unknown>): boolean {
    const raised = maxSeverity(this.s.severity, to);
    if (severityRank(raised) <= severityRank(this.s.severity)) return false;
    this.note('severity_raised', SYSTEM_ACTOR, `severity ${this.s.severity} → ${raised}`, {
      from: this.s.severity,
      to: raised,
      ...why,
      at: now,
    });
    this.s.severity = raised;
    return true;
  }

  private acknowledge(now: string): void {
    if (this.s.acknowledgedAt === null) this.s.acknowledgedAt = now;
  }

  private note(
    type: TimelineEntryType,
    actor: string,
    summary: string,
    detail: Record<string, unknown>,
  ): void {
    this.s.timeline.push({
      seq: this.s.timeline.length + 1,
      at: new Date().toISOString(),
      type,
      actor,
      summary,
      detail,
    });
    this.touch();
  }

  private touch(): void {
    this.s.revision += 1;
  }
}

/** The dimension a case's value lives in, as detection recorded it (see deviationDimension). */
function dimensionOf(evidence: Readonly<Record<string, unknown>>, kind: string): string {
  if (typeof evidence.dimension === 'string') return evidence.dimension;
  const details = evidence.details;
  if (details !== null && typeof details === 'object' && !Array.isArray(details)) {
    const dimension = (details as Record<string, unknown>).dimension;
    if (typeof dimension === 'string' && dimension.length > 0) return dimension;
  }
  return kind;
}
