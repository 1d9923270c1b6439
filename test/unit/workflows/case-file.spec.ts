import {
  CASE_STATUSES,
  type CaseStatus,
  type Decision,
  type ExceptionReport,
  type Severity,
} from '@vigil/contracts';
import { canTransition, type DecisionCapabilities } from '@vigil/domain';
import { CaseFile, OCCURRENCES_IN_TIMELINE } from '../../../workflows/case-file';

const CLOCK = new Date('2025-03-01T12:00:00.000Z');
const OPENED_AT = '2025-03-01T11:59:00.000Z';
const IDS = { caseId: 'run-0001', workflowId: 'case-svc-payments.novel_scope' };
const NO_CAPABILITIES: DecisionCapabilities = {
  remediationProposed: false,
  containmentAvailable: false,
};
const ALL_CAPABILITIES: DecisionCapabilities = {
  remediationProposed: true,
  containmentAvailable: true,
};

function report(overrides: Partial<ExceptionReport> = {}): ExceptionReport {
  return {
    reportId: 'rep-1',
    identityId: 'svc-payments',
    kind: 'novel_scope',
    severity: 'medium',
    fingerprint: 'svc-payments.novel_scope',
    evidence: { scope: 'vault:secrets:read' },
    reportedAt: OPENED_AT,
    ...overrides,
  };
}

function repeat(n: number, overrides: Partial<ExceptionReport> = {}): ExceptionReport {
  return report({
    reportId: `rep-${n}`,
    reportedAt: `2025-03-01T12:${String(n % 60).padStart(2, '0')}:00.000Z`,
    evidence: { n },
    ...overrides,
  });
}

function newFile(
  capabilities: DecisionCapabilities = NO_CAPABILITIES,
  first: ExceptionReport = report(),
): CaseFile {
  const file = CaseFile.open(IDS, first, null);
  if (capabilities.remediationProposed || capabilities.containmentAvailable) {
    file.offer(
      capabilities.remediationProposed ? PROPOSED : null,
      capabilities.containmentAvailable,
    );
  }
  return file;
}

const PROPOSED = {
  playbookId: 'revoke-scope',
  playbookVersion: 1,
  requestedBy: 'vigil',
  requestedAt: OPENED_AT,
  preview: {
    playbookId: 'revoke-scope',
    playbookVersion: 1,
    automatic: false,
    ceiling: 'outside the automatic ceiling',
    steps: [],
  },
};

/** An analyst's decision taken and applied as the runbook applies the simple ones. */
function decide(
  file: CaseFile,
  input: { decision: Decision; actor: string; comment?: string },
  at: string,
): void {
  if (!canTransition(file.currentStatus, 'resolved')) {
    throw new Error(`case is ${file.currentStatus}; it cannot be decided`);
  }
  file.takeDecision({ ...input, role: 'analyst' }, at);
  file.clearPending();
  const { resolution, disposition } = file.outcomeOfDecision(input.decision);
  file.resolve(resolution, disposition, input.actor, at, `decided ${input.decision}`);
}

/** The shortest legal path from open to each status. */
const PATH_TO: Record<CaseStatus, readonly CaseStatus[]> = {
  open: [],
  triaging: ['triaging'],
  remediating: ['remediating'],
  awaiting_decision: ['awaiting_decision'],
  escalated: ['awaiting_decision', 'escalated'],
  resolved: ['resolved'],
};

function fileIn(status: CaseStatus, capabilities = NO_CAPABILITIES): CaseFile {
  const file = newFile(capabilities);
  for (const step of PATH_TO[status]) file.moveTo(step, `to ${step}`);
  return file;
}

function expectGaplessSeqs(file: CaseFile): void {
  const seqs = file.view().timeline.map((entry) => entry.seq);
  expect(seqs).toEqual(seqs.map((_, index) => index + 1));
}

beforeEach(() => {
  jest.useFakeTimers({ now: CLOCK });
});

afterEach(() => {
  jest.useRealTimers();
});

