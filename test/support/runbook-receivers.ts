import type { WebhookSettings } from '@vigil/config';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver';

/** The two endpoints a case talks to, as local receivers: notifications and remediation. */
export interface RunbookReceivers {
  readonly notifications: WebhookReceiver;
  readonly remediation: WebhookReceiver;
  /** The worker's webhook settings pointing at the receivers. */
  readonly webhooks: WebhookSettings;
  /** Makes the remediation receiver refuse the named step (400) until cleared with null. */
  failStep(step: string | null): void;
  close(): Promise<void>;
}

export async function startRunbookReceivers(): Promise<RunbookReceivers> {
  let failing: string | null = null;
  const [notifications, remediation] = await Promise.all([
    startWebhookReceiver(),
    startWebhookReceiver({
      respond: (request) => {
        const body = request.body as { step?: string; type?: string } | null;
        if (failing !== null && body?.step === failing) {
          return { status: 400, body: { error: `${failing} is refused` } };
        }
        if (body?.type === 'remediation.verify') {
          return { status: 200, body: { verified: true, detail: {} } };
        }
        return undefined;
      },
    }),
  ]);
  return {
    notifications,
    remediation,
    webhooks: {
      remediation: { url: remediation.url, secret: remediation.secret },
      notify: { url: notifications.url, secret: notifications.secret },
      notifyFormat: 'vigil',
      slackUrl: null,
      timeoutMs: 5_000,
    },
    failStep: (step) => (failing = step),
    close: async () => {
      await Promise.all([notifications.close(), remediation.close()]);
    },
  };
}
