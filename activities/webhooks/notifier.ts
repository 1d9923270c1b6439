import { ApplicationFailure } from '@temporalio/activity';
import {
  REMEDIATION_FAILURES,
  type CaseNotification,
  type NotificationReceipt,
  type NotificationType,
} from '@vigil/contracts';
import type { NotifyFormat } from '@vigil/config';
import { ocsfDetectionFinding, type FindingCase, type OcsfDetectionFinding } from '@vigil/domain';
import { postJsonWebhook, postSignedWebhook, WebhookUnavailableError } from './webhook-client';

export type NotificationChannel = NotificationReceipt['delivered'][number];

export interface NotifierSettings {
  /** NOTIFY_WEBHOOK_URL; null: the webhook channel is skipped. */
  readonly webhookUrl: string | null;
  /** NOTIFY_WEBHOOK_SECRET; required when webhookUrl is set. */
  readonly webhookSecret: string | null;
  /** NOTIFY_WEBHOOK_FORMAT: the notification itself, or the case as an OCSF finding. */
  readonly webhookFormat?: NotifyFormat;
  /** The recorded case, for the OCSF finding; null when the read model has none yet. */
  readonly loadCase?: (caseId: string) => Promise<FindingCase | null>;
  /** SLACK_WEBHOOK_URL (a Slack incoming webhook); null: the Slack channel is skipped. */
  readonly slackUrl: string | null;
  readonly timeoutMs: number;
  /** Aborts a request early, e.g. with the activity's cancellation signal. */
  readonly signal?: () => AbortSignal | undefined;
}

export interface Notifier {
  notifyCase(notification: CaseNotification): Promise<NotificationReceipt>;
}

/**
 * The JSON body of the signed notification webhook: the notification's fields, with `type`
 * naming the webhook event and the notification's own type moved to `notificationType`.
 */
export type NotificationWebhookPayload = { readonly type: 'case.notification' } & Omit<
  CaseNotification,
  'type'
> & { readonly notificationType: NotificationType };

/** How many notifications the notifier remembers as delivered to Slack. */
const SLACK_MEMORY = 1_000;

/**
 * Sends case notifications to the configured channels:
 * - `webhook`: `{ type: 'case.notification', notificationType, ...the other fields }`,
 *   signed per Standard Webhooks with the notification's idempotency key as the `webhook-id`;
 * - `slack`: a Slack incoming-webhook message (`text` plus `blocks`), unsigned.
 * A channel without a URL is skipped. The signed webhook goes first and Slack only after it
 * was accepted, so a retryable webhook failure never leaves a Slack message behind. When a
 * channel fails retryably the call throws and the activity is retried: the webhook receiver
 * then gets the same `webhook-id` again, which Standard Webhooks receivers de-duplicate.
 * Slack cannot de-duplicate, so a notification Slack accepted is remembered by this notifier
 * (the worker process) and not re-sent on a retry that runs here; a retry on another worker,
 * or one after Slack accepted without the answer arriving, may post it twice.
 * A permanent failure of either channel throws a non-retryable `RemediationRejected`.
 */
export function createNotifier(settings: NotifierSettings): Notifier {
  const slackDelivered = new Set<string>();

  function rememberSlack(key: string): void {
    slackDelivered.add(key);
    if (slackDelivered.size > SLACK_MEMORY) {
      const oldest = slackDelivered.values().next().value;
      if (oldest !== undefined) slackDelivered.delete(oldest);
    }
  }

  return {
    async notifyCase(notification: CaseNotification): Promise<NotificationReceipt> {
      const delivered: NotificationChannel[] = [];
      const skipped: NotificationChannel[] = [];
      let webhookRejected: unknown = null;

      if (settings.webhookUrl === null) {
        skipped.push('webhook');
      } else {
        if (settings.webhookSecret === null) {
          throw ApplicationFailure.nonRetryable(
            'the notification webhook has no signing secret: set NOTIFY_WEBHOOK_SECRET',
            REMEDIATION_FAILURES.notConfigured,
          );
        }
        try {
          await postSignedWebhook({
            url: settings.webhookUrl,
            secret: settings.webhookSecret,
            id: notification.idempotencyKey,
            body:
              settings.webhookFormat === 'ocsf'
                ? ocsfFindingOf(
                    notification,
                    (await settings.loadCase?.(notification.caseId)) ?? null,
                  )
                : webhookPayloadOf(notification),
            timeoutMs: settings.timeoutMs,
            label: 'notification webhook',
            signal: settings.signal?.(),
          });
          delivered.push('webhook');
        } catch (error) {
          if (error instanceof WebhookUnavailableError) throw error;
          // Permanent: a retry would fail the same way, so Slack is still tried once.
          webhookRejected = error;
        }
      }

      if (settings.slackUrl === null) {
        skipped.push('slack');
      } else if (slackDelivered.has(notification.idempotencyKey)) {
        delivered.push('slack');
      } else {
        try {
          await postJsonWebhook({
            url: settings.slackUrl,
            body: slackMessageOf(notification),
            timeoutMs: settings.timeoutMs,
            label: 'Slack webhook',
            signal: settings.signal?.(),
          });
          rememberSlack(notification.idempotencyKey);
          delivered.push('slack');
        } catch (error) {
          if (webhookRejected === null) throw error;
          throw ApplicationFailure.nonRetryable(
            `${messageOf(webhookRejected)}; Slack also failed: ${messageOf(error)}`,
            REMEDIATION_FAILURES.rejected,
          );
        }
      }

      if (webhookRejected !== null) {
        throw ApplicationFailure.nonRetryable(
          `${messageOf(webhookRejected)}${delivered.includes('slack') ? ' (Slack accepted it)' : ''}`,
          REMEDIATION_FAILURES.rejected,
        );
      }
      return { delivered, skipped };
    },
  };
}

