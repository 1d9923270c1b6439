import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { CaseActivities } from '../libs/contracts/src/activities';
import {
  REMEDIATION_FAILURES,
  type Playbook,
  type RemediationReport,
  type RemediationStepRequest,
} from '../libs/contracts/src/remediation';

const PERMANENT = [REMEDIATION_FAILURES.rejected, REMEDIATION_FAILURES.notConfigured];

/**
 * A step is retried for about two minutes (connectors time out after 10 s; the backoff
 * doubles from 1 s to 30 s), then given up as failed. Rejections and missing connectors
 * are permanent: no retry.
 */
const steps = proxyActivities<
  Pick<CaseActivities, 'executeRemediationStep' | 'verifyRemediationStep'>
>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 6,
    nonRetryableErrorTypes: PERMANENT,
  },
});

/** Undoing is worth more patience than doing: a half-applied playbook must not stay so. */
const compensation = proxyActivities<Pick<CaseActivities, 'compensateRemediationStep'>>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 12,
    nonRetryableErrorTypes: PERMANENT,
  },
});

export type StepObserver = (step: RemediationReport['steps'][number]) => void;

/**
 * Runs a playbook's steps in order as a saga: each step is applied, then verified when the
 * playbook says so; if a step fails or cannot be verified, the steps already applied are
 * compensated in reverse order. Every call carries the step's idempotency key
 * (`caseId:step`), so a retry, or a worker that died mid-step, applies nothing twice.
 */
export async function runPlaybook(
  playbook: Playbook,
  requests: readonly RemediationStepRequest[],
  trigger: RemediationReport['trigger'],
  observe: StepObserver,
): Promise<RemediationReport> {
  const done: RemediationReport['steps'][number][] = [];
  const applied: { request: RemediationStepRequest; index: number }[] = [];
  let failure: RemediationReport['failure'] = null;
  let outcome: RemediationReport['outcome'] = 'succeeded';

  const record = (entry: RemediationReport['steps'][number]): void => {
    done.push(entry);
    observe(entry);
  };

  for (const request of requests) {
    const spec = playbook.steps.find((s) => s.name === request.step)!;
    try {
      const result = await steps.executeRemediationStep(request);
      applied.push({ request, index: done.length });
      record({
        step: request.step,
        action: request.action,
        status: result.status,
        detail: result.detail,
      });
      if (spec.verify) {
        const verification = await steps.verifyRemediationStep(request);
        if (!verification.verified) {
          outcome = 'unverified';
          failure = {
            step: request.step,
            message: `the effect of ${request.action} could not be verified`,
            type: 'RemediationUnverified',
          };
          break;
        }
      }
    } catch (error) {
      outcome = 'failed';
      failure = { step: request.step, ...describeFailure(error) };
      record({ step: request.step, action: request.action, status: 'failed', detail: failure });
      break;
    }
  }

  if (failure !== null) {
    for (const { request } of [...applied].reverse()) {
      const spec = playbook.steps.find((s) => s.name === request.step)!;
      if (!spec.compensate) {
        record({
          step: request.step,
          action: request.action,
          status: 'not_compensated',
          detail: { reason: 'the step cannot be undone' },
        });
        continue;
      }
      try {
        const result = await compensation.compensateRemediationStep(request);
        record({
          step: request.step,
          action: request.action,
          status: 'compensated',
          detail: result.detail,
        });
      } catch (error) {
        record({
          step: request.step,
          action: request.action,
          status: 'not_compensated',
          detail: describeFailure(error),
        });
      }
    }
  }

  return {
    playbookId: playbook.id,
    playbookVersion: playbook.version,
    trigger,
    outcome,
    steps: done,
    failure,
  };
}

function describeFailure(error: unknown): { message: string; type: string } {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof ApplicationFailure) {
    return { message: cause.message, type: cause.type ?? 'ApplicationFailure' };
  }
  if (cause instanceof Error) return { message: cause.message, type: cause.name };
  return { message: String(cause), type: 'Error' };
}
