import { createHash } from 'node:crypto';

/**
 * The audit log's hash chain: how a row is serialised and hashed. Row `n`'s hash is
 * SHA-256 over the canonical JSON of its content and row `n − 1`'s hash (the genesis hash
 * for row 1), so a row cannot be edited, removed or moved without breaking every link after
 * it. Anyone holding the rows can recompute the chain with this file alone.
 */

/** The `prevHash` of the first row. */
export const GENESIS_HASH = '0'.repeat(64);

/** The chain head's row key in `audit_head`. */
export const AUDIT_CHAIN_SLOT = 'chain';

/** What a row's hash covers: everything in the row but the hash itself. */
export interface ChainedContent {
  readonly seq: number;
  /** ISO 8601 with milliseconds, UTC. */
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly subjectType: string;
  readonly subjectId: string;
  readonly details: Readonly<Record<string, unknown>>;
  readonly idempotencyKey: string | null;
  readonly prevHash: string;
}

/**
 * JSON with a stable form: object keys sorted by UTF-16 code units, no whitespace, members
 * whose value is `undefined` left out, dates as ISO strings, non-finite numbers as `null`
 * (as JSON.stringify writes them). Two values that store as the same JSON serialise alike,
 * whatever order their keys were written or stored in (PostgreSQL's jsonb reorders them).
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return JSON.stringify(value.toString());
    case 'object':
      break;
    default:
      return 'null';
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) {
    return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  }
  const object = value as Record<string, unknown>;
  const members: string[] = [];
  for (const key of Object.keys(object).sort(byCodeUnits)) {
    const member = object[key];
    if (member === undefined || typeof member === 'function' || typeof member === 'symbol') {
      continue;
    }
    members.push(`${JSON.stringify(key)}:${canonicalJson(member)}`);
  }
  return `{${members.join(',')}}`;
}

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// NUL and unpaired surrogates: PostgreSQL's text and jsonb cannot store them.
// eslint-disable-next-line no-control-regex -- NUL is exactly what is looked for
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Details as both databases store and give them back: plain JSON (dates as ISO strings,
 * `undefined` members dropped) with NUL and unpaired surrogates replaced by U+FFFD. The hash
 * is computed over this form, so what is read back hashes the same.
 */
export function storableDetails(
  details: Readonly<Record<string, unknown>> | undefined,
): Record<string, unknown> {
  if (!details) return {};
  const parsed: unknown = JSON.parse(canonicalJson(details), (_key, value: unknown) =>
    typeof value === 'string' ? value.replace(UNSTORABLE, '\ufffd') : value,
  );
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
    ? (parsed as Record<string, unknown>)
    : {};
}

/** The text a row's hash is taken over. */
export function chainText(content: ChainedContent): string {
  return canonicalJson({
    seq: content.seq,
    at: content.at,
    actor: content.actor,
    action: content.action,
    subjectType: content.subjectType,
    subjectId: content.subjectId,
    details: content.details,
    idempotencyKey: content.idempotencyKey,
    prevHash: content.prevHash,
  });
}

/** SHA-256 (hex) of a row's canonical serialisation. */
export function chainHash(content: ChainedContent): string {
  return createHash('sha256').update(chainText(content), 'utf8').digest('hex');
}

/** Where a chain first stops holding together. */
export interface BrokenLink {
  readonly seq: number;
  /** The hash the chain expects at this point. */
  readonly expectedHash: string;
  /** The hash found instead (`null`: no row where one should be). */
  readonly actualHash: string | null;
  readonly reason: BrokenLinkReason;
}

export type BrokenLinkReason =
  /** The row's content does not hash to its stored hash: it was edited. */
  | 'hash_mismatch'
  /** The row does not link to the row before it: a row was replaced or reordered. */
  | 'prev_hash_mismatch'
  /** A sequence number is missing: a row was removed. */
  | 'missing_row'
  /** The chain ends before (or differs from) its recorded head: newest rows were removed. */
  | 'head_mismatch';

/**
 * Walks rows in seq order, one page at a time, and remembers the first broken link. Feed it
 * every row from seq 1 up, then `finish` with the recorded head.
 */
export class ChainWalker {
  private expectedSeq = 1;
  private previousHash = GENESIS_HASH;
  private broken: BrokenLink | null = null;
  private count = 0;

  get rows(): number {
    return this.count;
  }

  get firstBrokenLink(): BrokenLink | null {
    return this.broken;
  }

  /** The hash of the last row walked (the genesis hash before any). */
  get lastHash(): string {
    return this.previousHash;
  }

  /** Checks one row; false once the chain is broken (walking further adds nothing). */
  push(row: ChainedContent & { readonly hash: string }): boolean {
    if (this.broken) return false;
    this.count += 1;
    if (row.seq !== this.expectedSeq) {
      this.broken = {
        seq: this.expectedSeq,
        expectedHash: this.previousHash,
        actualHash: row.prevHash,
        reason: 'missing_row',
      };
      return false;
    }
    if (row.prevHash !== this.previousHash) {
      this.broken = {
        seq: row.seq,
        expectedHash: this.previousHash,
        actualHash: row.prevHash,
        reason: 'prev_hash_mismatch',
      };
      return false;
    }
    const recomputed = chainHash(row);
    if (recomputed !== row.hash) {
      this.broken = {
        seq: row.seq,
        expectedHash: recomputed,
        actualHash: row.hash,
        reason: 'hash_mismatch',
      };
      return false;
    }
    this.expectedSeq += 1;
    this.previousHash = row.hash;
    return true;
  }

  /** Compares the walked chain's end with the recorded head. */
  finish(head: { readonly seq: number; readonly hash: string }): BrokenLink | null {
    if (this.broken) return this.broken;
    const lastSeq = this.expectedSeq - 1;
    if (lastSeq !== head.seq || this.previousHash !== head.hash) {
      this.broken = {
        seq: lastSeq < head.seq ? lastSeq + 1 : head.seq,
        expectedHash: head.hash,
        actualHash: lastSeq === head.seq ? this.previousHash : null,
        reason: 'head_mismatch',
      };
    }
    return this.broken;
  }
}
