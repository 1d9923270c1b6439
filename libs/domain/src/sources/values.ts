import { hash64Hex } from '../baseline/hash';
import { EVENT_LIMITS } from '../telemetry/validate-event';

/**
 * Small helpers shared by the log-source mappers: reading untyped JSON safely, and shaping
 * provider values into what a Vigil event accepts.
 */

export type JsonObject = Readonly<Record<string, unknown>>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function objectAt(value: unknown, key: string): JsonObject | null {
  if (!isObject(value)) return null;
  const found = value[key];
  return isObject(found) ? found : null;
}

/** A non-empty trimmed string at `key`, else null. */
export function stringAt(value: unknown, key: string): string | null {
  if (!isObject(value)) return null;
  const found = value[key];
  if (typeof found !== 'string') return null;
  const trimmed = found.trim();
  return trimmed === '' ? null : trimmed;
}

export function clip(text: string, max: number = EVENT_LIMITS.textLength): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

const ID_CHARS = /[^A-Za-z0-9._:@/+=,-]/g;
const MAX_IDENTITY_ID = 160;

/**
 * A provider's principal name as a Vigil identity id: characters outside the id alphabet
 * become `_`, and a name longer than 160 characters keeps a prefix and a hash of the whole,
 * so two long names stay two identities.
 */
export function identityIdOf(name: string): string {
  let id = name.replace(ID_CHARS, '_');
  if (!/^[A-Za-z0-9]/.test(id)) id = `x${id}`;
  if (id.length <= MAX_IDENTITY_ID) return id;
  return `${id.slice(0, MAX_IDENTITY_ID - 17)}-${hash64Hex(name)}`;
}

/** An event id from a provider's id: kept when it fits the id alphabet, hashed otherwise. */
export function eventIdOf(prefix: string, uid: string): string {
  const id = `${prefix}:${uid}`;
  if (/^[A-Za-z0-9][A-Za-z0-9._:@/+=,-]*$/.test(id) && id.length <= EVENT_LIMITS.idLength) {
    return id;
  }
  return `${prefix}:h-${hash64Hex(uid)}`;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const IPV6 = /^[0-9a-fA-F:]+(%\w+)?$/;

/** Whether a "source address" is an IP; CloudTrail also writes service names there. */
export function looksLikeIp(value: string): boolean {
  return IPV4.test(value) || (value.includes(':') && IPV6.test(value));
}

/**
 * Keys whose values are credentials wherever they appear: AWS returns session tokens and
 * secret keys in responseElements, and a few request shapes carry passwords or tokens.
 * Vigil stores none of them.
 */
const SECRET_KEYS = new Set(
  [
    'credentials',
    'sessionToken',
    'secretAccessKey',
    'password',
    'newPassword',
    'oldPassword',
    'secretString',
    'secretBinary',
    'privateKey',
    'SAMLAssertion',
    'samlAssertion',
    'webIdentityToken',
    'token',
    'clientSecret',
    'authorizationToken',
  ].map((k) => k.toLowerCase()),
);

const MAX_DEPTH = 6;
const MAX_STRING = 300;

/**
 * A copy without credential-bearing keys, with long strings clipped (policy documents and
 * certificates are evidence enough in their first lines) and nesting bounded.
 */
export function scrubbed(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return clip(value, MAX_STRING);
  if (Array.isArray(value)) {
    if (depth >= MAX_DEPTH) return '[…]';
    return value.slice(0, 20).map((item) => scrubbed(item, depth + 1));
  }
  if (!isObject(value)) return value;
  if (depth >= MAX_DEPTH) return '{…}';
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (SECRET_KEYS.has(key.toLowerCase())) continue;
    out[key] = scrubbed(item, depth + 1);
  }
  return out;
}

/** A JSON value if it stays under `maxBytes` once serialised, else null. */
export function boundedJson(value: unknown, maxBytes: number): unknown {
  if (value === undefined || value === null) return null;
  const text = JSON.stringify(value);
  return text !== undefined && text.length <= maxBytes ? value : null;
}

/** The event's time in RFC 3339 from an ISO string or epoch milliseconds. */
export function isoTimeOf(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? null : date.toISOString();
  }
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  return null;
}

/** The entries whose value is neither null nor undefined. */
export function compact(entries: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entries)) {
    if (value !== null && value !== undefined) out[key] = value;
  }
  return out;
}

/** A string at `key`, clipped, or null. */
export function clippedAt(value: unknown, key: string, max: number): string | null {
  const found = stringAt(value, key);
  return found === null ? null : clip(found, max);
}

/** The account id an ARN names (`arn:aws:iam::123456789012:user/x` → `123456789012`). */
export function accountOfArn(arn: string | null): string | null {
  if (arn === null) return null;
  return /^arn:[^:]+:[^:]*:[^:]*:(\d{12}):/.exec(arn)?.[1] ?? null;
}
