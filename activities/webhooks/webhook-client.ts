import { ApplicationFailure } from '@temporalio/activity';
import { REMEDIATION_FAILURES } from '@vigil/contracts';
import { standardWebhookHeaders } from './standard-webhooks';

/**
 * One HTTP POST of a JSON body to a webhook endpoint, with its outcome classified for the
 * activity retry policy:
 * - 2xx: returned, with the body parsed as JSON (null when empty or not JSON);
 * - 408, 425, 429, 5xx, network errors and timeouts: a WebhookUnavailableError (a plain
 *   Error, so the activity is retried); a `Retry-After` header is quoted in its message;
 * - any other status (other 4xx, and 3xx: redirects are not followed): a non-retryable
 *   ApplicationFailure of type `RemediationRejected`.
 * Messages name the endpoint by its origin only (webhook URLs such as Slack's carry their
 * credential in the path) and never contain the secret or the signature.
 */

export interface WebhookPost {
  readonly url: string;
  /** JSON-serialisable; sent as `application/json`. */
  readonly body: unknown;
  readonly timeoutMs: number;
  /** Extra request headers. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Names the endpoint in error messages, e.g. `remediation webhook`. */
  readonly label?: string;
  /** Aborts the request early, e.g. the activity's cancellation signal. */
  readonly signal?: AbortSignal;
}

export interface SignedWebhookPost extends Omit<WebhookPost, 'headers'> {
  /** `whsec_<base64>` or a raw string. */
  readonly secret: string;
  /** The `webhook-id`: the same on every retry of one message. */
  readonly id: string;
}

export interface WebhookResponse {
  readonly status: number;
  /** The body parsed as JSON; null when it is empty or not JSON. */
  readonly json: unknown;
  /** The body as text, at most 2,000 characters. */
  readonly text: string;
}

/** A failure worth retrying: the endpoint was unreachable, too slow, or answered 408/425/429/5xx. */
export class WebhookUnavailableError extends Error {
  constructor(
    message: string,
    /** The HTTP status, or null when no response arrived. */
    readonly status: number | null,
    /** The `Retry-After` header as given, if any. */
    readonly retryAfter: string | null,
  ) {
    super(message);
    this.name = 'WebhookUnavailableError';
  }
}

const RETRYABLE_STATUSES = new Set([408, 425, 429]);
const MAX_TEXT = 2_000;
const MAX_EXCERPT = 200;

/** POSTs `body` signed per Standard Webhooks; see the module comment for the outcomes. */
export function postSignedWebhook(request: SignedWebhookPost): Promise<WebhookResponse> {
  const { secret, id, ...rest } = request;
  const body = JSON.stringify(request.body);
  return postWebhook({ ...rest, body, headers: { ...standardWebhookHeaders(secret, id, body) } });
}

/** POSTs `body` as JSON without a signature (Slack incoming webhooks); same outcomes. */
export function postJsonWebhook(request: WebhookPost): Promise<WebhookResponse> {
  return postWebhook({ ...request, body: JSON.stringify(request.body) });
}

async function postWebhook(
  request: WebhookPost & { readonly body: string },
): Promise<WebhookResponse> {
  const where = `${request.label ?? 'webhook'} ${originOf(request.url)}`;
  const messageId = request.headers?.['webhook-id'];
  const subject = messageId === undefined ? where : `${where} (webhook-id ${messageId})`;
  const timeout = AbortSignal.timeout(request.timeoutMs);
  const signal = request.signal ? AbortSignal.any([timeout, request.signal]) : timeout;
  if (!isHttpUrl(request.url)) {
    throw ApplicationFailure.nonRetryable(
      `${request.label ?? 'webhook'} URL is not an http:// or https:// URL`,
      REMEDIATION_FAILURES.notConfigured,
    );
  }

  let response: Response;
  let text: string;
  try {
    response = await fetch(request.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'vigil-webhooks/1',
        ...request.headers,
      },
      body: request.body,
      redirect: 'manual',
      signal,
    });
    text = await response.text();
  } catch (error) {
    if (timeout.aborted) {
      throw new WebhookUnavailableError(
        `${subject} did not answer within ${request.timeoutMs} ms`,
        null,
        null,
      );
    }
    throw new WebhookUnavailableError(
      `${subject} could not be reached: ${describeNetworkError(error)}`,
      null,
      null,
    );
  }

  const status = response.status;
  if (status >= 200 && status < 300) {
    return { status, json: parseJson(text), text: text.slice(0, MAX_TEXT) };
  }
  const answered = `${subject} answered HTTP ${status}${excerpt(text)}`;
  if (status >= 500 || RETRYABLE_STATUSES.has(status)) {
    const retryAfter = response.headers.get('retry-after');
    throw new WebhookUnavailableError(
      retryAfter === null ? answered : `${answered}; Retry-After: ${retryAfter}`,
      status,
      retryAfter,
    );
  }
  const reason =
    status >= 300 && status < 400
      ? `${answered}: redirects are not followed, configure the final URL`
      : answered;
  throw ApplicationFailure.nonRetryable(reason, REMEDIATION_FAILURES.rejected, {
    status,
    ...(messageId === undefined ? {} : { webhookId: messageId }),
  });
}

/** The URL's scheme, host and port: paths and queries may carry credentials. */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '<invalid url>';
  }
}

function isHttpUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function excerpt(text: string): string {
  const trimmed = text.trim().replace(/\s+/g, ' ');
  if (trimmed === '') return '';
  return `: ${trimmed.length > MAX_EXCERPT ? `${trimmed.slice(0, MAX_EXCERPT)}…` : trimmed}`;
}

function describeNetworkError(error: unknown): string {
  // fetch's errors may come from another realm (e.g. a test sandbox), so no instanceof.
  const cause = isErrorLike(error) ? error.cause : undefined;
  if (isErrorLike(cause)) {
    return typeof cause.code === 'string' ? `${cause.code} (${cause.message})` : cause.message;
  }
  return isErrorLike(error) ? error.message : String(error);
}

function isErrorLike(
  value: unknown,
): value is { readonly message: string; readonly cause?: unknown; readonly code?: unknown } {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}
