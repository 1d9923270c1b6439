import type { INestApplication } from '@nestjs/common';
import type { CaseOutcome, Disposition, ExceptionKind, Resolution } from '@vigil/contracts';
import { createCaseRecordActivities } from '../../activities';
import { testingPostgres } from '../support/database';
import { eventually } from '../support/eventually';
import { startSystem, type RunningSystem } from '../support/system';
import { apiClient, clientFor, type Http } from '../support/http';

const database = testingPostgres ? 'PostgreSQL' : 'SQLite';
const DAY = 86_400_000;

function expectError(body: unknown, code: string, field?: string): void {
  expect(body).toEqual({
    code,
    message: expect.any(String),
    ...(field ? { field } : {}),
    requestId: expect.any(String),
  });
}

/** A resolved case's outcome as the case workflow records it. */
function outcome(
  caseId: string,
  detector: ExceptionKind,
  disposition: Disposition,
  score: number,
  value: string,
  identityId = 'svc-batch',
  extra: { resolution?: Resolution; acceptedUntil?: string; excluded?: boolean } = {},
): CaseOutcome {
  const at = new Date(Date.now() - DAY).toISOString();
  const resolution: Resolution =
    extra.resolution ??
    (disposition === 'true_positive'
      ? 'contained'
      : disposition === 'false_positive'
        ? 'false_positive'
        : 'accepted_risk');
  return {
    caseId,
    resolution,
    disposition,
    decidedBy: 'ana@example.com',
    openedAt: at,
    resolvedAt: at,
    occurrences: 1,
    acknowledgedAt: at,
    acceptedUntil: extra.acceptedUntil ?? null,
    feedback: {
      caseId,
      detector,
      identityId,
      identityKind: 'service_account',
      disposition,
      resolution,
      severity: 'medium',
      score,
      value,
      dimension: detector,
      excluded: extra.excluded ?? false,
      reason: `${disposition} by ana@example.com`,
      decidedBy: 'ana@example.com',
      at,
    },
  };
}

