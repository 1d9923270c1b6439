import type { ExceptionReport } from '@vigil/contracts';
import type { CaseReporter, ReportOutcome } from '../../../apps/api/src/events/case-reporter';
import type { GuardrailThread } from '../../../apps/api/src/guardrail/guardrail-thread/guardrail-thread';
import type { VigilConfig } from '@vigil/config';
import {
  COALESCE_MS,
  DenialCases,
  type Denial,
} from '../../../apps/api/src/guardrail/denial-cases';

/** Records the reports it is given; each is answered when the test says so. */
class Reports {
  readonly sent: ExceptionReport[] = [];
  private readonly answers: Array<(outcome: ReportOutcome) => void> = [];

  readonly reporter = {
    report: (reports: readonly ExceptionReport[]): Promise<ReportOutcome[]> => {
      this.sent.push(...reports);
      return new Promise((resolve) => this.answers.push((outcome) => resolve([outcome])));
    },
  } as unknown as CaseReporter;

  answer(caseId: string): void {
    const next = this.answers.shift();
    if (!next) throw new Error('no report is waiting');
    next({ caseId, workflowId: 'case-x', deduplicated: false, pending: false });
  }
}

const denial = (tool = 'shell.run'): Denial => ({
  request: { agentId: 'agent-1', tool, action: 'invoke', resource: null, context: {} },
  identity: null,
  reasons: ['no policy permits it'],
  policies: ['vigil:unknown-identity'],
  policyVersion: 'v1',
  requestId: 'r-1',
});

describe('DenialCases', () => {
  const T0 = Date.parse('2026-12-01T10:00:00Z');
  const CASE_WAIT_MS = 250;
  let reports: Reports;
  let cases: DenialCases;
  const denialCases = (caseWaitMs: number) =>
    new DenialCases(
      reports.reporter,
      { available: false } as GuardrailThread,
      {
        authorize: { caseWaitMs },
      } as VigilConfig,
    );

  beforeEach(() => {
    reports = new Reports();
    cases = denialCases(CASE_WAIT_MS);
  });

  it('answers the first denial without its case id by default, the next ones with it', async () => {
    cases = denialCases(0);
    await expect(cases.caseFor(denial(), T0)).resolves.toBeNull();
    reports.answer('case-1');
    await new Promise((resolve) => setImmediate(resolve));
    await expect(cases.caseFor(denial(), T0 + 1)).resolves.toBe('case-1');
    expect(reports.sent).toHaveLength(1);
  });

  it('makes the first denial wait for its case id, at most AUTHORIZE_CASE_WAIT_MS', async () => {
    const first = cases.caseFor(denial(), T0);
    reports.answer('case-1');
    await expect(first).resolves.toBe('case-1');

    const other = cases.caseFor(denial('crm.export'), T0);
    const started = Date.now();
    await expect(other).resolves.toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(CASE_WAIT_MS - 5);
    expect(reports.sent).toHaveLength(2);
  });

  it('answers repeats within the window from the report before, counting them for the next', async () => {
    const first = cases.caseFor(denial(), T0);
    reports.answer('case-1');
    await first;
    await expect(cases.caseFor(denial(), T0 + 1_000)).resolves.toBe('case-1');
    await expect(cases.caseFor(denial(), T0 + 2_000)).resolves.toBe('case-1');
    expect(reports.sent).toHaveLength(1);

    // After the window, the next denial is reported with the repeats, and answered at once.
    await expect(cases.caseFor(denial(), T0 + COALESCE_MS + 1)).resolves.toBe('case-1');
    expect(reports.sent).toHaveLength(2);
    expect(reports.sent[1]!.evidence.repeatedDenials).toBe(2);
    expect(reports.sent[1]!.fingerprint).toBe(reports.sent[0]!.fingerprint);
  });

  it("keeps a quiet denial's case: the next one, windows later, names it at once", async () => {
    const first = cases.caseFor(denial(), T0);
    reports.answer('case-1');
    await first;
    await expect(cases.caseFor(denial(), T0 + 5 * COALESCE_MS)).resolves.toBe('case-1');
    expect(reports.sent).toHaveLength(2);
    expect(reports.sent[1]!.evidence.repeatedDenials).toBe(0);
  });

  it('names the next case once a report lands in one (the earlier case had closed)', async () => {
    const first = cases.caseFor(denial(), T0);
    reports.answer('case-1');
    await first;
    await expect(cases.caseFor(denial(), T0 + COALESCE_MS + 1)).resolves.toBe('case-1');
    reports.answer('case-2');
    await new Promise((resolve) => setImmediate(resolve));
    await expect(cases.caseFor(denial(), T0 + COALESCE_MS + 2)).resolves.toBe('case-2');
  });

  it('has repeats of a denial whose first report is under way wait for it', async () => {
    const first = cases.caseFor(denial(), T0);
    const repeat = cases.caseFor(denial(), T0 + 10);
    reports.answer('case-1');
    await expect(Promise.all([first, repeat])).resolves.toEqual(['case-1', 'case-1']);
    expect(reports.sent).toHaveLength(1);
  });
});
