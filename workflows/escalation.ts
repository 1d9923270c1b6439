import { condition, proxyActivities } from '@temporalio/workflow';
import type { CaseActivities } from '../libs/contracts/src/activities';
import type {
  CaseNotification,
  EscalationPolicy,
  EscalationRoute,
  EscalationTier,
  NotificationType,
} from '../libs/contracts/src/escalation';
import type { CaseFile } from './case-file';

const MINUTE_MS = 60_000;

/**
 * Notifications are retried for about ten minutes: a chat outage must delay a page, not
 * stop the case. A notification that still fails is noted on the case, which goes on.
 */
const { notifyCase } = proxyActivities<Pick<CaseActivities, 'notifyCase'>>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '2 minutes',
    maximumAttempts: 8,
  },
});

/** Where escalation stands; carried into a continued run so deadlines survive it. */
export interface EscalationProgress {
  readonly tier: 1 | 2;
  /** Epoch ms of the tier's deadline (workflow time). */
  readonly deadlineMs: number;
  readonly reminded: boolean;
}

/** Who a tier's route reaches for this case. */
export function assigneeFor(route: EscalationRoute, file: CaseFile): string {
  const identity = file.context?.identity ?? null;
  const routeTo = file.report.evidence.routeTo;
  switch (route) {
    case 'owner':
      // Vendor oversight: a third-party app's case goes to whoever owns the relationship.
      if (typeof routeTo === 'string' && routeTo !== '') return routeTo;
      return identity?.owner ?? 'soc-tier1';
    case 'team':
      return identity?.team ? `team:${identity.team}` : 'soc-tier1';
    case 'soc_tier1':
      return 'soc-tier1';
    case 'soc_tier2':
      return 'soc-tier2';
  }
}

export async function notify(
  file: CaseFile,
  type: NotificationType,
  event: string,
  summary: string,
  detail: Record<string, unknown> = {},
): Promise<void> {
  const state = file.escalation;
  const notification: CaseNotification = {
    idempotencyKey: `${file.caseId}:${event}`,
    type,
    caseId: file.caseId,
    workflowId: file.view().workflowId,
    identityId: file.report.identityId,
    kind: file.report.kind,
    severity: file.currentSeverity,
    tier: state.tier,
    recipient: state.assignee ?? assigneeFor('owner', file),
    summary,
    deadline: state.deadline,
    detail,
  };
  try {
    await notifyCase(notification);
  } catch (error) {
    file.notificationFailed(type, error instanceof Error ? error.message : String(error));
  }
}

export type EscalationResult = 'decided' | 'expired' | 'continue';

/**
 * Tier 1, then tier 2, each with a deadline and an optional reminder before it; returns
 * 'decided' as soon as a decision is pending, 'expired' when the last deadline passes
 * without one, and 'continue' when `shouldContinue` asks the run to hand over to a fresh
 * one (the progress to resume from is passed to `handOver`).
 */
export async function escalate(
  file: CaseFile,
  policy: EscalationPolicy,
  resume: EscalationProgress | null,
  shouldContinue: () => boolean,
  handOver: (progress: EscalationProgress) => void,
  round: number,
  escalated: () => void,
): Promise<EscalationResult> {
  const decided = (): boolean => file.pendingDecision !== null;
  // Each tier's time runs from the end of the one before, not from when the run got to it.
  let previousDeadlineMs: number | null = null;
  for (const tierNumber of [1, 2] as const) {
    if (resume && tierNumber < resume.tier) continue;
    const tier: EscalationTier = tierNumber === 1 ? policy.tier1 : policy.tier2;
    let deadlineMs: number;
    let reminded: boolean;
    if (resume && resume.tier === tierNumber) {
      ({ deadlineMs, reminded } = resume);
    } else {
      deadlineMs = (previousDeadlineMs ?? Date.now()) + tier.deadlineMinutes * MINUTE_MS;
      reminded = false;
      const assignee = assigneeFor(tier.route, file);
      file.escalateTo(
        tierNumber,
        tier.route,
        assignee,
        new Date(deadlineMs).toISOString(),
        policy.failSafe.decision,
      );
      escalated();
      await notify(
        file,
        tierNumber === 1 ? 'case_escalated' : 'case_re_escalated',
        `r${round}:tier${tierNumber}`,
        tierNumber === 1
          ? `${file.report.kind} on ${file.report.identityId} needs a decision`
          : `${file.report.kind} on ${file.report.identityId} was not decided in tier 1`,
        { failSafe: policy.failSafe.decision, remediation: file.view().remediation },
      );
    }
    if (decided()) return 'decided';

    for (;;) {
      const remindAtMs =
        tier.reminderMinutes !== null && !reminded
          ? deadlineMs - tier.reminderMinutes * MINUTE_MS
          : null;
      const wakeMs = remindAtMs ?? deadlineMs;
      const waitMs = Math.max(0, wakeMs - Date.now());
      const woke = await condition(() => decided() || shouldContinue(), waitMs);
      if (decided()) return 'decided';
      if (woke) {
        handOver({ tier: tierNumber, deadlineMs, reminded });
        return 'continue';
      }
      if (remindAtMs !== null) {
        reminded = true;
        file.remind(tier.reminderMinutes!);
        await notify(
          file,
          'case_reminder',
          `r${round}:tier${tierNumber}:reminder`,
          `${tier.reminderMinutes} minutes left to decide ${file.report.kind} on ${file.report.identityId}`,
        );
        continue;
      }
      break;
    }
    previousDeadlineMs = deadlineMs;
  }
  return 'expired';
}
