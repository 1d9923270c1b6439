import { createHash } from 'node:crypto';
import {
  ChainWalker,
  GENESIS_HASH,
  canonicalJson,
  chainHash,
  chainText,
  storableDetails,
  type ChainedContent,
} from '@vigil/persistence';

function chain(count: number): Array<ChainedContent & { hash: string }> {
  const rows: Array<ChainedContent & { hash: string }> = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= count; seq++) {
    const content: ChainedContent = {
      seq,
      at: new Date(Date.UTC(2026, 10, 24, 10, 0, seq)).toISOString(),
      actor: 'ana@example.com',
      action: 'case.decided',
      subjectType: 'case',
      subjectId: `c-${seq}`,
      details: { decision: 'contain', n: seq },
      idempotencyKey: `case:c-${seq}:1`,
      prevHash,
    };
    const hash = chainHash(content);
    rows.push({ ...content, hash });
    prevHash = hash;
  }
  return rows;
}

describe('canonical serialisation', () => {
  it('sorts keys at every depth and leaves out undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('is the same whatever order keys were written in', () => {
    expect(canonicalJson({ x: 1, y: { q: 'a', p: 'b' } })).toBe(
      canonicalJson({ y: { p: 'b', q: 'a' }, x: 1 }),
    );
  });

  it('writes dates as ISO strings, non-finite numbers and undefined array items as null', () => {
    expect(canonicalJson([new Date(0), NaN, Infinity, undefined, -0, 'é"\n'])).toBe(
      '["1970-01-01T00:00:00.000Z",null,null,null,0,"é\\"\\n"]',
    );
  });

  it('stores details as both databases keep them: NUL and lone surrogates replaced', () => {
    expect(storableDetails({ s: 'a\u0000b\ud800c', ok: '😀', at: new Date(0) })).toEqual({
      at: '1970-01-01T00:00:00.000Z',
      ok: '😀',
      s: 'a\ufffdb\ufffdc',
    });
  });
});

describe('hash chain', () => {
  it('hashes the canonical text of the content and the previous hash', () => {
    const [row] = chain(1);
    expect(row!.prevHash).toBe(GENESIS_HASH);
    expect(row!.hash).toBe(createHash('sha256').update(chainText(row!)).digest('hex'));
    expect(chainText(row!)).toContain(`"prevHash":"${GENESIS_HASH}"`);
    expect(chainHash({ ...row!, details: { n: 1, decision: 'contain' } })).toBe(row!.hash);
    expect(chainHash({ ...row!, details: { decision: 'reject', n: 1 } })).not.toBe(row!.hash);
    expect(chainHash({ ...row!, prevHash: 'f'.repeat(64) })).not.toBe(row!.hash);
  });

  it('walks an intact chain to its head', () => {
    const rows = chain(5);
    const walker = new ChainWalker();
    for (const row of rows) expect(walker.push(row)).toBe(true);
    expect(walker.finish({ seq: 5, hash: rows[4]!.hash })).toBeNull();
    expect(walker.rows).toBe(5);
  });

  it('finds an edited row', () => {
    const rows = chain(5);
    rows[2] = { ...rows[2]!, actor: 'mallory' };
    const walker = new ChainWalker();
    rows.forEach((row) => walker.push(row));
    expect(walker.finish({ seq: 5, hash: rows[4]!.hash })).toEqual({
      seq: 3,
      expectedHash: chainHash(rows[2]!),
      actualHash: rows[2]!.hash,
      reason: 'hash_mismatch',
    });
  });

  it('finds a row rehashed after an edit by its broken link to the next', () => {
    const rows = chain(5);
    const edited = { ...rows[2]!, actor: 'mallory' };
    rows[2] = { ...edited, hash: chainHash(edited) };
    const walker = new ChainWalker();
    rows.forEach((row) => walker.push(row));
    expect(walker.finish({ seq: 5, hash: rows[4]!.hash })).toMatchObject({
      seq: 4,
      reason: 'prev_hash_mismatch',
      expectedHash: rows[2]!.hash,
      actualHash: rows[3]!.prevHash,
    });
  });

  it('finds a deleted row and deleted newest rows', () => {
    const rows = chain(5);
    const gap = new ChainWalker();
    [rows[0], rows[1], rows[3], rows[4]].forEach((row) => gap.push(row!));
    expect(gap.finish({ seq: 5, hash: rows[4]!.hash })).toMatchObject({
      seq: 3,
      reason: 'missing_row',
      expectedHash: rows[1]!.hash,
    });

    const tail = new ChainWalker();
    rows.slice(0, 3).forEach((row) => tail.push(row));
    expect(tail.finish({ seq: 5, hash: rows[4]!.hash })).toEqual({
      seq: 4,
      reason: 'head_mismatch',
      expectedHash: rows[4]!.hash,
      actualHash: null,
    });
  });
});
