import { ApplicationFailure } from '@temporalio/common';
import {
  REMEDIATION_FAILURES,
  type CaseNotification,
  type RemediationStepRequest,
} from '@vigil/contracts';
import { createNotifier, slackMessageOf } from '../../activities/webhooks/notifier';
import { verifyStandardWebhook } from '../../activities/webhooks/standard-webhooks';
import {
  WebhookUnavailableError,
  postSignedWebhook,
} from '../../activities/webhooks/webhook-client';
import { WebhookRemediationConnector } from '../../activities/webhooks/webhook-connector';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver';

/** Real HTTP against a local Standard Webhooks receiver; no Temporal server needed. */

const receivers: WebhookReceiver[] = [];

async function receiver(
  options: Parameters<typeof startWebhookReceiver>[0] = {},
): Promise<WebhookReceiver> {
  const started = await startWebhookReceiver(options);
  receivers.push(started);
  return started;
}

afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

function aStep(overrides: Partial<RemediationStepRequest> = {}): RemediationStepRequest {
  return {
    caseId: 'case-1',
    playbookId: 'rotate-leaked-key',
    playbookVersion: 3,
    step: 'rotate',
    idempotencyKey: 'case-1:rotate',
    action: 'rotate_credential',
    connector: 'webhook',
    identityId: 'svc-payments',
    params: { credential: 'key-42' },
    ...overrides,
  };
}

function aNotification(overrides: Partial<CaseNotification> = {}): CaseNotification {
  return {
    idempotencyKey: 'case-1:escalated:1',
    type: 'case_escalated',
    caseId: 'case-1',
    workflowId: 'case-svc-payments.novel_scope.abc',
    identityId: 'svc-payments',
    kind: 'novel_scope',
    severity: 'high',
    tier: 1,
    recipient: 'payments-oncall@example.com',
    summary: 'New scope <secrets:write> & more',
    deadline: '2030-01-01T12:00:00.000Z',
    detail: { scope: 'secrets:write:vault/prod/*' },
    ...overrides,
  };
}

function connectorFor(target: WebhookReceiver, timeoutMs = 5_000): WebhookRemediationConnector {
  return new WebhookRemediationConnector({ url: target.url, secret: target.secret, timeoutMs });
}

/** The error `promise` rejects with; fails the test when it resolves. */
async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    return error as Error;
  }
  throw new Error('expected a rejection');
}

function expectPermanent(error: Error, type: string): ApplicationFailure {
  expect(error).toBeInstanceOf(ApplicationFailure);
  const failure = error as ApplicationFailure;
  expect(failure.nonRetryable).toBe(true);
  expect(failure.type).toBe(type);
  return failure;
}

function expectRetryable(error: Error): WebhookUnavailableError {
  expect(error).not.toBeInstanceOf(ApplicationFailure);
  expect(error).toBeInstanceOf(WebhookUnavailableError);
  return error as WebhookUnavailableError;
}

