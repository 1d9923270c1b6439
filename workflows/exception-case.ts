import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  makeContinueAsNewFunc,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import type { CaseActivities, CasePlan } from '../libs/contracts/src/activities';
import {
  DECISION_REJECTIONS,
  type CaseInput,
  type CaseOutcome,
  type DecisionInput,
  type RemediationRequestInput,
  type ExceptionReport,
  type RecordedDecision,
} from '../libs/contracts/src/case';
import type { CaseContext } from '../libs/contracts/src/context';
import {
  commentSignal,
  decideUpdate,
  occurrenceSignal,
  requestRemediationUpdate,
  stateQuery,
} from '../libs/contracts/src/messages';
import type {
  Playbook,
  PlaybookPreview,
  RemediationReport,
} from '../libs/contracts/src/remediation';
import {
  VigilCaseStatus,
  VigilExceptionKind,
  VigilIdentity,
  VigilSeverity,
} from '../libs/contracts/src/search-attributes';
import { assessRisk } from '../libs/domain/src/case/risk';
import {
  checkComment,
  refuseDecision,
  refuseRemediationRequest,
  type DecisionRefusal,
} from '../libs/domain/src/case-lifecycle';
import { DEFAULT_ESCALATION_POLICIES } from '../libs/domain/src/remediation/escalation';
import { previewPlaybook, withinCeiling } from '../libs/domain/src/remediation/playbooks';
import { CaseFile, SYSTEM_ACTOR, type CaseFileState } from './case-file';
import { escalate, notify, type EscalationProgress } from './escalation';
import { startJournal } from './journal';
import { legacyExceptionCase } from './legacy-case';
import { runPlaybook } from './remediation';

/**
 * A case waiting for a decision hands over to a fresh run, carrying its state and its
 * deadlines, once its history is this long (or the server suggests it): a case flooded
 * with occurrences never grows without bound.
 */
export const CONTINUE_AS_NEW_AFTER_EVENTS = 1_000;

function historyIsLong(): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > CONTINUE_AS_NEW_AFTER_EVENTS;
}

/** Cases started before the full runbook keep the walking skeleton's path on replay. */
export const RUNBOOK_PATCH = 'vigil-runbook-1';

const DAY_MS = 86_400_000;
/** An accepted risk lasts this long when the decision names no expiry. */
export const DEFAULT_ACCEPT_RISK_DAYS = 30;

/** Accepted risks end their allowance when they expire (cases accepted before keep none). */
export const ALLOWANCE_LAPSE_PATCH = 'vigil-allowance-lapse-1';

/** Decisions and proposals have their actor checked against the key store (earlier ones did not). */
export const ACTOR_CHECK_PATCH = 'vigil-actor-check-1';

const { recordCaseProgress, recordCaseOutcome, lapseAllowances } = proxyActivities<CaseActivities>({
  startToCloseTimeout: '30 seconds',
  // A database outage must delay the record, never lose it: retry without an attempt limit.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * A decision's actor is checked against the key store; if the store stays unreachable for
 * about half a minute the decision is refused (the client may send it again), not held.
 */
const { verifyActor } = proxyActivities<CaseActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumAttempts: 5 },
});

/**
 * Context and planning are retried for about five minutes; a case that still has neither
 * goes on to a human with what it has, rather than waiting for the database.
 */
const { gatherCaseContext, planCase, loadPlaybook } = proxyActivities<CaseActivities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 8,
  },
});

/** What a continued run starts from: the case, its plan, and where its escalation was. */
export interface CarriedCase {
  readonly file: CaseFileState;
  readonly plan: CasePlan;
  readonly round: number;
  readonly escalation: EscalationProgress | null;
  /** Recorded journal position, so the new run does not rewrite the timeline. */
  readonly recorded: { readonly revision: number; readonly seq: number };
}

export type ExceptionCaseInput = CaseInput & { readonly carried?: CarriedCase };

