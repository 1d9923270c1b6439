import {
  CSF_DETECT,
  MAESTRO_OF_AGENT_CASE,
  caseAuditAction,
  controlEffectiveness,
  csvCell,
  csvRow,
  frameworkMetaOf,
  type ReportCase,
} from '@vigil/domain';
import { EXCEPTION_KINDS } from '@vigil/contracts';

describe('CSV cells', () => {
  it('quotes commas, quotes and line breaks as RFC 4180 does', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('one\ntwo')).toBe('"one\ntwo"');
    expect(csvCell('cr\rlf')).toBe('"cr\rlf"');
  });

  it('defuses text a spreadsheet would run as a formula', () => {
    expect(csvCell('=SUM(A1)')).toBe("'=SUM(A1)");
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-cmd')).toBe("'-cmd");
    expect(csvCell('@x')).toBe("'@x");
    expect(csvCell('\tx')).toBe("'\tx");
    expect(csvCell('=HYPERLINK("u","x")')).toBe('"\'=HYPERLINK(""u"",""x"")"');
  });

  it('writes numbers, booleans and empty values plainly, rows with CRLF', () => {
    expect(csvRow([-1.5, true, null, undefined, NaN, 'x'])).toBe('-1.5,true,,,,x\r\n');
  });
});

describe('framework mappings', () => {
  it('place every exception kind in a CSF Detect subcategory and, for agents, a MAESTRO layer', () => {
    for (const kind of EXCEPTION_KINDS) {
      expect(CSF_DETECT[kind]).toMatch(/^DE\.(CM|AE)-\d\d$/);
      expect(kind in MAESTRO_OF_AGENT_CASE).toBe(true);
    }
    expect(frameworkMetaOf('human_use')).toEqual({ owasp: 'NHI10', nist: 'DE.CM-03' });
    expect(frameworkMetaOf('dormant_identity')?.owasp).toBe('NHI1');
    expect(frameworkMetaOf('external_finding')).toBeNull();
  });

  it('name remediation steps by how they ended', () => {
    expect(caseAuditAction({ type: 'remediation_step', detail: { status: 'applied' } })).toBe(
      'remediation.step_succeeded',
    );
    expect(caseAuditAction({ type: 'remediation_step', detail: { status: 'compensated' } })).toBe(
      'remediation.step_compensated',
    );
    expect(caseAuditAction({ type: 'decision', detail: {} })).toBe('case.decided');
  });
});

function aCase(overrides: Partial<ReportCase>): ReportCase {
  return {
    id: 'c',
    kind: 'novel_scope',
    identityKind: 'service_account',
    severity: 'medium',
    resolution: null,
    escalated: false,
    slaBreached: false,
    timeToAcknowledgeMs: null,
    timeToResolveMs: null,
    verdict: null,
    ...overrides,
  };
}

describe('control-effectiveness report', () => {
  const cases: ReportCase[] = [
    aCase({
      id: 'auto',
      kind: 'rotation_overdue',
      resolution: 'auto_remediated',
      timeToResolveMs: 1_000,
      verdict: { disposition: 'true_positive', excluded: false },
    }),
    aCase({
      id: 'tp',
      resolution: 'contained',
      escalated: true,
      timeToAcknowledgeMs: 60_000,
      timeToResolveMs: 120_000,
      verdict: { disposition: 'true_positive', excluded: false },
    }),
    aCase({
      id: 'fp',
      resolution: 'false_positive',
      escalated: true,
      timeToAcknowledgeMs: 30_000,
      timeToResolveMs: 50_000,
      verdict: { disposition: 'false_positive', excluded: false },
    }),
    aCase({
      id: 'bad-data',
      resolution: 'false_positive',
      escalated: true,
      timeToAcknowledgeMs: 0,
      timeToResolveMs: 10_000,
      verdict: { disposition: 'false_positive', excluded: true },
    }),
    aCase({
      id: 'agent-open',
      kind: 'novel_tool',
      identityKind: 'ai_agent',
      escalated: true,
      slaBreached: true,
    }),
    aCase({
      id: 'agent-expired',
      kind: 'policy_violation',
      identityKind: 'ai_agent',
      resolution: 'expired_default',
      escalated: true,
      slaBreached: true,
      timeToResolveMs: 7_200_000,
      verdict: { disposition: 'undetermined', excluded: false },
    }),
  ];
  const report = controlEffectiveness({
    from: '2026-11-01T00:00:00.000Z',
    to: '2026-12-01T00:00:00.000Z',
    eventsObserved: 4_000,
    cases,
  });

  it('counts the funnel from events to human reviews', () => {
    expect(report).toMatchObject({
      eventsObserved: 4_000,
      exceptions: 6,
      exceptionsPer1000Events: 1.5,
      resolved: 5,
      autoRemediated: 1,
      escalatedToHumans: 5,
      slaBreaches: 2,
      truePositives: 2,
      falsePositives: 1,
      excludedVerdicts: 1,
      benignExpected: 0,
    });
  });

  it('computes precision without bad-data verdicts, and mean times', () => {
    expect(report.precision).toBe(0.6667);
    expect(report.mttaMs).toBe(30_000); // (60 000 + 30 000 + 0) / 3
    expect(report.mttrMs).toBe(1_476_200); // (1 000 + 120 000 + 50 000 + 10 000 + 7 200 000) / 5
  });

  it('groups per detector, OWASP NHI, CSF Detect subcategory and MAESTRO layer', () => {
    expect(report.byDetector.map((d) => [d.detector, d.exceptions, d.precision])).toEqual([
      ['novel_scope', 3, 0.5],
      ['novel_tool', 1, null],
      ['policy_violation', 1, null],
      ['rotation_overdue', 1, 1],
    ]);
    expect(report.byOwaspNhi.map((g) => [g.category, g.exceptions])).toEqual([
      ['NHI5', 5],
      ['NHI7', 1],
    ]);
    expect(report.byNistCsf.map((g) => [g.subcategory, g.exceptions])).toEqual([
      ['DE.CM-03', 3],
      ['DE.CM-09', 3],
    ]);
    expect(report.byMaestroLayer).toEqual([
      expect.objectContaining({
        layer: 'L7',
        name: 'Agent Ecosystem',
        detectors: ['novel_tool', 'policy_violation'],
        exceptions: 2,
        slaBreaches: 2,
        resolved: 1,
      }),
    ]);
  });

  it('reports nothing as null rather than zero', () => {
    const empty = controlEffectiveness({ from: 'a', to: 'b', eventsObserved: 0, cases: [] });
    expect(empty).toMatchObject({
      exceptions: 0,
      precision: null,
      mttaMs: null,
      mttrMs: null,
      exceptionsPer1000Events: null,
      byDetector: [],
    });
  });
});
