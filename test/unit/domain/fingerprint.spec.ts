import { EXCEPTION_KINDS, SEVERITIES, type Severity } from '@vigil/contracts';
import {
  FINGERPRINT_PATTERN,
  IDENTITY_ID_PATTERN,
  defaultFingerprint,
  maxSeverity,
  severityRank,
} from '@vigil/domain';

describe('FINGERPRINT_PATTERN', () => {
  it.each([
    ['a plain name', 'svc-payments'],
    ['a single character', 'a'],
    ['a single digit', '7'],
    ['200 characters', 'a'.repeat(200)],
    ['a leading digit', '1password-connect'],
    ['an ARN', 'arn:aws:iam::123456789012:role/service-role/deployer'],
    ['IAM name punctuation', 'svc+ci=prod,eu'],
    ['an e-mail-like id', 'deploy-bot@ci.example.com'],
    ['every allowed punctuation', 'a._:@/+=,-z'],
    ['a default fingerprint', 'svc-payments.novel_scope'],
    ['trailing punctuation', 'svc-'],
    ['mixed case', 'SvcPayments'],
  ])('accepts %s (%s)', (_label, id) => {
    expect(FINGERPRINT_PATTERN.test(id)).toBe(true);
  });

  it.each([
    ['the empty string', ''],
    ['201 characters', 'a'.repeat(201)],
    ['a leading dot', '.svc'],
    ['a leading dash', '-svc'],
    ['a leading underscore', '_svc'],
    ['a leading colon', ':svc'],
    ['a leading at sign', '@svc'],
    ['a space inside', 'svc payments'],
    ['a leading space', ' svc'],
    ['a trailing space', 'svc '],
    ['a trailing newline', 'svc\n'],
    ['a tab', 'svc\tpayments'],
    ['a leading slash', '/svc'],
    ['a backslash', 'svc\\payments'],
    ['a question mark', 'svc?x=1'],
    ['a hash', 'svc#1'],
    ['a percent sign', 'svc%20x'],
    ['a semicolon', 'svc;x'],
    ['accented letters', 'sérvice'],
    ['a non-latin script', 'сервис'],
    ['an emoji', 'svc-🔑'],
    ['a leading non-ascii digit', '١svc'],
  ])('rejects %s (%j)', (_label, id) => {
    expect(FINGERPRINT_PATTERN.test(id)).toBe(false);
  });

  it('allows the same characters as IDENTITY_ID_PATTERN, with room for a kind', () => {
    expect(IDENTITY_ID_PATTERN.test('a'.repeat(160))).toBe(true);
    expect(IDENTITY_ID_PATTERN.test('a'.repeat(161))).toBe(false);
    expect(IDENTITY_ID_PATTERN.test('arn:aws:iam::1:role/x+y=z,w@v')).toBe(true);
  });

  it('is not stateful between calls (no global flag)', () => {
    expect(FINGERPRINT_PATTERN.flags).toBe('');
    expect(FINGERPRINT_PATTERN.test('svc')).toBe(true);
    expect(FINGERPRINT_PATTERN.test('svc')).toBe(true);
  });
});

describe('defaultFingerprint', () => {
  it('joins the identity id and the kind with a dot', () => {
    expect(defaultFingerprint('svc-payments', 'novel_scope')).toBe('svc-payments.novel_scope');
  });

  it('differs per kind for the same identity', () => {
    const fingerprints = EXCEPTION_KINDS.map((kind) => defaultFingerprint('svc-payments', kind));
    expect(new Set(fingerprints).size).toBe(EXCEPTION_KINDS.length);
  });

  it('differs per identity for the same kind', () => {
    expect(defaultFingerprint('svc-a', 'rate_spike')).not.toBe(
      defaultFingerprint('svc-b', 'rate_spike'),
    );
  });

  it.each(EXCEPTION_KINDS)('is a valid fingerprint for a typical identity and kind %s', (kind) => {
    expect(defaultFingerprint('arn:aws:iam::123:role', kind)).toMatch(FINGERPRINT_PATTERN);
  });
});

describe('severityRank', () => {
  it.each([
    ['low', 0],
    ['medium', 1],
    ['high', 2],
    ['critical', 3],
  ] as const)('ranks %s as %i', (severity, rank) => {
    expect(severityRank(severity)).toBe(rank);
  });

  it('orders low < medium < high < critical', () => {
    const shuffled: Severity[] = ['critical', 'low', 'high', 'medium'];
    const sorted = shuffled.sort((a, b) => severityRank(a) - severityRank(b));
    expect(sorted).toEqual(['low', 'medium', 'high', 'critical']);
    expect(severityRank('low')).toBeLessThan(severityRank('medium'));
    expect(severityRank('medium')).toBeLessThan(severityRank('high'));
    expect(severityRank('high')).toBeLessThan(severityRank('critical'));
  });

  it('returns -1 for a value outside the vocabulary (never a valid rank)', () => {
    expect(severityRank('severe' as Severity)).toBe(-1);
  });
});

describe('maxSeverity', () => {
  const pairs = SEVERITIES.flatMap((a) => SEVERITIES.map((b) => [a, b] as const));
  const higher = (a: Severity, b: Severity): Severity =>
    SEVERITIES.indexOf(a) >= SEVERITIES.indexOf(b) ? a : b;

  it('covers all 16 pairs', () => {
    expect(pairs).toHaveLength(16);
  });

  it.each(pairs)('maxSeverity(%s, %s)', (a, b) => {
    expect(maxSeverity(a, b)).toBe(higher(a, b));
  });

  it.each([
    ['low', 'critical', 'critical'],
    ['critical', 'low', 'critical'],
    ['medium', 'high', 'high'],
    ['high', 'medium', 'high'],
    ['low', 'medium', 'medium'],
    ['medium', 'low', 'medium'],
    ['low', 'low', 'low'],
    ['critical', 'critical', 'critical'],
  ] as const)('spot check: max(%s, %s) is %s', (a, b, expected) => {
    expect(maxSeverity(a, b)).toBe(expected);
  });

  it.each(pairs)('is commutative for (%s, %s)', (a, b) => {
    expect(maxSeverity(a, b)).toBe(maxSeverity(b, a));
  });
});
