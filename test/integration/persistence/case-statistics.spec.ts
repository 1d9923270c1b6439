import type { CaseStatus, TimelineEntryType } from '@vigil/contracts';
import {
  CASE_SYSTEM_ACTOR,
  CaseEntity,
  CaseStatistics,
  TimelineEntryEntity,
} from '@vigil/persistence';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { databaseName } from './fixtures';

const T0 = Date.UTC(2026, 10, 24, 9, 0, 0);
const MINUTE = 60_000;
const BOUNDS = [60, 600, 3600];

describe(`case statistics on ${databaseName}`, () => {
  let db: TestDatabase;
  let statistics: CaseStatistics;

  beforeAll(async () => {
    db = await createTestDatabase();
    statistics = new CaseStatistics(db.dataSource, BOUNDS);
  });

  afterAll(() => db.drop());

  async function aCase(
    id: string,
    status: CaseStatus,
    entries: Array<[TimelineEntryType, number, Record<string, unknown>, string?]>,
    overrides: Partial<CaseEntity> = {},
  ): Promise<void> {
    const row: CaseEntity = {
      id,
      workflowId: `case-${id}`,
      fingerprint: id,
      identityId: 'svc-payments',
      kind: 'novel_scope',
      severity: 'high',
      status,
      occurrences: 1,
      evidence: {},
      context: null,
      resolution: null,
      disposition: null,
      decision: null,
      allowedDecisions: [],
      openedAt: new Date(T0),
      lastOccurrenceAt: new Date(T0),
      resolvedAt: null,
      updatedAt: new Date(T0),
      risk: null,
      remediation: null,
      escalation: null,
      assignee: null,
      deadline: null,
      acceptedUntil: null,
      review: null,
      revision: 1,
      ...overrides,
    };
    await db.dataSource.getRepository(CaseEntity).save(row);
    const timeline: TimelineEntryEntity[] = entries.map(([type, minutes, detail, actor], i) => ({
      caseId: id,
      seq: i + 1,
      at: new Date(T0 + minutes * MINUTE),
      type,
      actor: actor ?? CASE_SYSTEM_ACTOR,
      summary: type,
      detail,
    }));
    await db.dataSource.getRepository(TimelineEntryEntity).save(timeline);
  }

  it('reads cases, exceptions, remediations, escalations, deadlines and decision latency', async () => {
    const empty = await statistics.snapshot();
    expect(empty).toMatchObject({
      casesByStatus: [],
      exceptions: [],
      remediations: [],
      remediationsCompensated: 0,
      escalations: [],
      failSafeDecisions: 0,
    });
    expect(empty.decisionLatency.size).toBe(0);

    // Auto-remediated: a run that succeeded, nobody asked.
    await aCase('auto', 'resolved', [
      ['opened', 0, {}],
      ['remediation_started', 1, { playbookId: 'rotate' }],
      ['remediation_step', 1, { step: 'rotate', status: 'applied' }],
      ['remediation_finished', 2, { outcome: 'succeeded', failure: null }],
    ]);
    // Escalated; a person decided 5 minutes later; the approved run failed and was undone
    // (two steps compensated in one run), then a second run succeeded.
    await aCase(
      'decided',
      'resolved',
      [
        ['opened', 0, {}],
        ['status_changed', 1, { from: 'triaging', to: 'awaiting_decision' }],
        ['escalated', 1, { tier: 1, assignee: 'olga@example.com' }],
        ['decision', 6, { decision: 'approve_remediation' }, 'ana@example.com'],
        ['remediation_started', 6, { playbookId: 'block' }],
        ['remediation_step', 6, { step: 'a', status: 'applied' }],
        ['remediation_step', 6, { step: 'b', status: 'failed' }],
        ['remediation_step', 7, { step: 'a', status: 'compensated' }],
        ['remediation_step', 7, { step: 'c', status: 'compensated' }],
        ['remediation_finished', 7, { outcome: 'failed', failure: { step: 'b' } }],
        ['remediation_started', 8, { playbookId: 'block' }],
        ['remediation_finished', 9, { outcome: 'succeeded', failure: null }],
      ],
      { kind: 'policy_violation', severity: 'critical', occurrences: 4 },
    );
    // Nobody decided: re-escalated at the tier-1 deadline, fail-safe at the last one.
    await aCase(
      'expired',
      'resolved',
      [
        ['opened', 0, {}],
        ['escalated', 10, { tier: 1 }],
        ['escalated', 70, { tier: 2 }],
        ['decision', 130, { decision: 'contain', expiredDefault: true }],
      ],
      { kind: 'policy_violation', severity: 'critical', occurrences: 2 },
    );
    // Still waiting.
    await aCase('waiting', 'awaiting_decision', [
      ['opened', 0, {}],
      ['escalated', 0, { tier: 1 }],
    ]);

    const snapshot = await statistics.snapshot();
    const byStatus = Object.fromEntries(snapshot.casesByStatus.map((r) => [r.status, r.count]));
    expect(byStatus).toEqual({ resolved: 3, awaiting_decision: 1 });
    expect([...snapshot.exceptions].sort((a, b) => a.detector.localeCompare(b.detector))).toEqual([
      { detector: 'novel_scope', severity: 'high', cases: 2, occurrences: 2 },
      { detector: 'policy_violation', severity: 'critical', cases: 2, occurrences: 6 },
    ]);
    const remediations = Object.fromEntries(snapshot.remediations.map((r) => [r.outcome, r.count]));
    expect(remediations).toEqual({ succeeded: 2, failed: 1 });
    expect(snapshot.remediationsCompensated).toBe(1);
    const escalations = Object.fromEntries(snapshot.escalations.map((r) => [r.tier, r.count]));
    expect(escalations).toEqual({ '1': 3, '2': 1 });
    expect(snapshot.failSafeDecisions).toBe(1);

    const person = snapshot.decisionLatency.get('person');
    expect(person?.count).toBe(1);
    expect(person?.sumSeconds).toBeCloseTo(300, 0);
    expect(person?.buckets).toEqual([0, 1, 1]);
    const failSafe = snapshot.decisionLatency.get('fail_safe');
    expect(failSafe?.count).toBe(1);
    // From the tier-1 escalation (minute 10) to the fail-safe (minute 130): 2 hours.
    expect(failSafe?.sumSeconds).toBeCloseTo(7200, 0);
    expect(failSafe?.buckets).toEqual([0, 0, 0]);
  });
});
