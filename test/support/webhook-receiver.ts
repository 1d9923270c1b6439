import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  generateWebhookSecret,
  verifyStandardWebhook,
} from '../../activities/webhooks/standard-webhooks';

/** One request the receiver got, in arrival order. */
export interface ReceivedWebhook {
  /** The `webhook-id` header; null for unsigned requests (Slack) that carry none. */
  readonly id: string | null;
  /** The key the receiver de-duplicates by: the webhook-id, or `request-<n>` without one. */
  readonly key: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly rawBody: string;
  /** The body parsed as JSON; null when it is not JSON. */
  readonly body: unknown;
  /** Signed receivers: whether the signature verified. Unsigned receivers: always true. */
  readonly verified: boolean;
  readonly verifyError: string | null;
  /** 1 for the first request with this key, 2 for its first repeat, and so on. */
  readonly attempt: number;
  /** An earlier request with this key was already applied (answered 2xx). */
  readonly duplicate: boolean;
  /** What the receiver answered; null while it holds the request without answering. */
  status: number | null;
}

/** An answer: a JSON (or text, for a string body) response, or `hang` to never answer. */
export type WebhookReply =
  | { readonly status: number; readonly body?: unknown; readonly headers?: Record<string, string> }
  | 'hang';

export interface WebhookReceiverOptions {
  /** The signing secret; a fresh `whsec_` secret by default. */
  readonly secret?: string;
  /**
   * true (default): requests must carry a valid Standard Webhooks signature, else 401.
   * false: any request is accepted, like a Slack incoming webhook.
   */
  readonly signed?: boolean;
  readonly toleranceSeconds?: number;
  /**
   * Chooses the answer to a verified request; return undefined for the default: for
   * `remediation.execute` / `remediation.compensate`, `{ status: 'applied' }` the first time
   * and `{ status: 'already_applied' }` for a duplicate; for `remediation.verify`,
   * `{ verified: true }`; for anything else 200 `{ "received": true }` (signed) or `ok` (unsigned).
   */
  readonly respond?: (
    request: ReceivedWebhook,
  ) => WebhookReply | undefined | Promise<WebhookReply | undefined>;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>/hooks`. */
  readonly url: string;
  readonly secret: string;
  /** Every request, repeats and rejected ones included. */
  readonly requests: ReceivedWebhook[];
  /**
   * The side effects: the first request per key that was answered 2xx. A repeat of an
   * applied webhook-id is answered but adds nothing here, so `effects.size` counts each
   * side effect once however often it was delivered.
   */
  readonly effects: Map<string, ReceivedWebhook>;
  /** The requests that carried this webhook-id. */
  deliveriesOf(id: string): ReceivedWebhook[];
  /** The applied effects whose JSON body has this `type`, in the order they were applied. */
  effectsOfType(type: string): ReceivedWebhook[];
  /** Resolves once `count` requests arrived, or rejects after `timeoutMs`. */
  waitForRequests(count: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

/** A Standard Webhooks receiver on 127.0.0.1 (an ephemeral port) that counts effects once. */
export async function startWebhookReceiver(
  options: WebhookReceiverOptions = {},
): Promise<WebhookReceiver> {
  const secret = options.secret ?? generateWebhookSecret();
  const signed = options.signed ?? true;
  const requests: ReceivedWebhook[] = [];
  const effects = new Map<string, ReceivedWebhook>();
  const attempts = new Map<string, number>();
  const waiters: Array<() => void> = [];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void handle(req, Buffer.concat(chunks), res).catch((error: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(error));
        }
      });
    });
  });

  async function handle(
    req: http.IncomingMessage,
    raw: Buffer,
    res: http.ServerResponse,
  ): Promise<void> {
    const rawBody = raw.toString('utf8');
    const header = req.headers['webhook-id'];
    const id = typeof header === 'string' ? header : null;
    const key = id ?? `request-${requests.length + 1}`;
    let verifyError: string | null = null;
    if (signed) {
      try {
        verifyStandardWebhook(req.headers, raw, secret, options.toleranceSeconds);
      } catch (error) {
        verifyError = error instanceof Error ? error.message : String(error);
      }
    }
    const attempt = (attempts.get(key) ?? 0) + 1;
    attempts.set(key, attempt);
    const received: ReceivedWebhook = {
      id,
      key,
      path: req.url ?? '/',
      headers: req.headers,
      rawBody,
      body: parseJson(rawBody),
      verified: verifyError === null,
      verifyError,
      attempt,
      duplicate: effects.has(key),
      status: null,
    };
    requests.push(received);
    for (const wake of waiters.splice(0)) wake();

    const reply: WebhookReply =
      verifyError !== null
        ? { status: 401, body: { error: verifyError } }
        : ((await options.respond?.(received)) ?? defaultReply(received, signed));
    if (reply === 'hang') return;

    received.status = reply.status;
    if (verifyError === null && reply.status >= 200 && reply.status < 300 && !effects.has(key)) {
      effects.set(key, received);
    }
    const text =
      reply.body === undefined
        ? ''
        : typeof reply.body === 'string'
          ? reply.body
          : JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      'content-type': typeof reply.body === 'string' ? 'text/plain' : 'application/json',
      ...reply.headers,
    });
    res.end(text);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/hooks`,
    secret,
    requests,
    effects,
    deliveriesOf: (id) => requests.filter((request) => request.id === id),
    effectsOfType: (type) =>
      [...effects.values()].filter(
        (effect) => (effect.body as { type?: unknown } | null)?.type === type,
      ),
    async waitForRequests(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (requests.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new Error(`expected ${count} webhook requests, got ${requests.length}`);
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return requests.slice(0, count);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (!server.listening) return resolve();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

function defaultReply(request: ReceivedWebhook, signed: boolean): WebhookReply {
  if (!signed) return { status: 200, body: 'ok' };
  const type = (request.body as { type?: unknown } | null)?.type;
  if (type === 'remediation.execute' || type === 'remediation.compensate') {
    return {
      status: 200,
      body: {
        status: request.duplicate ? 'already_applied' : 'applied',
        detail: { receiver: 'test', webhookId: request.id },
      },
    };
  }
  if (type === 'remediation.verify') {
    return { status: 200, body: { verified: true, detail: { receiver: 'test' } } };
  }
  return { status: 200, body: { received: true } };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
