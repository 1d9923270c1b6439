import type { CaseSnapshot, TimelineEntry } from '@vigil/contracts';
import {
  CaseEntity,
  CaseOutcomeEntity,
  DetectorFeedbackEntity,
  TimelineEntryEntity,
} from '@vigil/persistence';
import { createCaseRecordActivities } from '../../activities';
import { createTestDatabase, testingPostgres, type TestDatabase } from '../support/database';

const database = testingPostgres ? 'PostgreSQL' : 'SQLite';

describe(`case record activities on ${database}`, () => {
  let db: TestDatabase;
  let activities: ReturnType<typeof createCaseRecordActivities>;

  beforeAll(async () => {
    db = await createTestDatabase();
    activities = createCaseRecordActivities({ dataSource: db.dataSource });
  });

  afterAll(() => db.drop());

  const snapshot = (caseId: string, overrides: Partial<CaseSnapshot> = {}): CaseSnapshot => ({
    caseId,
    workflowId: `case-${caseId}`,
    fingerprint: caseId,
    identityId: 'svc-payments',
    kind: 'novel_scope',
    severity: 'high',
    status: 'awaiting_decision',
    occurrences: 1,
    evidence: { scope: 'secrets:write', nested: { values: [1, 2, 3] } },
    openedAt: '2026-11-24T10:00:00.000Z',
    lastOccurrenceAt: '2026-11-24T10:00:00.000Z',
    resolvedAt: null,
    resolution: null,
    disposition: null,
    decision: null,
    allowedDecisions: ['reject', 'accept_risk', 'false_positive'],
    context: null,
    risk: null,
    proposedRemediation: null,
    remediation: null,
    approvals: [],
    escalation: { tier: null, route: null, assignee: null, deadline: null, failSafe: null },
    acceptedUntil: null,
    review: null,
    revision: 2,
    ...overrides,
  });

  const entry = (seq: number): TimelineEntry => ({
    seq,
    at: `2026-11-24T10:00:0${seq}.000Z`,
    type: seq === 1 ? 'opened' : 'occurrence',
    actor: 'vigil',
    summary: `entry ${seq}`,
    detail: { seq },
  });

  const rowOf = (id: string) => db.dataSource.getRepository(CaseEntity).findOneByOrFail({ id });
  const timelineOf = (caseId: string) =>
    db.dataSource
      .getRepository(TimelineEntryEntity)
      .find({ where: { caseId }, order: { seq: 'ASC' } });

  it('writes a snapshot and its timeline, and a retry writes nothing twice', async () => {
    const input = { snapshot: snapshot('c1'), entries: [entry(1), entry(2)] };
    await activities.recordCaseProgress(input);
    await activities.recordCaseProgress(input);

    expect(await rowOf('c1')).toMatchObject({
      workflowId: 'case-c1',
      status: 'awaiting_decision',
      evidence: { scope: 'secrets:write', nested: { values: [1, 2, 3] } },
      allowedDecisions: ['reject', 'accept_risk', 'false_positive'],
      openedAt: new Date('2026-11-24T10:00:00.000Z'),
      revision: 2,
    });
    const timeline = await timelineOf('c1');
    expect(timeline.map((e) => e.seq)).toEqual([1, 2]);
    expect(timeline[1]).toMatchObject({
      type: 'occurrence',
      detail: { seq: 2 },
      at: new Date('2026-11-24T10:00:02.000Z'),
    });
  });

  it('moves a case forward and never back to an older revision', async () => {
    await activities.recordCaseProgress({
      snapshot: snapshot('c2'),
      entries: [entry(1), entry(2)],
    });
    const resolved = snapshot('c2', {
      status: 'resolved',
      occurrences: 3,
      severity: 'critical',
      resolution: 'accepted_risk',
      disposition: 'benign_expected',
      decision: {
        decision: 'accept_risk',
        actor: 'alice',
        role: 'analyst',
        decidedAt: '2026-11-24T11:00:00.000Z',
      },
      resolvedAt: '2026-11-24T11:00:00.000Z',
      allowedDecisions: [],
      revision: 5,
    });
    await activities.recordCaseProgress({
      snapshot: resolved,
      entries: [entry(3), entry(4), entry(5)],
    });
    // A stale write arriving late (an earlier attempt of the same activity) changes nothing.
    await activities.recordCaseProgress({
      snapshot: snapshot('c2', { occurrences: 2, revision: 3 }),
      entries: [entry(3)],
    });

    expect(await rowOf('c2')).toMatchObject({
      status: 'resolved',
      occurrences: 3,
      severity: 'critical',
      resolution: 'accepted_risk',
      decision: { decision: 'accept_risk', actor: 'alice' },
      resolvedAt: new Date('2026-11-24T11:00:00.000Z'),
      allowedDecisions: [],
      revision: 5,
    });
    expect((await timelineOf('c2')).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('keeps the recorded context when later snapshots leave it out', async () => {
    const context = {
      gatheredAt: '2026-11-24T10:00:01.000Z',
      identity: null,
      credentialAgeDays: 12,
      lastRotatedAt: '2026-11-12T10:00:00.000Z',
      scopes: { granted: [], used: ['db:read'], unused: [] },
      tools: { granted: [], used: [], unused: [] },
      restrictions: [],
      recentEvents: [],
      baseline: null,
      relatedCases: [],
    };
    await activities.recordCaseProgress({
      snapshot: snapshot('c4', { context, revision: 3 }),
      entries: [],
    });
    await activities.recordCaseProgress({
      snapshot: snapshot('c4', { status: 'escalated', revision: 4 }),
      entries: [],
    });
    expect(await rowOf('c4')).toMatchObject({ status: 'escalated', revision: 4, context });
  });

  it('records an outcome once', async () => {
    const outcome = {
      caseId: 'c3',
      resolution: 'false_positive' as const,
      disposition: 'false_positive' as const,
      decidedBy: 'bob',
      openedAt: '2026-11-24T10:00:00.000Z',
      resolvedAt: '2026-11-24T10:30:00.000Z',
      occurrences: 4,
      acknowledgedAt: '2026-11-24T10:10:00.000Z',
      feedback: {
        caseId: 'c3',
        detector: 'novel_scope' as const,
        identityId: 'svc-payments',
        identityKind: 'service_account',
        disposition: 'false_positive' as const,
        resolution: 'false_positive' as const,
        severity: 'high' as const,
        score: 0.7,
        value: 'secrets:write',
        reason: 'a known batch job',
        decidedBy: 'bob',
        at: '2026-11-24T10:30:00.000Z',
      },
    };
    await activities.recordCaseOutcome(outcome);
    await activities.recordCaseOutcome({ ...outcome, decidedBy: 'someone else' });

    const rows = await db.dataSource.getRepository(CaseOutcomeEntity).findBy({ caseId: 'c3' });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      decidedBy: 'bob',
      timeToResolveMs: 30 * 60 * 1000,
      timeToAcknowledgeMs: 10 * 60 * 1000,
      occurrences: 4,
    });
    const feedback = await db.dataSource
      .getRepository(DetectorFeedbackEntity)
      .findBy({ caseId: 'c3' });
    expect(feedback).toEqual([
      expect.objectContaining({
        detector: 'novel_scope',
        identityKind: 'service_account',
        disposition: 'false_positive',
        score: 0.7,
        reason: 'a known batch job',
      }),
    ]);
  });
});