/**
 * The runbook for one exception:
 *  1. gather context: the identity, its recent activity and baseline, related cases;
 *  2. assess risk, which may raise the severity;
 *  3. if a playbook matches and the case is inside its automatic ceiling, remediate: on
 *     success the case closes as auto_remediated; a failure goes to a human, attached;
 *  4. escalate: tier 1 with a deadline and a reminder, then tier 2, then the fail-safe
 *     default for the severity;
 *  5. apply the decision: run the approved remediation or the containment, accept the risk
 *     until it expires, or close as rejected or a false positive;
 *  6. record the outcome and the detector's feedback;
 *  7. an accepted risk comes back for review when it expires.
 */
export async function exceptionCase(input: ExceptionCaseInput): Promise<CaseOutcome> {
  if (!patched(RUNBOOK_PATCH)) return legacyExceptionCase(input);
  const info = workflowInfo();
  const carried = input.carried ?? null;
  const file = carried
    ? new CaseFile(carried.file)
    : CaseFile.open(
        { caseId: input.review?.caseId ?? info.firstExecutionRunId, workflowId: info.workflowId },
        input.report,
        input.review ?? null,
      );

  setHandler(stateQuery, () => file.view());
  setHandler(occurrenceSignal, (report) => {
    if (file.addOccurrence(report, now())) publishSeverity(file);
  });
  setHandler(commentSignal, (comment) => {
    if (checkComment(comment) === null) file.addComment(comment, now());
  });

  publishCase(file);
  const journal = startJournal(file, recordCaseProgress, carried?.recorded);
  let plan: CasePlan = carried?.plan ?? {
    playbook: null,
    containment: null,
    escalation: DEFAULT_ESCALATION_POLICIES[file.currentSeverity],
  };
  let round = carried?.round ?? 1;
  let resume = carried?.escalation ?? null;
  registerDecisionHandlers(file, journal.flush, () => plan);

  if (!carried) {
    // 1. Gather context.
    file.moveTo('triaging', 'gathering context');
    publishStatus(file);
    const context = await gatherContext(file);
    // 2. Assess risk.
    if (context && file.assess(assessRisk(file.report, context, file.view().occurrences), now())) {
      publishSeverity(file);
    }
    // 3. Plan: the playbook, the containment and the escalation policy for the severity.
    plan = await planFor(file, context, plan);
    offer(file, plan, plan.playbook, SYSTEM_ACTOR);

    const playbook = plan.playbook;
    const identity = context?.identity ?? null;
    if (playbook && identity) {
      const ceiling = withinCeiling(playbook, file.currentSeverity, identity.criticality);
      if (ceiling.automatic) {
        const report = await remediate(file, playbook, 'automatic', round);
        if (report.outcome === 'succeeded') {
          file.resolve('auto_remediated', 'true_positive', SYSTEM_ACTOR, now(), 'remediated');
          publishStatus(file);
          return close(file, journal.flush);
        }
        await remediationFailed(file, report);
        round += 1;
      }
    }
  }

  const handOver = (escalation: EscalationProgress | null) => {
    const continueCase = makeContinueAsNewFunc<typeof exceptionCase>(
      input.review ? { memo: { caseId: file.caseId } } : {},
    );
    return continueCase({
      report: input.report,
      review: input.review,
      carried: { file: file.carry(), plan, round, escalation, recorded: journal.position() },
    });
  };

  if (!file.isResolved) {
    // 4–5. Escalate until a decision is applied.
    for (;;) {
      let progress: EscalationProgress | null = null;
      const result = await escalate(
        file,
        plan.escalation,
        resume,
        historyIsLong,
        (at) => (progress = at),
        round,
        () => publishStatus(file),
      );
      publishStatus(file);
      if (result === 'continue') {
        await journal.flush();
        await condition(allHandlersFinished);
        return handOver(progress);
      }
      resume = null;
      const expired = result === 'expired';
      const decision = expired
        ? file.expire(plan.escalation.failSafe.decision, now())
        : file.pendingDecision!;
      if (await apply(file, plan, decision, expired, round)) break;
      round += 1;
    }
    publishStatus(file);

    // 6. Record the outcome and the detector's feedback.
    const outcome = await close(file, journal.flush);
    if (file.acceptedUntil === null) return outcome;
  }

  // 7. An accepted risk comes back for review when it expires; repeats meanwhile are
  // counted on the case, and a long wait hands over to a fresh run like escalation does.
  const until = file.acceptedUntil!;
  for (;;) {
    const remainingMs = Date.parse(until) - Date.now();
    if (remainingMs <= 0) break;
    if (await condition(historyIsLong, remainingMs)) {
      await journal.flush();
      await condition(allHandlersFinished);
      return handOver(null);
    }
  }
  await condition(allHandlersFinished);
  if (patched(ALLOWANCE_LAPSE_PATCH)) await lapseAllowances({ caseId: file.caseId });
  const review = {
    caseId: uuid4(),
    previousCaseId: file.caseId,
    reason: `the risk accepted until ${until} expired`,
    acceptedBy: file.view().decision?.actor ?? SYSTEM_ACTOR,
    acceptedAt: file.view().resolvedAt ?? until,
    expiredAt: now(),
  };
  const report: ExceptionReport = {
    ...input.report,
    reportId: `${review.caseId}:review`,
    reportedAt: review.expiredAt,
  };
  // The memo names the case a later run of this workflow holds, for lookups by workflow id.
  const continueAsReview = makeContinueAsNewFunc<typeof exceptionCase>({
    memo: { caseId: review.caseId },
  });
  return continueAsReview({ report, review });
}

