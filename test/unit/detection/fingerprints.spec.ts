import { EXCEPTION_KINDS } from '@vigil/contracts';
import {
  FINGERPRINT_PATTERN,
  deviationFingerprint,
  fnv1a32,
  hash64Hex,
  safeFingerprint,
} from '@vigil/domain';
import { DAY, HOUR, T0 } from './support';

describe('FNV-1a', () => {
  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ])('hashes %j to the published test vector', (text, expected) => {
    expect(fnv1a32(text)).toBe(expected);
  });

  it('gives 16 hex characters for the 64-bit form, deterministically', () => {
    expect(hash64Hex('svc-payments')).toMatch(/^[0-9a-f]{16}$/);
    expect(hash64Hex('svc-payments')).toBe(hash64Hex('svc-payments'));
    expect(hash64Hex('svc-payments')).not.toBe(hash64Hex('svc-paymentt'));
  });
});

describe('deviation fingerprints', () => {
  it('are identity, detector and value, readable when the value is plain', () => {
    expect(deviationFingerprint('svc-payments', 'novel_scope', 'secrets:read', T0)).toBe(
      'svc-payments.novel_scope.secrets:read',
    );
  });

  it('bucket rate spikes, off-hours and reuse by day, and nothing else', () => {
    const a = deviationFingerprint('svc', 'rate_spike', 'read', T0 + HOUR);
    expect(a).toBe('svc.rate_spike.read.2026-10-05');
    expect(deviationFingerprint('svc', 'rate_spike', 'read', T0 + 20 * HOUR)).toBe(a);
    expect(deviationFingerprint('svc', 'rate_spike', 'read', T0 + DAY)).not.toBe(a);
    expect(deviationFingerprint('svc', 'off_hours', 'sat', T0)).toMatch(/\.2026-10-05$/);
    expect(deviationFingerprint('svc', 'credential_reuse', 'host', T0)).toMatch(/\.2026-10-05$/);
    expect(deviationFingerprint('svc', 'novel_scope', 'x', T0)).toBe(
      deviationFingerprint('svc', 'novel_scope', 'x', T0 + 30 * DAY),
    );
  });

  const hostile: Array<[string, string]> = [
    ['spaces', 'secrets read all'],
    ['unicode', 'ресурс/数据/🔑'],
    ['a lone surrogate', 'x\ud800y'],
    ['control characters', 'a\u0000b\nc\td'],
    ['only punctuation', '!!!***'],
    ['a leading dot', '.hidden'],
    ['the empty string', ''],
    ['quotes and slashes', `"'\\;DROP TABLE cases;--`],
    ['200 allowed characters', 'a'.repeat(200)],
  ];

  it.each(hostile)('are valid for %s', (_label, value) => {
    for (const kind of EXCEPTION_KINDS) {
      const fp = deviationFingerprint('svc-payments', kind, value, T0);
      expect(FINGERPRINT_PATTERN.test(fp)).toBe(true);
      expect(fp.length).toBeLessThanOrEqual(200);
    }
  });

  // Hashing a megabyte is slow under the test runner: a plain and a day-bucketed kind.
  it.each([
    ['a megabyte', 'x'.repeat(1024 * 1024)],
    ['a megabyte of unicode', '😀'.repeat(512 * 1024)],
  ])('are valid for %s', (_label, value) => {
    for (const kind of ['novel_resource', 'rate_spike'] as const) {
      const fp = deviationFingerprint('svc-payments', kind, value, T0);
      expect(FINGERPRINT_PATTERN.test(fp)).toBe(true);
      expect(fp.length).toBeLessThanOrEqual(200);
    }
  });

  it('are valid even for an identity id outside the id pattern', () => {
    for (const id of ['svc payments', '-svc', 'ü'.repeat(300)]) {
      expect(FINGERPRINT_PATTERN.test(deviationFingerprint(id, 'novel_tool', 'x', T0))).toBe(true);
    }
  });

  it('stay distinct when values sanitise alike or share a long prefix', () => {
    const fp = (v: string) => deviationFingerprint('svc', 'novel_resource', v, T0);
    expect(fp('a b')).not.toBe(fp('a_b'));
    expect(fp('a b')).not.toBe(fp('a\tb'));
    expect(fp(`${'p'.repeat(300)}1`)).not.toBe(fp(`${'p'.repeat(300)}2`));
  });

  it('are stable across calls', () => {
    const v = `weird value ${'é'.repeat(500)}`;
    expect(deviationFingerprint('svc', 'novel_scope', v, T0)).toBe(
      deviationFingerprint('svc', 'novel_scope', v, T0),
    );
  });

  it('leave valid input untouched', () => {
    expect(safeFingerprint('svc-payments.novel_scope.db:read')).toBe(
      'svc-payments.novel_scope.db:read',
    );
  });
});
