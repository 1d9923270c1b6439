import type { ExceptionKind } from '../../contracts/src/vocabulary';

/**
 * Identity ids: letters, digits and the punctuation cloud identifiers use (ARNs, SPIFFE-like
 * paths, e-mail-like service accounts). At most 160 characters, so a default fingerprint
 * built from one always fits the fingerprint limit.
 */
export const IDENTITY_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@/+=,-]{0,159}$/;

/** Fingerprints: the same characters, up to 200; safe in a workflow id and a CLI argument. */
export const FINGERPRINT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@/+=,-]{0,199}$/;

/**
 * The dedup key when the reporter gives none: one open case per identity and kind.
 * Reporters that need finer grouping (one case per deviating value) pass their own.
 */
export function defaultFingerprint(identityId: string, kind: ExceptionKind): string {
  return `${identityId}.${kind}`;
}
