import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { DataSource } from 'typeorm';
import type {
  CaseActivities,
  RetentionActivities,
  SweepActivities,
  TuningActivities,
} from '@vigil/contracts';
import type { ScheduleSettings, WebhookSettings } from '@vigil/config';
import { createActorActivities } from './actors';
import { createContextActivities } from './case-context';
import { createPlanActivities } from './case-plan';
import { createCaseRecordActivities } from './case-records';
import { InternalRemediationConnector } from './internal-connector';
import { createRemediationActivities } from './remediation';
import { createTuningActivities } from './tuning';
import { createRetentionActivities } from './retention';
import { createSweepActivities } from './sweeps';
import { loadFindingCase } from './finding-case';
import { createNotifier } from './webhooks/notifier';
import { WebhookRemediationConnector } from './webhooks/webhook-connector';

export interface ActivityDeps {
  readonly dataSource: DataSource;
  /** Outbound webhooks; absent, remediation webhooks are not configured and nothing is notified. */
  readonly webhooks?: WebhookSettings;
  readonly now?: () => Date;
  /** For activities that report exceptions to cases (sweeps); absent, they fail. */
  readonly temporal?: { readonly client: Client; readonly taskQueue: string };
  /** Retention and tuning settings; absent, the defaults of the configuration table. */
  readonly schedules?: ScheduleSettings;
}

const UNCONFIGURED: WebhookSettings = {
  remediation: { url: null, secret: null },
  notify: { url: null, secret: null },
  notifyFormat: 'vigil',
  slackUrl: null,
  timeoutMs: 10_000,
};

/** The running activity's cancellation, so a cancelled or timed-out call stops its request. */
function cancellation(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}

/** Every activity the worker registers, built from its dependencies. */
export function createActivities(
  deps: ActivityDeps,
): CaseActivities & TuningActivities & SweepActivities & RetentionActivities {
  const webhooks = deps.webhooks ?? UNCONFIGURED;
  const notifier = createNotifier({
    webhookUrl: webhooks.notify.url,
    webhookSecret: webhooks.notify.secret,
    slackUrl: webhooks.slackUrl,
    timeoutMs: webhooks.timeoutMs,
    signal: cancellation,
    webhookFormat: webhooks.notifyFormat,
    loadCase: (caseId) => loadFindingCase(deps.dataSource, caseId),
  });
  return {
    ...createCaseRecordActivities(deps),
    ...createActorActivities(deps),
    ...createContextActivities(deps),
    ...createPlanActivities(deps),
    ...createRemediationActivities({
      connectors: [
        new InternalRemediationConnector(deps),
        new WebhookRemediationConnector({
          ...webhooks.remediation,
          timeoutMs: webhooks.timeoutMs,
          signal: cancellation,
        }),
      ],
    }),
    notifyCase: (notification) => notifier.notifyCase(notification),
    ...createTuningActivities({
      dataSource: deps.dataSource,
      now: deps.now,
      targetPrecision: deps.schedules?.targetPrecision,
    }),
    ...createSweepActivities(deps),
    ...createRetentionActivities(deps),
  };
}

export { createCaseRecordActivities };