describe('WebhookRemediationConnector', () => {
  it('executes, verifies and compensates a step with signed, typed requests', async () => {
    const target = await receiver();
    const connector = connectorFor(target);
    const step = aStep();

    await expect(connector.execute(step)).resolves.toEqual({
      status: 'applied',
      detail: { receiver: 'test', webhookId: 'case-1:rotate:execute' },
    });
    await expect(connector.verify(step)).resolves.toEqual({
      verified: true,
      detail: { receiver: 'test' },
    });
    await expect(connector.compensate(step)).resolves.toEqual({
      status: 'applied',
      detail: { receiver: 'test', webhookId: 'case-1:rotate:compensate' },
    });

    expect(connector.kind).toBe('webhook');
    expect(target.requests.map((r) => [r.id, r.verified])).toEqual([
      ['case-1:rotate:execute', true],
      ['case-1:rotate:verify', true],
      ['case-1:rotate:compensate', true],
    ]);
    expect(target.requests[0].body).toEqual({
      type: 'remediation.execute',
      idempotencyKey: 'case-1:rotate',
      caseId: 'case-1',
      playbookId: 'rotate-leaked-key',
      playbookVersion: 3,
      step: 'rotate',
      action: 'rotate_credential',
      identityId: 'svc-payments',
      params: { credential: 'key-42' },
    });
    expect(target.effectsOfType('remediation.verify')).toHaveLength(1);
    expect(target.requests[0].headers['content-type']).toBe('application/json');
    expect(
      verifyStandardWebhook(target.requests[0].headers, target.requests[0].rawBody, target.secret)
        .id,
    ).toBe('case-1:rotate:execute');
  });

  it('signs with a raw string secret as well', async () => {
    const target = await receiver({ secret: 'correct horse battery staple' });
    await expect(connectorFor(target).execute(aStep())).resolves.toMatchObject({
      status: 'applied',
    });
    expect(target.requests[0].verified).toBe(true);
  });

  it('repeats a step with the same webhook-id, so the receiver applies it once', async () => {
    const target = await receiver();
    const connector = connectorFor(target);

    const first = await connector.execute(aStep());
    const repeat = await connector.execute(aStep());

    expect([first.status, repeat.status]).toEqual(['applied', 'already_applied']);
    expect(target.deliveriesOf('case-1:rotate:execute')).toHaveLength(2);
    expect(target.requests[0].headers['webhook-timestamp']).toEqual(expect.any(String));
    expect(target.effects.size).toBe(1);
    expect([...target.effects.keys()]).toEqual(['case-1:rotate:execute']);
  });

  it('classifies a 500 as retryable and applies the effect once when the retry succeeds', async () => {
    const target = await receiver({
      respond: (request) =>
        request.attempt === 1
          ? { status: 503, body: { error: 'busy' }, headers: { 'retry-after': '7' } }
          : undefined,
    });
    const connector = connectorFor(target);

    const error = expectRetryable(await failureOf(connector.execute(aStep())));
    expect(error.status).toBe(503);
    expect(error.retryAfter).toBe('7');
    expect(error.message).toBe(
      `remediation webhook (execute rotate) ${new URL(target.url).origin} (webhook-id case-1:rotate:execute) answered HTTP 503: {"error":"busy"}; Retry-After: 7`,
    );
    expect(target.effects.size).toBe(0);

    await expect(connector.execute(aStep())).resolves.toMatchObject({ status: 'applied' });
    expect(target.deliveriesOf('case-1:rotate:execute').map((r) => r.status)).toEqual([503, 200]);
    expect(target.effects.size).toBe(1);
  });

  it.each([408, 425, 429, 500, 502])('classifies HTTP %i as retryable', async (status) => {
    const target = await receiver({ respond: () => ({ status }) });
    expect(expectRetryable(await failureOf(connectorFor(target).execute(aStep()))).status).toBe(
      status,
    );
  });

  it.each([400, 401, 403, 404, 409, 422])(
    'classifies HTTP %i as a permanent RemediationRejected',
    async (status) => {
      const target = await receiver({
        respond: () => ({ status, body: { error: 'unknown identity svc-payments' } }),
      });
      const failure = expectPermanent(
        await failureOf(connectorFor(target).execute(aStep())),
        REMEDIATION_FAILURES.rejected,
      );
      expect(failure.message).toContain(`answered HTTP ${status}: {"error":"unknown identity`);
      expect(failure.details).toEqual([{ status, webhookId: 'case-1:rotate:execute' }]);
    },
  );

  it('does not follow a redirect: it is a permanent failure', async () => {
    const target = await receiver({
      respond: () => ({ status: 307, headers: { location: 'http://127.0.0.1:1/elsewhere' } }),
    });
    const failure = expectPermanent(
      await failureOf(connectorFor(target).execute(aStep())),
      REMEDIATION_FAILURES.rejected,
    );
    expect(failure.message).toContain('redirects are not followed');
    expect(target.requests).toHaveLength(1);
  });

  it('classifies a receiver that never answers as retryable once timeoutMs passed', async () => {
    const target = await receiver({ respond: () => 'hang' });
    const started = Date.now();
    const error = expectRetryable(await failureOf(connectorFor(target, 200).execute(aStep())));
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(error.status).toBeNull();
    expect(error.message).toMatch(/did not answer within 200 ms$/);
    expect(target.requests).toHaveLength(1);
    expect(target.effects.size).toBe(0);
  });

  it('classifies an unreachable endpoint as retryable', async () => {
    const target = await receiver();
    const { url, secret } = target;
    await target.close();
    const connector = new WebhookRemediationConnector({ url, secret, timeoutMs: 2_000 });
    const error = expectRetryable(await failureOf(connector.execute(aStep())));
    expect(error.message).toMatch(/could not be reached: ECONNREFUSED/);
  });

  it.each([
    ['an empty body', { status: 200 as const, body: '' }, 'an empty body'],
    ['a body that is not JSON', { status: 200 as const, body: 'done' }, 'a body that is not JSON'],
    [
      'an unknown status',
      { status: 200 as const, body: { status: 'queued' } },
      '{"status":"queued"}',
    ],
    [
      'a detail that is not an object',
      { status: 201 as const, body: { status: 'applied', detail: 'x' } },
      '{"status":"applied","detail":"x"}',
    ],
  ])('treats %s as a permanent failure', async (_case, reply, described) => {
    const target = await receiver({ respond: () => reply });
    const failure = expectPermanent(
      await failureOf(connectorFor(target).execute(aStep())),
      REMEDIATION_FAILURES.rejected,
    );
    expect(failure.message).toBe(
      `remediation webhook answered execute of step rotate (webhook-id case-1:rotate:execute) with HTTP ${reply.status} and ${described}; expected { "status": "applied" | "already_applied", "detail": {...} }`,
    );
  });

  it('treats a verify answer without a boolean `verified` as a permanent failure', async () => {
    const target = await receiver({ respond: () => ({ status: 200, body: { verified: 'yes' } }) });
    const failure = expectPermanent(
      await failureOf(connectorFor(target).verify(aStep())),
      REMEDIATION_FAILURES.rejected,
    );
    expect(failure.message).toContain('expected { "verified": boolean, "detail": {...} }');
  });

  it('accepts a missing detail as an empty one and passes verified: false through', async () => {
    const target = await receiver({
      respond: (request) =>
        (request.body as { type: string }).type === 'remediation.verify'
          ? { status: 200, body: { verified: false } }
          : { status: 200, body: { status: 'already_applied' } },
    });
    const connector = connectorFor(target);
    await expect(connector.execute(aStep())).resolves.toEqual({
      status: 'already_applied',
      detail: {},
    });
    await expect(connector.verify(aStep())).resolves.toEqual({ verified: false, detail: {} });
  });

  it('fails as ConnectorNotConfigured, naming the setting, without a URL or a secret', async () => {
    const noUrl = new WebhookRemediationConnector({ url: null, secret: 's', timeoutMs: 1_000 });
    for (const call of [noUrl.execute(aStep()), noUrl.verify(aStep()), noUrl.compensate(aStep())]) {
      const failure = expectPermanent(await failureOf(call), REMEDIATION_FAILURES.notConfigured);
      expect(failure.message).toContain('set REMEDIATION_WEBHOOK_URL');
    }
    const noSecret = new WebhookRemediationConnector({
      url: 'http://127.0.0.1:1/',
      secret: null,
      timeoutMs: 1_000,
    });
    const failure = expectPermanent(
      await failureOf(noSecret.execute(aStep())),
      REMEDIATION_FAILURES.notConfigured,
    );
    expect(failure.message).toContain('set REMEDIATION_WEBHOOK_SECRET');
  });

  it('never puts the secret, the signature or the URL path in an error', async () => {
    const secret = 'hunter2-very-secret';
    const target = await receiver({
      secret,
      respond: () => ({ status: 400, body: { error: 'bad request' } }),
    });
    const url = `${target.url}/T000/B000/token-in-path?key=also-secret`;
    const connector = new WebhookRemediationConnector({ url, secret, timeoutMs: 2_000 });
    const failure = await failureOf(connector.execute(aStep()));
    const signature = String(target.requests[0].headers['webhook-signature']).slice(3);
    expect(failure.message).not.toContain(secret);
    expect(failure.message).not.toContain(signature);
    expect(failure.message).not.toContain('token-in-path');
    expect(failure.message).not.toContain('also-secret');
    expect(JSON.stringify(failure)).not.toContain(secret);
  });
});

