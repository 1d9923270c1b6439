import { createHash } from 'node:crypto';
import { BASELINE_VALUE_LENGTH } from '../entities';

/**
 * A primary-key entry in PostgreSQL's btree must stay under ~2,700 bytes; with a 160-character
 * identity id and the dimension beside it, 1,500 bytes of value always fits.
 */
const MAX_VALUE_BYTES = 1_500;
const DIGEST_CHARS = 16;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The form in which a baseline value or rate-bucket action is stored, and therefore the form
 * a loaded snapshot holds. Values that fit are kept as they are. A value longer than
 * BASELINE_VALUE_LENGTH characters or MAX_VALUE_BYTES UTF-8 bytes, or one the databases
 * cannot store faithfully (NUL, unpaired surrogates), becomes its longest fitting prefix
 * followed by `…#` and the first 16 hex digits of the SHA-256 of the whole value. The result
 * depends on the value alone, so every ingester maps the same long value to the same row and
 * two long values sharing a prefix stay apart. Code comparing event values with a loaded
 * snapshot must pass event values through this function first.
 */
export function storedBaselineValue(value: string): string {
  if (
    value.length <= BASELINE_VALUE_LENGTH &&
    Buffer.byteLength(value, 'utf8') <= MAX_VALUE_BYTES &&
    !value.includes('\0') &&
    !LONE_SURROGATE.test(value)
  ) {
    return value;
  }
  const suffix = `…#${createHash('sha256').update(value, 'utf8').digest('hex').slice(0, DIGEST_CHARS)}`;
  const maxChars = BASELINE_VALUE_LENGTH - suffix.length;
  const maxBytes = MAX_VALUE_BYTES - Buffer.byteLength(suffix, 'utf8');
  let prefix = '';
  let bytes = 0;
  // for…of walks code points, so a surrogate pair is never cut in half.
  for (const codePoint of value) {
    if (codePoint === '\0') continue;
    const safe = LONE_SURROGATE.test(codePoint) ? '\uFFFD' : codePoint;
    const size = Buffer.byteLength(safe, 'utf8');
    if (prefix.length + safe.length > maxChars || bytes + size > maxBytes) break;
    prefix += safe;
    bytes += size;
  }
  return prefix + suffix;
}