function now(): string {
  return new Date().toISOString();
}

async function gatherContext(file: CaseFile): Promise<CaseContext | null> {
  try {
    const context = await gatherCaseContext({
      caseId: file.caseId,
      workflowId: file.view().workflowId,
      report: file.report,
    });
    file.setContext(context);
    return context;
  } catch (error) {
    file.notificationFailed('context', messageOf(error));
    return null;
  }
}

async function planFor(
  file: CaseFile,
  context: CaseContext | null,
  fallback: CasePlan,
): Promise<CasePlan> {
  try {
    return await planCase({
      caseId: file.caseId,
      report: file.report,
      severity: file.currentSeverity,
      identityKind: context?.identity?.kind ?? null,
    });
  } catch (error) {
    file.notificationFailed('plan', messageOf(error));
    return fallback;
  }
}

/** Offers `playbook` for approval (when there is one) and containment when it exists. */
function offer(
  file: CaseFile,
  plan: CasePlan,
  playbook: Playbook | null,
  requestedBy: string,
): void {
  const identity = file.context?.identity ?? null;
  const preview = playbook && identity ? previewFor(file, playbook) : null;
  const proposed =
    playbook && preview && !('error' in preview)
      ? {
          playbookId: playbook.id,
          playbookVersion: playbook.version,
          requestedBy,
          requestedAt: now(),
          preview,
        }
      : null;
  if (preview && 'error' in preview) file.notificationFailed('remediation proposal', preview.error);
  file.offer(proposed, plan.containment !== null && identity !== null);
}

/** The playbook resolved for this case, or why it cannot be (a step names what the case lacks). */
function previewFor(file: CaseFile, playbook: Playbook): PlaybookPreview | { error: string } {
  try {
    return previewPlaybook(playbook, {
      caseId: file.caseId,
      identity: file.context?.identity ?? null,
      report: file.report,
      severity: file.currentSeverity,
    });
  } catch (error) {
    return { error: messageOf(error) };
  }
}

/** Runs a playbook on the case; step keys are `caseId:step` on a case's first run. */
async function remediate(
  file: CaseFile,
  playbook: Playbook,
  trigger: RemediationReport['trigger'],
  round: number,
): Promise<RemediationReport> {
  file.moveTo('remediating', `${trigger} run of ${playbook.id}`);
  publishStatus(file);
  file.remediationStarted(playbook.id, trigger);
  file.clearPending();
  const preview = previewFor(file, playbook);
  let report: RemediationReport;
  if ('error' in preview) {
    report = {
      playbookId: playbook.id,
      playbookVersion: playbook.version,
      trigger,
      outcome: 'failed',
      steps: [],
      failure: { step: '-', message: preview.error, type: 'PlaybookTemplateError' },
    };
  } else {
    const suffix = round === 1 ? '' : `#${round}`;
    const requests = preview.steps.map(({ verify: _v, compensate: _c, ...step }) => ({
      ...step,
      caseId: file.caseId,
      idempotencyKey: `${file.caseId}:${step.step}${suffix}`,
    }));
    report = await runPlaybook(playbook, requests, trigger, (step) => file.remediationStep(step));
  }
  file.remediationFinished(report);
  return report;
}