describe('postSignedWebhook', () => {
  it('returns the status, the parsed JSON body, or null for an empty or non-JSON body', async () => {
    const replies = [
      { status: 200, body: { ok: 1 } },
      { status: 204 },
      { status: 202, body: 'accepted' },
    ];
    const target = await receiver({ respond: (request) => replies[request.attempt - 1] });
    const post = () =>
      postSignedWebhook({
        url: target.url,
        secret: target.secret,
        id: 'msg-1',
        body: { hello: 'world' },
        timeoutMs: 2_000,
      });
    await expect(post()).resolves.toEqual({ status: 200, json: { ok: 1 }, text: '{"ok":1}' });
    await expect(post()).resolves.toEqual({ status: 204, json: null, text: '' });
    await expect(post()).resolves.toEqual({ status: 202, json: null, text: 'accepted' });
    expect(target.requests.every((r) => r.verified)).toBe(true);
  });

  it('refuses a URL that is not http(s) without echoing it', async () => {
    const failure = expectPermanent(
      await failureOf(
        postSignedWebhook({
          url: 'ftp://user:pw@example.com/x',
          secret: 's',
          id: 'm',
          body: {},
          timeoutMs: 1_000,
        }),
      ),
      REMEDIATION_FAILURES.notConfigured,
    );
    expect(failure.message).toBe('webhook URL is not an http:// or https:// URL');
  });
});

