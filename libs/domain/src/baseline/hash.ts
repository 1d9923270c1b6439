/**
 * FNV-1a (Fowler–Noll–Vo) over UTF-16 code units: tiny, fast, deterministic on every
 * runtime (workflows included), and good enough to keep shortened keys distinct. It is not
 * a cryptographic hash: nothing here relies on collision resistance against an adversary.
 */

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
// A second, arbitrary basis gives an independent-enough second half for a 64-bit digest.
const SECOND_BASIS = 0x050c5d1f;

export function fnv1a32(text: string, basis: number = FNV_OFFSET_BASIS): number {
  let hash = basis | 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, FNV_PRIME);
  }
  return hash >>> 0;
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

/** 16 hex characters: two FNV-1a passes with different offset bases. */
export function hash64Hex(text: string): string {
  return hex8(fnv1a32(text)) + hex8(fnv1a32(text, SECOND_BASIS));
}