describe('CaseFile', () => {
  describe('when opened', () => {
    it('starts open, at the report severity, with one occurrence', () => {
      const file = newFile();
      expect(file.currentStatus).toBe('open');
      expect(file.currentSeverity).toBe('medium');
      expect(file.view().decision).toBeNull();
      expect(file.decisionFacts().capabilities).toEqual(NO_CAPABILITIES);
    });

    it('writes a single opened entry', () => {
      const timeline = newFile().view().timeline;
      expect(timeline).toEqual([
        {
          seq: 1,
          at: CLOCK.toISOString(),
          type: 'opened',
          actor: 'vigil',
          summary: 'novel_scope reported for svc-payments',
          detail: {
            reportId: 'rep-1',
            severity: 'medium',
            fingerprint: 'svc-payments.novel_scope',
          },
        },
      ]);
    });

    it('has revision 1 (the opened entry is a change to record)', () => {
      expect(newFile().revision).toBe(1);
    });

    it('exposes the report in its view', () => {
      expect(newFile().view()).toEqual({
        caseId: 'run-0001',
        workflowId: 'case-svc-payments.novel_scope',
        fingerprint: 'svc-payments.novel_scope',
        identityId: 'svc-payments',
        kind: 'novel_scope',
        severity: 'medium',
        status: 'open',
        occurrences: 1,
        evidence: { scope: 'vault:secrets:read' },
        openedAt: OPENED_AT,
        lastOccurrenceAt: OPENED_AT,
        resolvedAt: null,
        resolution: null,
        disposition: null,
        decision: null,
        allowedDecisions: [],
        context: null,
        risk: null,
        proposedRemediation: null,
        remediation: null,
        approvals: [],
        escalation: { tier: null, route: null, assignee: null, deadline: null, failSafe: null },
        acceptedUntil: null,
        review: null,
        timeline: [expect.objectContaining({ seq: 1, type: 'opened' })],
      });
    });

    it('stamps timeline entries with the clock at the moment of the change', () => {
      const file = newFile();
      jest.setSystemTime(new Date('2025-03-01T12:05:00.000Z'));
      file.moveTo('awaiting_decision', 'analyst decides');
      const [opened, moved] = file.view().timeline;
      expect(opened.at).toBe('2025-03-01T12:00:00.000Z');
      expect(moved.at).toBe('2025-03-01T12:05:00.000Z');
    });
  });

  describe('addOccurrence', () => {
    it('counts a repeat and lists it in the timeline', () => {
      const file = newFile();
      expect(file.addOccurrence(repeat(2), 'ignored-now')).toBe(false);
      const view = file.view();
      expect(view.occurrences).toBe(2);
      expect(view.lastOccurrenceAt).toBe(repeat(2).reportedAt);
      expect(view.openedAt).toBe(OPENED_AT);
      expect(view.timeline[1]).toEqual({
        seq: 2,
        at: CLOCK.toISOString(),
        type: 'occurrence',
        actor: 'vigil',
        summary: 'occurrence 2',
        detail: { reportId: 'rep-2', severity: 'medium', evidence: { n: 2 } },
      });
    });

    it('ignores the first report delivered again (signal-with-start sends it twice)', () => {
      const file = newFile();
      const before = file.revision;
      expect(file.addOccurrence(report({ severity: 'critical' }), 'now')).toBe(false);
      expect(file.view().occurrences).toBe(1);
      expect(file.view().timeline).toHaveLength(1);
      expect(file.currentSeverity).toBe('medium');
      expect(file.revision).toBe(before);
    });

    it('ignores the first report id even after other occurrences', () => {
      const file = newFile();
      file.addOccurrence(repeat(2), 'now');
      file.addOccurrence(report(), 'now');
      expect(file.view().occurrences).toBe(2);
    });

    it('counts several repeats, numbering them in the timeline', () => {
      const file = newFile();
      for (let n = 2; n <= 5; n += 1) file.addOccurrence(repeat(n), 'now');
      const occurrences = file.view().timeline.filter((e) => e.type === 'occurrence');
      expect(occurrences.map((e) => e.summary)).toEqual([
        'occurrence 2',
        'occurrence 3',
        'occurrence 4',
        'occurrence 5',
      ]);
      expect(file.view().occurrences).toBe(5);
      expect(file.view().lastOccurrenceAt).toBe(repeat(5).reportedAt);
    });

    it('keeps the first report evidence as the case evidence', () => {
      const file = newFile();
      file.addOccurrence(repeat(2, { evidence: { other: true } }), 'now');
      expect(file.view().evidence).toEqual({ scope: 'vault:secrets:read' });
    });

    it.each([
      ['low', 'low', false],
      ['high', 'high', false],
      ['low', 'medium', true],
      ['medium', 'medium', false],
      ['medium', 'low', false],
      ['critical', 'low', false],
      ['low', 'high', true],
      ['medium', 'high', true],
      ['medium', 'critical', true],
      ['high', 'critical', true],
    ] as Array<[Severity, Severity, boolean]>)(
      'opened at %s, a %s occurrence raises severity: %s',
      (initial, incoming, raises) => {
        const file = newFile(NO_CAPABILITIES, report({ severity: initial }));
        expect(file.addOccurrence(repeat(2, { severity: incoming }), 'now')).toBe(raises);
        expect(file.currentSeverity).toBe(raises ? incoming : initial);
        expect(file.view().severity).toBe(raises ? incoming : initial);
        expect(file.view().timeline.some((e) => e.type === 'severity_raised')).toBe(raises);
      },
    );

    it('records the raise with from, to, report id and the given time', () => {
      const file = newFile();
      file.addOccurrence(repeat(2, { severity: 'high' }), '2025-03-01T12:30:00.000Z');
      expect(file.view().timeline.slice(1)).toEqual([
        expect.objectContaining({ seq: 2, type: 'occurrence', summary: 'occurrence 2' }),
        {
          seq: 3,
          at: CLOCK.toISOString(),
          type: 'severity_raised',
          actor: 'vigil',
          summary: 'severity medium → high',
          detail: {
            from: 'medium',
            to: 'high',
            reportId: 'rep-2',
            at: '2025-03-01T12:30:00.000Z',
          },
        },
      ]);
    });

    it('never lowers severity once raised', () => {
      const file = newFile();
      expect(file.addOccurrence(repeat(2, { severity: 'critical' }), 'now')).toBe(true);
      expect(file.addOccurrence(repeat(3, { severity: 'low' }), 'now')).toBe(false);
      expect(file.addOccurrence(repeat(4, { severity: 'high' }), 'now')).toBe(false);
      expect(file.currentSeverity).toBe('critical');
    });

    it('raises step by step, one entry per raise', () => {
      const file = newFile(NO_CAPABILITIES, report({ severity: 'low' }));
      expect(file.addOccurrence(repeat(2, { severity: 'medium' }), 'now')).toBe(true);
      expect(file.addOccurrence(repeat(3, { severity: 'high' }), 'now')).toBe(true);
      expect(file.addOccurrence(repeat(4, { severity: 'critical' }), 'now')).toBe(true);
      expect(
        file
          .view()
          .timeline.filter((e) => e.type === 'severity_raised')
          .map((e) => e.summary),
      ).toEqual(['severity low → medium', 'severity medium → high', 'severity high → critical']);
    });

    describe(`past ${OCCURRENCES_IN_TIMELINE} occurrences`, () => {
      function fileWithOccurrences(total: number): CaseFile {
        const file = newFile();
        for (let n = 2; n <= total; n += 1) file.addOccurrence(repeat(n), 'now');
        return file;
      }

      it('lists every occurrence up to the limit', () => {
        expect(OCCURRENCES_IN_TIMELINE).toBe(25);
        const file = fileWithOccurrences(OCCURRENCES_IN_TIMELINE);
        const listed = file.view().timeline.filter((e) => e.type === 'occurrence');
        expect(listed).toHaveLength(OCCURRENCES_IN_TIMELINE - 1);
        expect(listed.at(-1)?.summary).toBe(`occurrence ${OCCURRENCES_IN_TIMELINE}`);
      });

      it('writes one summary entry for the first occurrence past the limit', () => {
        const file = fileWithOccurrences(OCCURRENCES_IN_TIMELINE + 1);
        const last = file.view().timeline.at(-1);
        expect(last).toEqual({
          seq: OCCURRENCES_IN_TIMELINE + 1,
          at: CLOCK.toISOString(),
          type: 'occurrence',
          actor: 'vigil',
          summary: 'further occurrences are counted, not listed',
          detail: { occurrences: OCCURRENCES_IN_TIMELINE + 1 },
        });
      });

      it('then counts silently: occurrences and revision keep going, the timeline does not', () => {
        const file = fileWithOccurrences(OCCURRENCES_IN_TIMELINE + 1);
        const timelineLength = file.view().timeline.length;
        let revision = file.revision;
        for (let n = OCCURRENCES_IN_TIMELINE + 2; n <= 60; n += 1) {
          file.addOccurrence(repeat(n), 'now');
          expect(file.revision).toBeGreaterThan(revision);
          revision = file.revision;
        }
        const view = file.view();
        expect(view.occurrences).toBe(60);
        // Reports 2..60 carry minutes 2..59 and then 00: the latest time stays.
        expect(view.lastOccurrenceAt).toBe(repeat(59).reportedAt);
        expect(view.timeline).toHaveLength(timelineLength);
        expect(
          view.timeline.filter((e) => e.summary === 'further occurrences are counted, not listed'),
        ).toHaveLength(1);
        expectGaplessSeqs(file);
      });

      it('still records a severity raise after the limit', () => {
        const file = fileWithOccurrences(40);
        expect(file.addOccurrence(repeat(41, { severity: 'critical' }), 'now')).toBe(true);
        const last = file.view().timeline.at(-1);
        expect(last?.type).toBe('severity_raised');
        expect(last?.seq).toBe(OCCURRENCES_IN_TIMELINE + 2);
        expect(file.view().occurrences).toBe(41);
      });
    });
  });

  describe('moveTo', () => {
    it('changes status and records the change with its reason', () => {
      const file = newFile();
      file.moveTo('awaiting_decision', 'an analyst decides');
      expect(file.currentStatus).toBe('awaiting_decision');
      expect(file.view().timeline[1]).toEqual({
        seq: 2,
        at: CLOCK.toISOString(),
        type: 'status_changed',
        actor: 'vigil',
        summary: 'open → awaiting_decision: an analyst decides',
        detail: { from: 'open', to: 'awaiting_decision' },
      });
    });

    const pairs = CASE_STATUSES.flatMap((from) =>
      CASE_STATUSES.map((to) => [from, to, canTransition(from, to)] as const),
    );

    it.each(pairs.filter(([, , allowed]) => allowed))('moves %s → %s', (from, to) => {
      const file = fileIn(from);
      file.moveTo(to, 'test');
      expect(file.currentStatus).toBe(to);
    });

    it.each(pairs.filter(([, , allowed]) => !allowed))(
      'refuses %s → %s and changes nothing',
      (from, to) => {
        const file = fileIn(from);
        const before = file.view();
        const revision = file.revision;
        expect(() => file.moveTo(to, 'test')).toThrow(`case cannot move from ${from} to ${to}`);
        expect(file.currentStatus).toBe(from);
        expect(file.revision).toBe(revision);
        expect(file.view()).toEqual(before);
      },
    );
  });

  describe('decide', () => {
    it.each([
      ['approve_remediation', 'remediated_on_approval', 'true_positive'],
      ['contain', 'contained', 'true_positive'],
      ['reject', 'rejected', 'undetermined'],
      ['accept_risk', 'accepted_risk', 'benign_expected'],
      ['false_positive', 'false_positive', 'false_positive'],
    ] as Array<[Decision, string, string]>)(
      '%s resolves the case as %s (%s)',
      (decision, resolution, disposition) => {
        const file = fileIn('awaiting_decision', ALL_CAPABILITIES);
        decide(file, { decision, actor: 'ana@example.com' }, '2025-03-01T13:00:00.000Z');
        const view = file.view();
        expect(view.status).toBe('resolved');
        expect(view.resolution).toBe(resolution);
        expect(view.disposition).toBe(disposition);
        expect(view.resolvedAt).toBe('2025-03-01T13:00:00.000Z');
        expect(view.decision).toEqual({
          decision,
          actor: 'ana@example.com',
          role: 'analyst',
          decidedAt: '2025-03-01T13:00:00.000Z',
        });
        expect(file.view().decision).toEqual(view.decision);
        expect(view.allowedDecisions).toEqual([]);
      },
    );

    it('writes decision, status change and resolution entries, by the analyst', () => {
      const file = fileIn('escalated');
      decide(
        file,
        { decision: 'accept_risk', actor: 'ana', comment: 'known batch job' },
        '2025-03-01T13:00:00.000Z',
      );
      expect(file.view().timeline.slice(3)).toEqual([
        {
          seq: 4,
          at: CLOCK.toISOString(),
          type: 'decision',
          actor: 'ana',
          summary: 'accept_risk by ana',
          detail: { decision: 'accept_risk', comment: 'known batch job' },
        },
        {
          seq: 5,
          at: CLOCK.toISOString(),
          type: 'status_changed',
          actor: 'vigil',
          summary: 'escalated → resolved: decided accept_risk',
          detail: { from: 'escalated', to: 'resolved' },
        },
        {
          seq: 6,
          at: CLOCK.toISOString(),
          type: 'resolved',
          actor: 'ana',
          summary: 'resolved as accepted_risk',
          detail: { resolution: 'accepted_risk', disposition: 'benign_expected' },
        },
      ]);
      expectGaplessSeqs(file);
    });

    it('records a missing comment as null in the timeline but keeps the input as given', () => {
      const file = fileIn('awaiting_decision');
      decide(file, { decision: 'reject', actor: 'ana' }, '2025-03-01T13:00:00.000Z');
      expect(file.view().timeline.find((e) => e.type === 'decision')?.detail).toEqual({
        decision: 'reject',
        comment: null,
      });
      expect(file.view().decision).not.toHaveProperty('comment');
    });

    it('keeps the comment on the recorded decision', () => {
      const file = fileIn('awaiting_decision');
      decide(file, { decision: 'reject', actor: 'ana', comment: 'noise' }, 't');
      expect(file.view().decision?.comment).toBe('noise');
    });

    it('throws when the case is already resolved', () => {
      const file = fileIn('resolved');
      expect(() => decide(file, { decision: 'reject', actor: 'ana' }, 't')).toThrow(
        'case is resolved; it cannot be decided',
      );
      expect(file.currentStatus).toBe('resolved');
    });
  });

  describe('outcome', () => {
    it.each(CASE_STATUSES)('throws before a decision (status %s)', (status) => {
      expect(() => fileIn(status).outcome()).toThrow('case has no outcome before it is resolved');
    });

    it('returns the case outcome after a decision', () => {
      const file = fileIn('awaiting_decision', ALL_CAPABILITIES);
      file.addOccurrence(repeat(2), 'now');
      file.addOccurrence(repeat(3), 'now');
      decide(file, { decision: 'contain', actor: 'ana@example.com' }, '2025-03-01T14:00:00.000Z');
      expect(file.outcome()).toEqual({
        caseId: 'run-0001',
        resolution: 'contained',
        disposition: 'true_positive',
        decidedBy: 'ana@example.com',
        openedAt: OPENED_AT,
        resolvedAt: '2025-03-01T14:00:00.000Z',
        occurrences: 3,
        acknowledgedAt: '2025-03-01T14:00:00.000Z',
        feedback: {
          caseId: 'run-0001',
          detector: 'novel_scope',
          identityId: 'svc-payments',
          identityKind: null,
          disposition: 'true_positive',
          resolution: 'contained',
          severity: 'medium',
          score: null,
          value: null,
          dimension: 'novel_scope',
          excluded: false,
          reason: 'contained by ana@example.com',
          decidedBy: 'ana@example.com',
          at: '2025-03-01T14:00:00.000Z',
        },
        acceptedUntil: null,
      });
    });
  });

  describe('view', () => {
    it.each([
      ['open', NO_CAPABILITIES, []],
      ['triaging', ALL_CAPABILITIES, []],
      ['remediating', ALL_CAPABILITIES, []],
      ['resolved', ALL_CAPABILITIES, []],
      ['awaiting_decision', NO_CAPABILITIES, ['reject', 'accept_risk', 'false_positive']],
      [
        'awaiting_decision',
        { remediationProposed: true, containmentAvailable: false },
        ['approve_remediation', 'reject', 'accept_risk', 'false_positive'],
      ],
      [
        'escalated',
        { remediationProposed: false, containmentAvailable: true },
        ['reject', 'contain', 'accept_risk', 'false_positive'],
      ],
      [
        'escalated',
        ALL_CAPABILITIES,
        ['approve_remediation', 'reject', 'contain', 'accept_risk', 'false_positive'],
      ],
    ] as Array<[CaseStatus, DecisionCapabilities, Decision[]]>)(
      'in %s with %j allows %j',
      (status, capabilities, expected) => {
        expect(fileIn(status, capabilities).view().allowedDecisions).toEqual(expected);
      },
    );

    it('returns a copy of the timeline that callers cannot use to change the case', () => {
      const file = newFile();
      const timeline = file.view().timeline as unknown[];
      timeline.push({ seq: 99 });
      timeline.length = 0;
      expect(file.view().timeline).toHaveLength(1);
      expect(file.entriesAfter(0)).toHaveLength(1);
    });
  });

  describe('snapshot', () => {
    it('is the view without the timeline, plus the revision', () => {
      const file = fileIn('awaiting_decision');
      file.addOccurrence(repeat(2, { severity: 'high' }), 'now');
      const { timeline, ...rest } = file.view();
      expect(timeline.length).toBeGreaterThan(0);
      const snapshot = file.snapshot();
      expect(snapshot).not.toHaveProperty('timeline');
      expect(snapshot).toEqual({ ...rest, revision: file.revision });
      expect(snapshot.severity).toBe('high');
      expect(snapshot.occurrences).toBe(2);
    });

    it('carries a revision that moves forward with the case', () => {
      const file = newFile();
      const first = file.snapshot().revision;
      file.moveTo('awaiting_decision', 'x');
      expect(file.snapshot().revision).toBeGreaterThan(first);
    });
  });

  describe('entriesAfter', () => {
    function busyFile(): CaseFile {
      const file = newFile();
      file.moveTo('awaiting_decision', 'x');
      file.addOccurrence(repeat(2, { severity: 'high' }), 'now');
      file.moveTo('escalated', 'deadline');
      return file;
    }

    it('returns every entry after seq 0', () => {
      const file = busyFile();
      expect(file.entriesAfter(0)).toEqual(file.view().timeline);
      expect(file.entriesAfter(0).map((e) => e.type)).toEqual([
        'opened',
        'status_changed',
        'occurrence',
        'severity_raised',
        'status_changed',
      ]);
    });

    it.each([
      [1, [2, 3, 4, 5]],
      [3, [4, 5]],
      [4, [5]],
      [5, []],
      [99, []],
    ])('after seq %i returns seqs %j', (seq, expected) => {
      expect(
        busyFile()
          .entriesAfter(seq)
          .map((e) => e.seq),
      ).toEqual(expected);
    });
  });

  describe('timeline and revision', () => {
    it('keeps seqs gapless from 1 through a full case', () => {
      const file = newFile(ALL_CAPABILITIES);
      file.moveTo('triaging', 'gathering context');
      file.addOccurrence(repeat(2), 'now');
      file.moveTo('awaiting_decision', 'analyst');
      file.addOccurrence(repeat(3, { severity: 'critical' }), 'now');
      file.moveTo('escalated', 'tier 2');
      for (let n = 4; n <= 40; n += 1) file.addOccurrence(repeat(n), 'now');
      decide(file, { decision: 'approve_remediation', actor: 'ana' }, 'later');
      expectGaplessSeqs(file);
      expect(file.view().timeline.at(-1)?.type).toBe('resolved');
    });

    it('increases the revision on every change', () => {
      const file = newFile(ALL_CAPABILITIES);
      const steps: Array<() => void> = [
        () => file.addOccurrence(repeat(2), 'now'),
        () => file.addOccurrence(repeat(3, { severity: 'high' }), 'now'),
        () => file.moveTo('triaging', 'x'),
        () => file.moveTo('awaiting_decision', 'x'),
        () => file.moveTo('escalated', 'x'),
        () => decide(file, { decision: 'contain', actor: 'ana' }, 'later'),
      ];
      let revision = file.revision;
      for (const step of steps) {
        step();
        expect(file.revision).toBeGreaterThan(revision);
        revision = file.revision;
      }
    });

    it('does not change the revision on reads', () => {
      const file = newFile();
      const revision = file.revision;
      file.view();
      file.snapshot();
      file.entriesAfter(0);
      expect(file.revision).toBe(revision);
    });
  });
});