describe('createNotifier', () => {
  it('sends the signed webhook and the Slack message', async () => {
    const webhook = await receiver();
    const slack = await receiver({ signed: false });
    const notify = createNotifier({
      webhookUrl: webhook.url,
      webhookSecret: webhook.secret,
      slackUrl: slack.url,
      timeoutMs: 2_000,
    });
    const notification = aNotification();

    await expect(notify.notifyCase(notification)).resolves.toEqual({
      delivered: ['webhook', 'slack'],
      skipped: [],
    });

    expect(webhook.requests).toHaveLength(1);
    const [signed] = webhook.requests;
    expect(signed.verified).toBe(true);
    expect(signed.id).toBe('case-1:escalated:1');
    const { type, ...fields } = notification;
    expect(signed.body).toEqual({ type: 'case.notification', notificationType: type, ...fields });
    expect(signed.body).toMatchObject({ type: 'case.notification', caseId: 'case-1' });

    expect(slack.requests).toHaveLength(1);
    const [message] = slack.requests;
    expect(message.headers['webhook-signature']).toBeUndefined();
    expect(message.headers['content-type']).toBe('application/json');
    expect(message.body).toEqual({
      text: 'Case escalated: novel_scope on svc-payments (high) — New scope <secrets:write> & more',
      blocks: [
        {
          type: 'header',
          text: { type: 'plain_text', text: 'Case escalated: novel_scope on svc-payments' },
        },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: 'New scope &lt;secrets:write&gt; &amp; more' },
          fields: [
            { type: 'mrkdwn', text: '*Identity*\nsvc-payments' },
            { type: 'mrkdwn', text: '*Kind*\nnovel_scope' },
            { type: 'mrkdwn', text: '*Severity*\nhigh' },
            { type: 'mrkdwn', text: '*Tier*\n1' },
            { type: 'mrkdwn', text: '*Recipient*\npayments-oncall@example.com' },
            { type: 'mrkdwn', text: '*Deadline*\n2030-01-01T12:00:00.000Z' },
          ],
        },
        {
          type: 'context',
          elements: [
            {
              type: 'mrkdwn',
              text: 'case case-1 · workflow case-svc-payments.novel_scope.abc',
            },
          ],
        },
      ],
    });
  });

  it('keeps the Slack message within Block Kit limits', () => {
    const long = 'x'.repeat(5_000);
    const message = slackMessageOf(
      aNotification({ identityId: long, summary: long, tier: null, deadline: null }),
    );
    const [header, section, context] = message.blocks;
    expect(header.type === 'header' && header.text.text.length).toBeLessThanOrEqual(150);
    expect(section.type === 'section' && section.text.text.length).toBeLessThanOrEqual(3_000);
    if (section.type !== 'section') throw new Error('expected a section');
    expect(section.fields.length).toBeLessThanOrEqual(10);
    for (const field of section.fields) expect(field.text.length).toBeLessThanOrEqual(2_000);
    expect(section.fields.slice(3, 6).map((f) => f.text)).toEqual([
      '*Tier*\n—',
      '*Recipient*\npayments-oncall@example.com',
      '*Deadline*\n—',
    ]);
    expect(context.type).toBe('context');
    expect(message.text.length).toBeLessThanOrEqual(3_000);
  });

  it('skips channels without a URL', async () => {
    const webhook = await receiver();
    const onlyWebhook = createNotifier({
      webhookUrl: webhook.url,
      webhookSecret: webhook.secret,
      slackUrl: null,
      timeoutMs: 2_000,
    });
    await expect(onlyWebhook.notifyCase(aNotification())).resolves.toEqual({
      delivered: ['webhook'],
      skipped: ['slack'],
    });

    const slack = await receiver({ signed: false });
    const onlySlack = createNotifier({
      webhookUrl: null,
      webhookSecret: null,
      slackUrl: slack.url,
      timeoutMs: 2_000,
    });
    await expect(onlySlack.notifyCase(aNotification())).resolves.toEqual({
      delivered: ['slack'],
      skipped: ['webhook'],
    });

    const none = createNotifier({
      webhookUrl: null,
      webhookSecret: null,
      slackUrl: null,
      timeoutMs: 2_000,
    });
    await expect(none.notifyCase(aNotification())).resolves.toEqual({
      delivered: [],
      skipped: ['webhook', 'slack'],
    });
    expect(webhook.requests).toHaveLength(1);
    expect(slack.requests).toHaveLength(1);
  });

  it('fails as ConnectorNotConfigured when the webhook URL has no secret', async () => {
    const notify = createNotifier({
      webhookUrl: 'http://127.0.0.1:1/',
      webhookSecret: null,
      slackUrl: null,
      timeoutMs: 1_000,
    });
    const failure = expectPermanent(
      await failureOf(notify.notifyCase(aNotification())),
      REMEDIATION_FAILURES.notConfigured,
    );
    expect(failure.message).toContain('set NOTIFY_WEBHOOK_SECRET');
  });

  it('does not send to Slack while the webhook fails retryably; the retry delivers both once', async () => {
    const webhook = await receiver({
      respond: (request) => (request.attempt === 1 ? { status: 502 } : undefined),
    });
    const slack = await receiver({ signed: false });
    const notify = createNotifier({
      webhookUrl: webhook.url,
      webhookSecret: webhook.secret,
      slackUrl: slack.url,
      timeoutMs: 2_000,
    });

    expectRetryable(await failureOf(notify.notifyCase(aNotification())));
    expect(slack.requests).toHaveLength(0);

    await expect(notify.notifyCase(aNotification())).resolves.toEqual({
      delivered: ['webhook', 'slack'],
      skipped: [],
    });
    expect(webhook.deliveriesOf('case-1:escalated:1')).toHaveLength(2);
    expect(webhook.effects.size).toBe(1);
    expect(slack.requests).toHaveLength(1);
  });

  it('re-sends the webhook (same webhook-id) but not Slack when Slack accepted before a retry', async () => {
    const webhook = await receiver();
    const slack = await receiver({ signed: false });
    const notify = createNotifier({
      webhookUrl: webhook.url,
      webhookSecret: webhook.secret,
      slackUrl: slack.url,
      timeoutMs: 2_000,
    });

    await notify.notifyCase(aNotification());
    await expect(notify.notifyCase(aNotification())).resolves.toEqual({
      delivered: ['webhook', 'slack'],
      skipped: [],
    });
    expect(webhook.deliveriesOf('case-1:escalated:1').map((r) => r.duplicate)).toEqual([
      false,
      true,
    ]);
    expect(webhook.effects.size).toBe(1);
    expect(slack.requests).toHaveLength(1);

    await notify.notifyCase(aNotification({ idempotencyKey: 'case-1:reminder:1' }));
    expect(slack.requests).toHaveLength(2);
  });

  it('classifies Slack failures like webhook ones, without the Slack URL in the message', async () => {
    const slack = await receiver({
      signed: false,
      respond: (request) =>
        request.attempt === 1 ? { status: 429, headers: { 'retry-after': '1' } } : undefined,
    });
    const slackUrl = `${slack.url}/services/T0/B0/slack-token`;
    const notify = createNotifier({
      webhookUrl: null,
      webhookSecret: null,
      slackUrl,
      timeoutMs: 2_000,
    });
    const busy = expectRetryable(await failureOf(notify.notifyCase(aNotification())));
    expect(busy.message).toContain('Slack webhook');
    expect(busy.message).toContain('Retry-After: 1');
    expect(busy.message).not.toContain('slack-token');

    const gone = await receiver({
      signed: false,
      respond: () => ({ status: 404, body: 'no_service' }),
    });
    const failure = expectPermanent(
      await failureOf(
        createNotifier({
          webhookUrl: null,
          webhookSecret: null,
          slackUrl: gone.url,
          timeoutMs: 2_000,
        }).notifyCase(aNotification()),
      ),
      REMEDIATION_FAILURES.rejected,
    );
    expect(failure.message).toContain('answered HTTP 404: no_service');
  });

  it('still posts to Slack when the webhook rejects for good, then fails permanently', async () => {
    const webhook = await receiver({ respond: () => ({ status: 410 }) });
    const slack = await receiver({ signed: false });
    const notify = createNotifier({
      webhookUrl: webhook.url,
      webhookSecret: webhook.secret,
      slackUrl: slack.url,
      timeoutMs: 2_000,
    });
    const failure = expectPermanent(
      await failureOf(notify.notifyCase(aNotification())),
      REMEDIATION_FAILURES.rejected,
    );
    expect(failure.message).toMatch(
      /notification webhook .* answered HTTP 410 \(Slack accepted it\)$/,
    );
    expect(slack.requests).toHaveLength(1);
  });

  it('times out a Slack endpoint that never answers, retryably', async () => {
    const slack = await receiver({ signed: false, respond: () => 'hang' });
    const notify = createNotifier({
      webhookUrl: null,
      webhookSecret: null,
      slackUrl: slack.url,
      timeoutMs: 150,
    });
    const error = expectRetryable(await failureOf(notify.notifyCase(aNotification())));
    expect(error.message).toMatch(/did not answer within 150 ms$/);
  });
});
