import type { INestApplication } from '@nestjs/common';
import type { TelemetryEvent } from '@vigil/contracts';
import { DAY, HOUR, T0, event, rhythm } from '../unit/detection/support';
import { testingPostgres } from '../support/database';
import { eventually } from '../support/eventually';
import { startRunbookReceivers, type RunbookReceivers } from '../support/runbook-receivers';
import { startSystem, type RunningSystem } from '../support/system';
import { apiClient, type Http } from '../support/http';

const database = testingPostgres ? 'PostgreSQL' : 'SQLite';

/**
 * DESIGN's worked example 6 through the HTTP API: a credential past its rotation period is
 * known drift, so the case rotates it through the remediation webhook and closes on its
 * own, with the outcome recorded and no person involved.
 */
describe(`known drift remediated automatically, end to end on ${database}`, () => {
  let system: RunningSystem;
  let receivers: RunbookReceivers;
  let api: INestApplication;
  let http: Http;

  beforeAll(async () => {
    receivers = await startRunbookReceivers();
    system = await startSystem(`auto-${process.pid}`, { webhooks: receivers.webhooks });
    ({ api } = system);
    http = apiClient(api);
  });

  afterAll(async () => {
    await system?.stop();
    await receivers?.close();
  });

  it('6: rotates a credential used past its rotation period, with no human involved', async () => {
    await http
      .put('/v1/identities/key-ledger-sync')
      .send({
        kind: 'api_key',
        owner: 'finance-platform@example.com',
        criticality: 'medium',
        environment: 'prod',
        policy: { rotationPeriodDays: 30, rotationToleranceDays: 5 },
      })
      .expect(201);
    const history: TelemetryEvent[] = [
      event({
        identityId: 'key-ledger-sync',
        type: 'credential.rotated',
        action: 'rotate',
        at: T0 + HOUR,
      }),
      ...rhythm({
        identityId: 'key-ledger-sync',
        seed: 16,
        days: 35,
        hours: [1, 2],
        perHour: [4, 8],
        make: () => ({ type: 'token.used', action: 'sync', resource: 'ledger:entries' }),
      }),
    ];
    const routine = await http.post('/v1/events').send(history).expect(200);
    expect(routine.body).toMatchObject({ accepted: history.length, exceptions: [] });

    const overdue = await http
      .post('/v1/events')
      .send([
        event({
          identityId: 'key-ledger-sync',
          type: 'token.used',
          action: 'sync',
          resource: 'ledger:entries',
          at: T0 + 36 * DAY + 2 * HOUR,
        }),
      ])
      .expect(200);
    expect(overdue.body.exceptions).toEqual([
      expect.objectContaining({ kind: 'rotation_overdue', deduplicated: false }),
    ]);
    const caseId = overdue.body.exceptions[0].caseId as string;

    const closed = await eventually(async () => {
      const res = await http.get(`/v1/cases/${caseId}`).expect(200);
      if (res.body.status !== 'resolved') throw new Error(`case is ${res.body.status}`);
      return res.body;
    });
    expect(closed).toMatchObject({
      resolution: 'auto_remediated',
      disposition: 'true_positive',
      escalation: { tier: null },
      remediation: { playbookId: 'rotate-credential', trigger: 'automatic', outcome: 'succeeded' },
    });
    const types = closed.timeline.map((e: { type: string }) => e.type);
    expect(types).not.toContain('escalated');
    expect(types).not.toContain('decision');
    const rotations = receivers.remediation
      .effectsOfType('remediation.execute')
      .map((r) => r.body as { caseId: string; action: string; identityId: string });
    expect(rotations).toEqual([
      expect.objectContaining({
        caseId,
        action: 'rotate_credential',
        identityId: 'key-ledger-sync',
      }),
    ]);
    expect(
      receivers.notifications.requests.filter(
        (r) => (r.body as { caseId?: string }).caseId === caseId,
      ),
    ).toEqual([]);
  });
});