async function remediationFailed(file: CaseFile, report: RemediationReport): Promise<void> {
  await notify(
    file,
    'remediation_failed',
    `remediation:${report.playbookId}:${report.trigger}`,
    `${report.playbookId} ${report.outcome} on ${file.report.identityId}; a person must decide`,
    { remediation: report },
  );
}

/**
 * Applies a decision; true when the case is resolved, false when a remediation it asked
 * for failed and the case goes back to a person.
 */
async function apply(
  file: CaseFile,
  plan: CasePlan,
  decision: RecordedDecision,
  expired: boolean,
  round: number,
): Promise<boolean> {
  try {
    return await applyDecision(file, plan, decision, expired, round);
  } finally {
    file.clearPending();
  }
}

/**
 * The decision's effect. The pending decision is cleared (so its update answers) once the
 * case shows the effect: resolved, remediating, or back with a person.
 */
async function applyDecision(
  file: CaseFile,
  plan: CasePlan,
  decision: RecordedDecision,
  expired: boolean,
  round: number,
): Promise<boolean> {
  const by = decision.actor;
  const resolved = (
    resolution: Parameters<CaseFile['resolve']>[0],
    disposition: Parameters<CaseFile['resolve']>[1],
  ): true => {
    file.resolve(
      expired ? 'expired_default' : resolution,
      expired ? 'undetermined' : disposition,
      by,
      now(),
      expired ? `fail-safe ${decision.decision}` : `decided ${decision.decision}`,
    );
    return true;
  };
  switch (decision.decision) {
    case 'approve_remediation':
    case 'contain': {
      const containing = decision.decision === 'contain';
      const playbook = containing ? plan.containment : await proposedPlaybook(file, plan);
      if (!playbook || !file.context?.identity) {
        file.notificationFailed(decision.decision, 'no playbook is available to carry it out');
        offer(file, plan, null, SYSTEM_ACTOR);
        return false;
      }
      const report = await remediate(
        file,
        playbook,
        containing ? 'containment' : 'approved',
        round,
      );
      if (report.outcome === 'succeeded') {
        return containing
          ? resolved('contained', 'true_positive')
          : resolved('remediated_on_approval', 'true_positive');
      }
      await remediationFailed(file, report);
      offer(file, plan, null, SYSTEM_ACTOR);
      return false;
    }
    case 'accept_risk': {
      const days =
        decision.acceptRiskDays ??
        (expired ? plan.escalation.failSafe.acceptRiskDays : null) ??
        DEFAULT_ACCEPT_RISK_DAYS;
      resolved('accepted_risk', 'benign_expected');
      file.acceptUntil(new Date(Date.now() + days * DAY_MS).toISOString(), by);
      return true;
    }
    case 'reject':
      return resolved('rejected', 'undetermined');
    case 'false_positive':
      return resolved('false_positive', 'false_positive');
  }
}

async function proposedPlaybook(file: CaseFile, plan: CasePlan): Promise<Playbook | null> {
  const proposed = file.proposed;
  if (!proposed) return null;
  if (plan.playbook && plan.playbook.id === proposed.playbookId) return plan.playbook;
  return loadPlaybook({ id: proposed.playbookId, version: proposed.playbookVersion });
}

function refusalOf(
  file: CaseFile,
  decision: unknown,
  options: { readonly requireKey: boolean },
): DecisionRefusal | null {
  if (file.pendingDecision !== null) {
    return {
      type: DECISION_REJECTIONS.notAwaitingDecision,
      message: 'a decision is already being applied',
    };
  }
  return refuseDecision(file.decisionFacts(), decision, options);
}

