import type { ExceptionKind } from '../../../contracts/src/vocabulary';
import { hash64Hex } from '../baseline/hash';
import { FINGERPRINT_PATTERN } from '../fingerprint';
import { isoDay } from './scoring';

const MAX_FINGERPRINT = 200;
const HASH_SUFFIX = 17; // '+' and 16 hex characters

/**
 * Kinds whose repeats are separate incidents per day rather than one ongoing condition:
 * a spike on Monday and one on Thursday are two cases, a novel scope is one case however
 * often it recurs while that case is open. Lifecycle and volume findings carry their own
 * date in the value.
 */
export const DAY_BUCKETED_KINDS: ReadonlySet<ExceptionKind> = new Set<ExceptionKind>([
  'rate_spike',
  'off_hours',
  'credential_reuse',
]);

function allowed(c: number): boolean {
  return (
    (c >= 48 && c <= 57) || // 0-9
    (c >= 65 && c <= 90) || // A-Z
    (c >= 97 && c <= 122) || // a-z
    c === 46 || // .
    c === 95 || // _
    c === 58 || // :
    c === 64 || // @
    c === 47 || // /
    c === 43 || // +
    c === 61 || // =
    c === 44 || // ,
    c === 45 // -
  );
}

function alphanumeric(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/**
 * Any string made into a valid fingerprint (FINGERPRINT_PATTERN). A string that already is
 * one is returned unchanged; otherwise disallowed characters become `_`, a leading
 * non-alphanumeric gets an `x` in front, the result is cut to fit, and a hash of the whole
 * original is appended, so two values that sanitise alike still get different keys.
 * Only the first 200 characters are scanned, so a megabyte value costs one hash pass.
 */
export function safeFingerprint(raw: string): string {
  if (raw.length <= MAX_FINGERPRINT && FINGERPRINT_PATTERN.test(raw)) return raw;
  const scan = Math.min(raw.length, MAX_FINGERPRINT);
  let out = '';
  for (let i = 0; i < scan; i++) {
    const c = raw.charCodeAt(i);
    out += allowed(c) ? raw[i] : '_';
  }
  if (out.length === 0 || !alphanumeric(out.charCodeAt(0))) out = `x${out}`;
  return `${out.slice(0, MAX_FINGERPRINT - HASH_SUFFIX)}+${hash64Hex(raw)}`;
}

/**
 * The dedup key of a raised deviation: identity, detector and deviating value, plus the
 * UTC day for DAY_BUCKETED_KINDS. A repeat while the case is open joins it.
 */
export function deviationFingerprint(
  identityId: string,
  kind: ExceptionKind,
  value: string,
  eventTimeMs: number,
): string {
  const base = `${identityId}.${kind}.${value}`;
  return safeFingerprint(DAY_BUCKETED_KINDS.has(kind) ? `${base}.${isoDay(eventTimeMs)}` : base);
}