export function webhookPayloadOf(notification: CaseNotification): NotificationWebhookPayload {
  const { type, ...rest } = notification;
  return { type: 'case.notification', notificationType: type, ...rest };
}

/**
 * The notification webhook's body with NOTIFY_WEBHOOK_FORMAT=ocsf: the case as an OCSF
 * Detection Finding, Create on the first escalation and Update after. The recorded case
 * gives the evidence; the notification its current severity and what it announces. Before
 * the case is recorded, the finding is built from the notification alone.
 */
export function ocsfFindingOf(
  notification: CaseNotification,
  recorded: FindingCase | null,
): OcsfDetectionFinding {
  const now = new Date().toISOString();
  const found: FindingCase = recorded ?? {
    id: notification.caseId,
    workflowId: notification.workflowId,
    fingerprint: notification.workflowId.replace(/^case-/, ''),
    identityId: notification.identityId,
    kind: notification.kind as FindingCase['kind'],
    severity: notification.severity,
    status: 'escalated',
    occurrences: 1,
    evidence: { reason: notification.summary },
    openedAt: now,
    lastOccurrenceAt: now,
    resolvedAt: null,
    resolution: null,
    disposition: null,
    updatedAt: now,
  };
  const first = notification.type === 'case_escalated' && notification.tier === 1;
  return ocsfDetectionFinding(
    { ...found, severity: notification.severity },
    {
      activity: first ? 'create' : 'update',
      extra: {
        notificationType: notification.type,
        summary: notification.summary,
        recipient: notification.recipient,
        tier: notification.tier,
        deadline: notification.deadline,
      },
    },
  );
}

/** Slack Block Kit element types used by the notification message. */
export interface SlackText {
  readonly type: 'plain_text' | 'mrkdwn';
  readonly text: string;
}

export type SlackBlock =
  | { readonly type: 'header'; readonly text: SlackText }
  | { readonly type: 'section'; readonly text: SlackText; readonly fields: readonly SlackText[] }
  | { readonly type: 'context'; readonly elements: readonly SlackText[] };

export interface SlackMessage {
  /** Shown in notifications and by clients that do not render blocks. */
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
}

const TITLES: Readonly<Record<NotificationType, string>> = {
  case_escalated: 'Case escalated',
  case_reminder: 'Decision due soon',
  case_re_escalated: 'Case re-escalated',
  case_expired_default: 'Deadline passed: fail-safe applied',
  remediation_failed: 'Remediation failed',
  vendor_notice: 'Vendor notice',
};

/** The Slack incoming-webhook message of a notification. */
export function slackMessageOf(notification: CaseNotification): SlackMessage {
  const title = `${TITLES[notification.type] ?? notification.type}: ${notification.kind} on ${notification.identityId}`;
  const field = (name: string, value: string): SlackText => ({
    type: 'mrkdwn',
    text: `*${name}*\n${clip(escapeMrkdwn(value), 1_900)}`,
  });
  return {
    text: clip(`${title} (${notification.severity}) — ${notification.summary}`, 3_000),
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: clip(title, 150) } },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: clip(escapeMrkdwn(notification.summary), 3_000) || ' ' },
        fields: [
          field('Identity', notification.identityId),
          field('Kind', notification.kind),
          field('Severity', notification.severity),
          field('Tier', notification.tier === null ? '—' : String(notification.tier)),
          field('Recipient', notification.recipient),
          field('Deadline', notification.deadline ?? '—'),
        ],
      },
      {
        type: 'context',
        elements: [
          {
            type: 'mrkdwn',
            text: clip(
              escapeMrkdwn(`case ${notification.caseId} · workflow ${notification.workflowId}`),
              2_000,
            ),
          },
        ],
      },
    ],
  };
}

/** Slack's mrkdwn treats `&`, `<` and `>` as control characters. */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