function registerDecisionHandlers(
  file: CaseFile,
  flush: () => Promise<void>,
  currentPlan: () => CasePlan,
): void {
  setHandler(
    decideUpdate,
    async (decision) => {
      if (patched(ACTOR_CHECK_PATCH)) await checkActor(decision);
      // A decision sent before the case is ready for one (it is still being triaged or
      // remediated) waits for it, and is judged again then.
      await condition(() => file.escalation.tier !== null || file.isResolved);
      const refusal = refusalOf(file, decision, { requireKey: false });
      if (refusal) throw ApplicationFailure.nonRetryable(refusal.message, refusal.type);
      const complete = file.takeDecision(decision, now());
      if (!complete) {
        await flush();
        return file.view();
      }
      // Answer once the runbook has applied the decision and the record shows it: for a
      // decision that closes the case, once its outcome is recorded.
      await condition(() => file.pendingDecision === null);
      await condition(() => !file.isResolved || file.closed);
      await flush();
      return file.view();
    },
    {
      validator: (decision) => {
        const early = file.escalation.tier === null && !file.isResolved;
        const refusal = early
          ? refuseDecision(
              {
                ...file.decisionFacts(),
                status: 'awaiting_decision',
                capabilities: { remediationProposed: true, containmentAvailable: true },
                remediationRequestedBy: null,
              },
              decision,
            )
          : refusalOf(file, decision, { requireKey: true });
        if (refusal) throw ApplicationFailure.nonRetryable(refusal.message, refusal.type);
      },
    },
  );
  setHandler(
    requestRemediationUpdate,
    async (request) => {
      if (patched(ACTOR_CHECK_PATCH)) await checkActor(request);
      const playbook = await loadPlaybook({ id: request.playbookId, version: null });
      if (!playbook) {
        throw ApplicationFailure.nonRetryable(
          `no playbook ${request.playbookId}`,
          'PlaybookNotFound',
        );
      }
      if (file.pendingDecision === null && !file.isResolved) {
        offer(file, currentPlan(), playbook, request.actor);
      }
      await flush();
      return file.view();
    },
    {
      validator: (request) => {
        const refusal = refuseRemediationRequest(file.currentStatus, request);
        if (refusal) throw ApplicationFailure.nonRetryable(refusal.message, refusal.type);
      },
    },
  );
}

/**
 * Refuses a decision or proposal whose actor the key store does not vouch for: an update
 * sent with the Temporal CLI passes the validator's shape checks but not this one unless it
 * names a live key of that person in that role.
 */
async function checkActor(claim: DecisionInput | RemediationRequestInput): Promise<void> {
  let problem: string | null;
  try {
    problem = await verifyActor({ actor: claim.actor, role: claim.role, keyId: claim.keyId ?? '' });
  } catch (error) {
    problem = `the key store could not be read (${messageOf(error)}); send the decision again`;
  }
  if (problem !== null) {
    throw ApplicationFailure.nonRetryable(problem, DECISION_REJECTIONS.actorUnverified);
  }
}

/** Records the outcome and feedback once the record of the case is up to date. */
async function close(file: CaseFile, flush: () => Promise<void>): Promise<CaseOutcome> {
  await flush();
  const outcome = file.outcome();
  await recordCaseOutcome(outcome);
  await flush();
  file.markClosed();
  await condition(allHandlersFinished);
  return outcome;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? cause.message : error.message;
  }
  return String(error);
}

/** Upserts the search attributes whose values changed, so the UI can filter on them. */
function publish(pairs: SearchAttributeUpdatePair[]): void {
  const current = workflowInfo().typedSearchAttributes;
  const changed = pairs.filter(({ key, value }) => current.get(key) !== value);
  if (changed.length > 0) upsertSearchAttributes(changed);
}

export function publishCase(file: CaseFile): void {
  const report = file.report;
  publish([
    { key: VigilIdentity, value: report.identityId },
    { key: VigilExceptionKind, value: report.kind },
    { key: VigilSeverity, value: file.currentSeverity },
    { key: VigilCaseStatus, value: file.currentStatus },
  ]);
}

export function publishStatus(file: CaseFile): void {
  publish([{ key: VigilCaseStatus, value: file.currentStatus }]);
}

export function publishSeverity(file: CaseFile): void {
  publish([{ key: VigilSeverity, value: file.currentSeverity }]);
}