describe(`tuning API on ${database}`, () => {
  let system: RunningSystem;
  let api: INestApplication;
  let http: Http;

  beforeAll(async () => {
    system = await startSystem(`tuning-${process.pid}`);
    ({ api } = system);
    http = apiClient(api);
    await http
      .put('/v1/identities/svc-batch')
      .send({
        kind: 'service_account',
        owner: 'alice@example.com',
        team: 'data',
        vendor: null,
        criticality: 'medium',
        environment: 'prod',
        policy: {},
        status: 'active',
      })
      .expect(201);
    // Verdicts: off_hours mostly wrong (4 of 7 false positives, scores just above 0.6),
    // a benign-expected unclassified identity, an accepted risk, one excluded as bad data.
    const records = createCaseRecordActivities({ dataSource: system.db.dataSource });
    const outcomes = [
      outcome('c-tp-1', 'off_hours', 'true_positive', 0.92, 'read'),
      outcome('c-tp-2', 'off_hours', 'true_positive', 0.88, 'write'),
      outcome('c-tp-3', 'off_hours', 'true_positive', 0.95, 'list'),
      outcome('c-fp-1', 'off_hours', 'false_positive', 0.61, 'read'),
      outcome('c-fp-2', 'off_hours', 'false_positive', 0.62, 'read'),
      outcome('c-fp-3', 'off_hours', 'false_positive', 0.63, 'read'),
      outcome('c-fp-4', 'off_hours', 'false_positive', 0.64, 'read'),
      outcome('c-bad-1', 'off_hours', 'false_positive', 0.99, 'read', 'svc-batch', {
        excluded: true,
      }),
      outcome('c-ghost', 'unclassified_identity', 'benign_expected', 0.3, 'ghost-1', 'ghost-1', {
        resolution: 'rejected',
      }),
      outcome('c-risk', 'novel_scope', 'benign_expected', 0.7, 'secrets:read', 'svc-batch', {
        acceptedUntil: new Date(Date.now() + 10 * DAY).toISOString(),
      }),
    ];
    for (const o of outcomes) await records.recordCaseOutcome(o);
  });

  afterAll(async () => {
    await system?.stop();
  });

  let runId: string;

  it('POST /v1/tuning/runs applies a run and answers with its record', async () => {
    const res = await (
      await clientFor(api, 'alice@example.com', 'admin')
    )
      .post('/v1/tuning/runs')
      .send({})
      .expect(201);
    runId = res.body.id;
    expect(runId).toMatch(/^tuning-manual-/);
    expect(res.body).toMatchObject({
      status: 'applied',
      inputs: {
        trigger: 'manual',
        requestedBy: 'alice@example.com',
        targetPrecision: 0.8,
        verdicts: 9,
        newVerdicts: 9,
        excluded: 1,
      },
      revert: null,
    });
    const offHours = res.body.thresholds.find(
      (c: { detector: string; identityKind: string | null }) =>
        c.detector === 'off_hours' && c.identityKind === null,
    );
    expect(offHours).toMatchObject({ before: 0.6, precision: 3 / 7 });
    expect(offHours.after).toBeGreaterThan(0.64);
    expect(offHours.after).toBeLessThanOrEqual(0.7);
    // The accepted risk got its allowance when the case closed; the benign verdict now.
    expect(res.body.allowancesAdded).toEqual([
      expect.objectContaining({
        id: 'verdict-c-ghost',
        identityId: 'ghost-1',
        detector: 'unclassified_identity',
        value: 'ghost-1',
        source: 'benign_verdict',
        runId,
      }),
    ]);
  });

  it('GET /v1/detectors shows the threshold, precision, volume and last run', async () => {
    const res = await http.get('/v1/detectors').expect(200);
    const offHours = res.body.find((d: { kind: string }) => d.kind === 'off_hours');
    expect(offHours).toMatchObject({
      defaultThreshold: 0.6,
      precision: 3 / 7,
      verdicts: { truePositive: 3, falsePositive: 4, benignExpected: 0, undetermined: 0 },
      caseVolume: 0,
      identityKindThresholds: {},
      lastTuning: { runId, status: 'applied', before: 0.6 },
    });
    expect(offHours.threshold).toBe(offHours.lastTuning.after);
  });

  it('lists runs and reads one; a second run without new verdicts changes nothing', async () => {
    const again = await http.post('/v1/tuning/runs').send({}).expect(201);
    expect(again.body.thresholds).toEqual([]);
    expect(again.body.allowancesAdded).toEqual([]);
    expect(again.body.reason).toMatch(/no new verdicts/);
    const list = await http.get('/v1/tuning/runs?limit=10').expect(200);
    expect(list.body.items.map((r: { id: string }) => r.id)).toEqual([again.body.id, runId]);
    await http.get(`/v1/tuning/runs/${runId}`).expect(200);
    expectError((await http.get('/v1/tuning/runs/nope').expect(404)).body, 'tuning_run_not_found');
    expectError(
      (await http.get('/v1/tuning/runs?limit=0').expect(400)).body,
      'validation_failed',
      'limit',
    );
  });

  it('GET /v1/identities/:id/allowances lists the accepted risk and verdict allowances', async () => {
    const batch = await http.get('/v1/identities/svc-batch/allowances').expect(200);
    expect(batch.body.items).toEqual([
      expect.objectContaining({
        id: 'risk-c-risk',
        detector: 'novel_scope',
        value: 'secrets:read',
        source: 'accepted_risk',
        endedAt: null,
      }),
    ]);
    expectError(
      (await http.get('/v1/identities/nobody/allowances').expect(404)).body,
      'identity_not_found',
    );
  });

  it('an allowance keeps its identity quiet and no other', async () => {
    const time = new Date().toISOString();
    const res = await http
      .post('/v1/events')
      .send([
        {
          id: 'evt-ghost-1',
          time,
          identityId: 'ghost-1',
          type: 'secret.accessed',
          action: 'read',
          resource: 'vault:x',
        },
        {
          id: 'evt-ghost-2',
          time,
          identityId: 'ghost-2',
          type: 'secret.accessed',
          action: 'read',
          resource: 'vault:x',
        },
      ])
      .expect(200);
    expect(res.body.exceptions).toEqual([
      expect.objectContaining({ kind: 'unclassified_identity', identityId: 'ghost-2' }),
    ]);
    // Registered by that telemetry; its allowance came from the benign verdict.
    const ghost = await http.get('/v1/identities/ghost-1/allowances').expect(200);
    expect(ghost.body.items).toEqual([
      expect.objectContaining({ id: 'verdict-c-ghost', endedAt: null }),
    ]);
  });

  it('PUT /v1/tuning/verdicts/:caseId/exclusion marks bad data', async () => {
    await http
      .put('/v1/tuning/verdicts/c-fp-1/exclusion')
      .send({ excluded: true, reason: 'collector clock skew' })
      .expect(204);
    expectError(
      (await http.put('/v1/tuning/verdicts/nope/exclusion').send({ excluded: true }).expect(404))
        .body,
      'verdict_not_found',
    );
    expectError(
      (await http.put('/v1/tuning/verdicts/c-fp-1/exclusion').send({ excluded: 'yes' }).expect(400))
        .body,
      'validation_failed',
      'excluded',
    );
  });

  it('POST /v1/tuning/runs/:id/revert restores thresholds and ends its allowances', async () => {
    const bob = await clientFor(api, 'bob@example.com', 'admin');
    const res = await bob.post(`/v1/tuning/runs/${runId}/revert`).send({}).expect(200);
    expect(res.body.status).toBe('reverted');
    expect(res.body.revert).toMatchObject({
      by: 'bob@example.com',
      restored: [{ detector: 'off_hours', identityKind: null, threshold: 0.6 }],
      skipped: [],
      allowancesRemoved: 1,
    });
    const detectors = await http.get('/v1/detectors').expect(200);
    expect(detectors.body.find((d: { kind: string }) => d.kind === 'off_hours').threshold).toBe(
      0.6,
    );
    const ghost = await http.get('/v1/identities/ghost-1/allowances').expect(200);
    expect(ghost.body.items[0]).toMatchObject({ endReason: 'reverted' });
    expectError(
      (await http.post(`/v1/tuning/runs/${runId}/revert`).send({}).expect(409)).body,
      'tuning_run_already_reverted',
    );
    expectError(
      (await http.post('/v1/tuning/runs/nope/revert').send({}).expect(404)).body,
      'tuning_run_not_found',
    );
  });

  it('POST /v1/tuning/replay replays a window as a workflow, with progress and a result', async () => {
    const start = await http
      .post('/v1/tuning/replay')
      .send({
        from: new Date(Date.now() - 3_600_000).toISOString(),
        thresholds: { global: { unclassified_identity: 0.99 } },
      })
      .expect(202);
    expect(start.body).toMatchObject({
      status: 'running',
      progress: { total: 2, processed: 0 },
      request: { suppliedEvents: 0, candidate: { global: { unclassified_identity: 0.99 } } },
    });
    const done = await eventually(async () => {
      const res = await http.get(`/v1/tuning/replays/${start.body.id}`).expect(200);
      expect(res.body.status).toBe('completed');
      return res.body;
    });
    expect(done.progress).toMatchObject({ processed: 2, total: 2, percent: 100, phase: 'done' });
    expect(done.progress.eventsPerSecond).toBeGreaterThan(0);
    // The revert above ended ghost-1's allowance: today both ghosts raise under the
    // current thresholds, and neither under the candidate.
    expect(done.result).toMatchObject({
      events: 2,
      identities: 2,
      detectors: [{ detector: 'unclassified_identity', current: 2, candidate: 0, difference: -2 }],
      totals: { current: 2, candidate: 0 },
      missedTruePositives: [],
    });
  });

  it('replays a supplied batch against the baselines as they are', async () => {
    const start = await http
      .post('/v1/tuning/replay')
      .send({
        events: [
          {
            id: 'what-if-1',
            time: new Date().toISOString(),
            identityId: 'ghost-3',
            type: 'token.used',
          },
        ],
        thresholds: {
          global: {},
          byIdentityKind: { unclassified: { unclassified_identity: 0.1 } },
        },
      })
      .expect(202);
    const done = await eventually(async () => {
      const res = await http.get(`/v1/tuning/replays/${start.body.id}`).expect(200);
      expect(res.body.status).toBe('completed');
      return res.body;
    });
    expect(done.request.suppliedEvents).toBe(1);
    expect(done.result.totals).toEqual({ current: 1, candidate: 1 });
  });

  it('refuses a bad replay request with the field at fault', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [
        { from: new Date().toISOString(), thresholds: { global: { no_such: 0.5 } } },
        'thresholds.global.no_such',
      ],
      [
        { from: new Date().toISOString(), thresholds: { global: { off_hours: 2 } } },
        'thresholds.global.off_hours',
      ],
      [{ from: new Date(Date.now() - 30 * DAY).toISOString(), thresholds: { global: {} } }, 'from'],
      [{ thresholds: { global: {} } }, 'from'],
      [{ from: new Date().toISOString(), events: [], thresholds: { global: {} } }, 'events'],
      [{ events: [{ id: 'x' }], thresholds: { global: {} } }, 'events[0].time'],
      [
        {
          from: new Date().toISOString(),
          thresholds: { global: {}, byIdentityKind: { robot: {} } },
        },
        'thresholds.byIdentityKind.robot',
      ],
      [
        { from: new Date().toISOString(), thresholds: { byIdentityKind: { ai_agent: {} } } },
        'thresholds.global',
      ],
      [{ from: new Date().toISOString(), thresholds: { global: [] } }, 'thresholds.global'],
      [
        { from: new Date().toISOString(), thresholds: { global: {}, extra: 1 } },
        'thresholds.extra',
      ],
    ];
    for (const [body, field] of cases) {
      const res = await http.post('/v1/tuning/replay').send(body).expect(400);
      expectError(res.body, 'validation_failed', field);
    }
    expectError((await http.get('/v1/tuning/replays/nope').expect(404)).body, 'replay_not_found');
  });
});
