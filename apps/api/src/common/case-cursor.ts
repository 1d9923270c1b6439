import { ApiError } from './api-error';

/** Where a page of cases, newest or oldest first, ends: the last case's opening time and id. */
export interface CaseCursor {
  readonly openedAt: string;
  readonly id: string;
}

/** The opaque `cursor` a paged case list hands out. */
export function encodeCaseCursor(cursor: CaseCursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

/** A cursor this API handed out, or a 400 naming the `cursor` field. */
export function decodeCaseCursor(raw: string): CaseCursor {
  try {
    const parsed = JSON.parse(
      Buffer.from(raw, 'base64url').toString('utf8'),
    ) as Partial<CaseCursor>;
    if (
      typeof parsed.openedAt === 'string' &&
      !Number.isNaN(Date.parse(parsed.openedAt)) &&
      typeof parsed.id === 'string'
    ) {
      return { openedAt: parsed.openedAt, id: parsed.id };
    }
  } catch {
    // falls through to the validation error
  }
  throw ApiError.validation('cursor', 'cursor is not one this API returned');
}
