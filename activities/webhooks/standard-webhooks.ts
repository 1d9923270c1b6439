import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Signing and verification per the Standard Webhooks spec (https://www.standardwebhooks.com/):
 * `webhook-signature` is `v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">`
 * keyed with the secret. A `whsec_<base64>` secret is keyed with its decoded bytes; any other
 * string with its UTF-8 bytes.
 */

export const WEBHOOK_SECRET_PREFIX = 'whsec_';
export const DEFAULT_TOLERANCE_SECONDS = 300;

export type StandardWebhookHeaders = {
  readonly 'webhook-id': string;
  /** Unix time in whole seconds, as a decimal string. */
  readonly 'webhook-timestamp': string;
  /** One or more space-separated `v1,<base64>` signatures. */
  readonly 'webhook-signature': string;
};

/** Headers as node:http receives them, a plain object, or a fetch `Headers`. */
export type IncomingWebhookHeaders =
  Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

/** A verification failure; the message never contains the secret or a signature. */
export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}

/** The verified message's id and timestamp. */
export interface VerifiedWebhook {
  readonly id: string;
  readonly timestamp: Date;
}

/** The HMAC key of a secret: the decoded bytes of `whsec_<base64>`, else the UTF-8 bytes. */
export function webhookSecretKey(secret: string): Buffer {
  if (secret.startsWith(WEBHOOK_SECRET_PREFIX)) {
    const encoded = secret.slice(WEBHOOK_SECRET_PREFIX.length);
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 === 1) {
      throw new Error(`webhook secret: "${WEBHOOK_SECRET_PREFIX}" must be followed by base64`);
    }
    return Buffer.from(encoded, 'base64');
  }
  if (secret.length === 0) throw new Error('webhook secret: must not be empty');
  return Buffer.from(secret, 'utf8');
}

/** A new random `whsec_` secret (24 bytes). */
export function generateWebhookSecret(): string {
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(24).toString('base64')}`;
}

/** The `v1,<base64>` signature of one message. */
export function signStandardWebhook(
  secret: string,
  id: string,
  timestampSeconds: number,
  body: string | Buffer,
): string {
  return `v1,${digest(webhookSecretKey(secret), id, String(timestampSeconds), body).toString('base64')}`;
}

/** The three headers of a signed message, stamped with `now`. */
export function standardWebhookHeaders(
  secret: string,
  id: string,
  body: string | Buffer,
  now: Date = new Date(),
): StandardWebhookHeaders {
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signStandardWebhook(secret, id, timestamp, body),
  };
}

/**
 * Checks a received message: its id, a timestamp within `toleranceSeconds` of `now` (either
 * side), and at least one `v1` signature that matches the raw body, compared in constant
 * time. Pass the body exactly as received: re-serialised JSON does not verify. Throws a
 * WebhookVerificationError when any check fails.
 */
export function verifyStandardWebhook(
  headers: IncomingWebhookHeaders,
  body: string | Buffer,
  secret: string,
  toleranceSeconds: number = DEFAULT_TOLERANCE_SECONDS,
  now: Date = new Date(),
): VerifiedWebhook {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) {
    throw new WebhookVerificationError(
      'missing webhook-id, webhook-timestamp or webhook-signature header',
    );
  }
  if (!/^\d{1,15}$/.test(timestamp)) {
    throw new WebhookVerificationError('webhook-timestamp is not unix seconds');
  }
  const seconds = Number(timestamp);
  const skew = Math.floor(now.getTime() / 1000) - seconds;
  if (skew > toleranceSeconds) {
    throw new WebhookVerificationError(`webhook-timestamp is too old (${skew}s)`);
  }
  if (-skew > toleranceSeconds) {
    throw new WebhookVerificationError(`webhook-timestamp is in the future (${-skew}s)`);
  }

  const expected = digest(webhookSecretKey(secret), id, timestamp, body);
  const matched = signatures
    .split(' ')
    .filter(Boolean)
    .some((entry) => {
      const comma = entry.indexOf(',');
      if (comma < 0 || entry.slice(0, comma) !== 'v1') return false;
      const given = Buffer.from(entry.slice(comma + 1), 'base64');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
  if (!matched) throw new WebhookVerificationError('no matching v1 signature');
  return { id, timestamp: new Date(seconds * 1000) };
}

function digest(key: Buffer, id: string, timestamp: string, body: string | Buffer): Buffer {
  return createHmac('sha256', key)
    .update(`${id}.${timestamp}.`, 'utf8')
    .update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body)
    .digest();
}

function header(headers: IncomingWebhookHeaders, name: string): string | null {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name);
  const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name);
  const value = key === undefined ? undefined : record[key];
  if (value === undefined) return null;
  return typeof value === 'string' ? value : value.join(' ');
}
