import type { ExceptionKind } from '../../contracts/src/vocabulary';

/** Characters a fingerprint may hold: safe in a workflow id, a URL path and a CLI argument. */
export const FINGERPRINT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$/;

/** Identity ids follow the same rule, so a default fingerprint built from one stays valid. */
export const IDENTITY_ID_PATTERN = FINGERPRINT_PATTERN;

/**
 * The dedup key when the reporter gives none: one open case per identity and kind.
 * Reporters that need finer grouping (one case per deviating value) pass their own.
 */
export function defaultFingerprint(identityId: string, kind: ExceptionKind): string {
  return `${identityId}.${kind}`;
}
