import { EXCEPTION_KINDS } from '@vigil/contracts';
import { loadConfig, redactUrl } from '@vigil/config';
import { FINGERPRINT_PATTERN, defaultFingerprint } from '@vigil/domain';
import { CaseFile } from '../../workflows/case-file';

const report = (reportId: string, reportedAt: string) => ({
  reportId,
  identityId: 'svc-payments',
  kind: 'novel_scope' as const,
  severity: 'medium' as const,
  fingerprint: 'svc-payments.novel_scope',
  evidence: {},
  reportedAt,
});

const openCase = () =>
  CaseFile.open(
    { caseId: 'c', workflowId: 'case-c' },
    report('r1', '2026-01-01T10:00:00.000Z'),
    null,
  );

describe('default fingerprints', () => {
  it.each(EXCEPTION_KINDS)('stay valid for the longest identity id with kind %s', (kind) => {
    expect(FINGERPRINT_PATTERN.test(defaultFingerprint('a'.repeat(160), kind))).toBe(true);
  });
});

describe('occurrences', () => {
  it('count a redelivered report once', () => {
    const file = openCase();
    file.addOccurrence(report('r2', '2026-01-01T10:01:00.000Z'), '2026-01-01T10:01:00.000Z');
    file.addOccurrence(report('r2', '2026-01-01T10:01:00.000Z'), '2026-01-01T10:01:01.000Z');
    expect(file.view().occurrences).toBe(2);
  });

  it('never move the last occurrence back in time', () => {
    const file = openCase();
    file.addOccurrence(report('r2', '2026-01-01T10:05:00.000Z'), '2026-01-01T10:05:00.000Z');
    file.addOccurrence(report('r3', '2026-01-01T10:02:00.000Z'), '2026-01-01T10:06:00.000Z');
    expect(file.view().lastOccurrenceAt).toBe('2026-01-01T10:05:00.000Z');
  });
});

describe('a second decision', () => {
  it('throws and changes nothing', () => {
    const file = openCase();
    file.moveTo('awaiting_decision', 'test');
    file.takeDecision(
      { decision: 'reject', actor: 'ana', role: 'analyst' },
      '2026-01-01T11:00:00.000Z',
    );
    file.clearPending();
    file.resolve('rejected', 'undetermined', 'ana', '2026-01-01T11:00:00.000Z', 'decided reject');
    const before = file.view();
    expect(() =>
      file.resolve('false_positive', 'false_positive', 'eve', '2026-01-01T12:00:00.000Z', 'again'),
    ).toThrow('cannot be resolved again');
    expect(file.view()).toEqual(before);
    expect(file.outcome()).toMatchObject({ resolution: 'rejected', decidedBy: 'ana' });
  });
});

describe('configuration parsing', () => {
  it.each(['0x1F90', '1e3', '3000.0', '-1', '65536'])('refuses API_PORT=%s', (value) => {
    expect(() => loadConfig({ API_PORT: value })).toThrow('API_PORT');
  });

  it('accepts an IPv6 Temporal address and refuses an out-of-range port', () => {
    expect(loadConfig({ TEMPORAL_ADDRESS: '[::1]:7233' }).temporal.address).toBe('[::1]:7233');
    expect(() => loadConfig({ TEMPORAL_ADDRESS: 'h:99999' })).toThrow('TEMPORAL_ADDRESS');
  });

  it('accepts an upper-case postgres scheme', () => {
    expect(loadConfig({ DATABASE_URL: 'POSTGRES://u:p@h/db' }).database.type).toBe('postgres');
  });

  it('hides a password passed as a URL parameter', () => {
    const redacted = redactUrl('postgres://h/db?password=secret&sslmode=require');
    expect(redacted).not.toContain('secret');
    expect(redacted).toContain('sslmode=require');
  });
});
