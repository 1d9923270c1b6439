import type { CaseContext, ExceptionReport, Identity, RelatedCase } from '@vigil/contracts';
import { assessRisk } from '@vigil/domain';
import { anIdentity } from '../../support/cases';

const identity: Identity = anIdentity('svc-payments');

function report(overrides: Partial<ExceptionReport> = {}): ExceptionReport {
  return {
    reportId: 'r1',
    identityId: 'svc-payments',
    kind: 'novel_scope',
    severity: 'medium',
    fingerprint: 'svc-payments.novel_scope.vault',
    evidence: { score: 0.5 },
    reportedAt: '2026-11-25T00:00:00.000Z',
    ...overrides,
  };
}

function context(overrides: Partial<CaseContext> = {}): CaseContext {
  return {
    gatheredAt: '2026-11-25T00:00:01.000Z',
    identity,
    credentialAgeDays: null,
    lastRotatedAt: null,
    scopes: { granted: [], used: [], unused: [] },
    tools: { granted: [], used: [], unused: [] },
    restrictions: [],
    recentEvents: [],
    baseline: null,
    relatedCases: [],
    ...overrides,
  };
}

function related(sameFingerprint: boolean, status: RelatedCase['status']): RelatedCase {
  return {
    caseId: `c-${Math.random()}`,
    workflowId: 'case-x',
    kind: 'novel_scope',
    severity: 'medium',
    status,
    resolution: status === 'resolved' ? 'false_positive' : null,
    openedAt: '2026-11-20T00:00:00.000Z',
    sameFingerprint,
  };
}

describe('assessRisk', () => {
  it('starts from the detector score and keeps the reported severity', () => {
    const risk = assessRisk(report(), context(), 1);
    expect(risk.score).toBe(0.5);
    expect(risk.severity).toBe('medium');
    expect(risk.factors).toEqual([{ factor: 'detector score', effect: 'base 0.50' }]);
  });

  it('starts from the middle of the severity band when the evidence has no score', () => {
    expect(assessRisk(report({ evidence: {}, severity: 'high' }), context(), 1).score).toBe(0.75);
  });

  it('raises the severity for a critical, vendor-owned identity with repeats', () => {
    const risk = assessRisk(
      report({ evidence: { score: 0.6 } }),
      context({
        identity: { ...identity, criticality: 'critical', vendor: 'Acme CRM' },
        relatedCases: [
          related(true, 'resolved'),
          related(true, 'resolved'),
          related(true, 'resolved'),
        ],
      }),
      1,
    );
    // 0.6 + 0.10 (critical) + 0.05 (vendor) + 0.10 (repeats, capped at two)
    expect(risk.score).toBe(0.85);
    expect(risk.severity).toBe('high');
    expect(risk.factors.map((f) => f.factor)).toEqual([
      'detector score',
      'critical identity',
      'vendor-owned (Acme CRM)',
      '3 earlier case(s) of the same deviation',
    ]);
  });

  it('never lowers the reported severity', () => {
    expect(
      assessRisk(report({ severity: 'critical', evidence: { score: 0.1 } }), context(), 1),
    ).toMatchObject({ score: 0.1, severity: 'critical' });
  });

  it('counts an unknown identity, concurrent open cases and many occurrences', () => {
    const risk = assessRisk(
      report({ evidence: { score: 0.5 } }),
      context({
        identity: null,
        relatedCases: [related(false, 'escalated'), related(false, 'open')],
      }),
      12,
    );
    expect(risk.score).toBe(0.65);
    expect(risk.severity).toBe('high');
  });

  it('clamps to 1 and is deterministic', () => {
    const input = [
      report({ evidence: { score: 0.99 } }),
      context({ identity: { ...identity, criticality: 'critical', vendor: 'v' } }),
      50,
    ] as const;
    expect(assessRisk(...input)).toEqual(assessRisk(...input));
    expect(assessRisk(...input).score).toBe(1);
  });
});
