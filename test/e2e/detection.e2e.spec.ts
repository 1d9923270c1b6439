import type { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { ReportOutbox } from '@vigil/persistence';
import { CaseReporter } from '../../apps/api/src/events/case-reporter';
import type { TelemetryEvent } from '@vigil/contracts';
import { DAY, HOUR, T0, byTime, event, pick, rhythm } from '../unit/detection/support';
import { testingPostgres, type TestDatabase } from '../support/database';
import { startSystem, type RunningSystem } from '../support/system';
import { apiClient, type Http } from '../support/http';

const database = testingPostgres ? 'PostgreSQL' : 'SQLite';
const SDK = 'aws-sdk-go/1.44.31 (go1.21; linux; amd64)';

/**
 * DESIGN's worked examples through the HTTP API: routine telemetry for each identity is
 * absorbed without a case; one deviating event opens one case, with its evidence.
 */
describe(`detection end to end on ${database}`, () => {
  let system: RunningSystem;
  let db: TestDatabase;
  let api: INestApplication;
  let http: Http;

  beforeAll(async () => {
    system = await startSystem(`detect-${process.pid}`);
    ({ db, api } = system);
    http = apiClient(api);
    for (const [id, declaration] of Object.entries(IDENTITIES)) {
      await http.put(`/v1/identities/${id}`).send(declaration).expect(201);
    }
  });

  afterAll(() => system?.stop());

  /** Sends events in batches; returns every exception the API reported. */
  async function ingest(events: TelemetryEvent[]) {
    const exceptions: Array<Record<string, unknown>> = [];
    for (let i = 0; i < events.length; i += 2_000) {
      const res = await http
        .post('/v1/events')
        .send(events.slice(i, i + 2_000))
        .expect(200);
      expect(res.body.rejected).toEqual([]);
      exceptions.push(...res.body.exceptions);
    }
    return exceptions;
  }

  it('absorbs weeks of routine activity from every identity without a single case', async () => {
    const exceptions = await ingest(byTime(ROUTINE));
    expect(exceptions).toEqual([]);
    const duplicate = await http.post('/v1/events').send(ROUTINE.slice(0, 100)).expect(200);
    expect(duplicate.body).toMatchObject({ accepted: 0, duplicates: 100, exceptions: [] });

    const { body: baseline } = await http.get('/v1/identities/svc-payments/baseline').expect(200);
    const sent = ROUTINE.filter((e) => e.identityId === 'svc-payments');
    expect(baseline).toMatchObject({
      identityId: 'svc-payments',
      learning: false,
      eventCount: sent.length,
    });
    expect(baseline.dimensions.resource.top.map((v: { value: string }) => v.value).sort()).toEqual([
      'db:payments/customers',
      'db:payments/ledger',
      'db:payments/orders',
      'db:payments/refunds',
    ]);
    expect(baseline.activeHours.Mon.slice(0, 8)).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(baseline.lifecycle.rotation.last).toBe(new Date(T0 + 9.5 * HOUR).toISOString());
  });

  it('1: a service account requesting a critical vault scope opens a high-severity case', async () => {
    const [raised] = await ingest([
      event({
        identityId: 'svc-payments',
        type: 'scope.requested',
        action: 'request',
        scope: 'secrets:read:vault/prod/payments',
        resource: 'vault:prod/payments-db',
        source: { ip: '10.0.0.4', host: 'pay-1', userAgent: SDK, environment: 'prod' },
        at: T0 + 21 * DAY + 11 * HOUR,
      }),
    ]);
    expect(raised).toMatchObject({
      kind: 'novel_scope',
      identityId: 'svc-payments',
      deduplicated: false,
    });
    expect(['high', 'critical']).toContain(raised!.severity);
    const shown = await http.get(`/v1/cases/${raised!.caseId}`).expect(200);
    expect(shown.body.evidence).toMatchObject({
      value: 'secrets:read:vault/prod/payments',
      owasp: expect.any(String),
    });
  });

  it('2: an agent invoking a tool its policy forbids opens a policy-violation case', async () => {
    const exceptions = await ingest([
      event({
        identityId: 'agent-support-bot',
        type: 'tool.invoked',
        action: 'invoke',
        attributes: { tool: 'payments.refund' },
        resource: 'order:123',
        at: T0 + 14 * DAY + 2 * HOUR,
      }),
    ]);
    expect(exceptions).toEqual([
      expect.objectContaining({ kind: 'policy_violation', identityId: 'agent-support-bot' }),
    ]);
  });

  it('3: a vendor app reading payroll records opens a case routed to the vendor owner', async () => {
    const [raised] = await ingest([
      event({
        identityId: 'oauth-acme-crm',
        type: 'record.accessed',
        action: 'read',
        resource: 'crm:payroll/100234',
        attributes: { recordCount: 40 },
        source: { ip: '198.51.100.7', userAgent: 'AcmeSync/4.2' },
        at: T0 + 14 * DAY + 10 * HOUR,
      }),
    ]);
    expect(raised).toMatchObject({ kind: 'unusual_record_set' });
    const shown = await http.get(`/v1/cases/${raised!.caseId}`).expect(200);
    expect(shown.body.evidence).toMatchObject({
      routeTo: 'sales-ops@example.com',
      identity: { vendor: 'Acme CRM', owner: 'sales-ops@example.com' },
    });
  });

  it('4: a certificate renewed outside its window opens a case', async () => {
    const exceptions = await ingest([
      event({
        identityId: 'cert-api-gateway',
        type: 'certificate.renewed',
        action: 'renew',
        at: T0 + 30 * DAY + 3 * HOUR,
      }),
    ]);
    expect(exceptions).toEqual([expect.objectContaining({ kind: 'renewal_outside_window' })]);
  });

  it('5: a credential used past its rotation period opens one case, joined by repeats', async () => {
    const use = (day: number) =>
      event({
        identityId: 'key-billing-export',
        type: 'token.used',
        action: 'export',
        resource: 'billing:exports',
        at: T0 + day * DAY + 2 * HOUR,
      });
    const [first] = await ingest([use(36)]);
    expect(first).toMatchObject({ kind: 'rotation_overdue', deduplicated: false });
    const [again] = await ingest([use(37)]);
    expect(again).toMatchObject({
      kind: 'rotation_overdue',
      caseId: first!.caseId,
      deduplicated: true,
    });
  });

  it('registers an unknown identity as unclassified and says so with a low case', async () => {
    const exceptions = await ingest([
      event({
        identityId: 'svc-mystery',
        type: 'api.called',
        action: 'read',
        resource: 'db:x',
        at: T0 + 20 * DAY,
      }),
    ]);
    expect(exceptions).toEqual([
      expect.objectContaining({
        kind: 'unclassified_identity',
        identityId: 'svc-mystery',
        severity: 'low',
      }),
    ]);
    const identity = await http.get('/v1/identities/svc-mystery').expect(200);
    expect(identity.body).toMatchObject({ kind: 'unclassified', autoRegistered: true });
  });

  it('keeps the good events of a batch with bad ones, and reports the bad by index', async () => {
    const good = event({
      identityId: 'svc-payments',
      type: 'api.called',
      action: 'read',
      resource: 'db:payments/orders',
      at: T0 + 21 * DAY + 12 * HOUR,
    });
    const ndjson = [
      JSON.stringify(good),
      '{"id": oops',
      JSON.stringify({ ...good, id: 'evt-bad-time', time: 'yesterday' }),
    ].join('\n');
    const res = await http
      .post('/v1/events')
      .set('content-type', 'application/x-ndjson')
      .send(ndjson)
      .expect(200);
    expect(res.body).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(res.body.rejected).toEqual([
      { index: 1, code: 'malformed_json', field: 'events[1]', message: 'line 2 is not valid JSON' },
      { index: 2, code: 'validation_failed', field: 'events[2].time', message: expect.any(String) },
    ]);
  });

  it('refuses batches over 5,000 events, naming the limit', async () => {
    const tooMany = Array.from({ length: 5_001 }, (_, i) => ({
      id: `e${i}`,
      time: '2026-10-05T00:00:00Z',
      identityId: 'svc-x',
      type: 'api.called',
    }));
    const res = await http.post('/v1/events').send(tooMany).expect(413);
    expect(res.body.message).toContain('5000');
  });

  it('delivers reports kept while Temporal was unavailable', async () => {
    const outbox = api.get(ReportOutbox);
    const report = {
      reportId: randomUUID(),
      identityId: 'svc-payments',
      kind: 'rate_spike' as const,
      severity: 'medium' as const,
      fingerprint: 'svc-payments.rate_spike.kept',
      evidence: { reason: 'kept while Temporal was down' },
      reportedAt: new Date().toISOString(),
    };
    await outbox.add([report], 'UNAVAILABLE');
    await db.dataSource.query(`UPDATE pending_reports SET next_attempt_at = created_at`);
    expect(await api.get(CaseReporter).dispatchOnce()).toBe(1);
    expect(await outbox.count()).toBe(0);
    await http.get('/v1/cases/case-svc-payments.rate_spike.kept').expect(200);
  });
});

const IDENTITIES: Record<string, Record<string, unknown>> = {
  'svc-payments': {
    kind: 'service_account',
    owner: 'payments-oncall@example.com',
    criticality: 'high',
    environment: 'prod',
    policy: {
      rotationPeriodDays: 30,
      rotationToleranceDays: 3,
      resourceSensitivity: [
        { pattern: 'vault:prod/*', sensitivity: 'critical' },
        { pattern: 'db:payments/*', sensitivity: 'medium' },
      ],
    },
  },
  'agent-support-bot': {
    kind: 'ai_agent',
    criticality: 'medium',
    policy: { allowedTools: ['kb.search', 'ticket.*'] },
  },
  'oauth-acme-crm': {
    kind: 'oauth_app',
    vendor: 'Acme CRM',
    owner: 'sales-ops@example.com',
    criticality: 'medium',
  },
  'cert-api-gateway': {
    kind: 'certificate',
    criticality: 'high',
    policy: { rotationPeriodDays: 90, rotationToleranceDays: 7 },
  },
  'key-billing-export': {
    kind: 'api_key',
    criticality: 'medium',
    policy: { rotationPeriodDays: 30, rotationToleranceDays: 5 },
  },
};

const ROUTINE: TelemetryEvent[] = [
  ...rhythm({
    identityId: 'svc-payments',
    seed: 1,
    days: 21,
    hours: [8, 18],
    perHour: [8, 30],
    make: (random) => ({
      type: 'api.called',
      action: pick(random, ['read', 'read', 'write']),
      resource: `db:payments/${pick(random, ['orders', 'refunds', 'ledger', 'customers'])}`,
      scope: pick(random, ['db:read', 'db:write']),
      source: {
        ip: pick(random, ['10.0.0.4', '10.0.0.5']),
        host: pick(random, ['pay-1', 'pay-2']),
        userAgent: SDK,
        environment: 'prod',
      },
    }),
  }),
  event({
    identityId: 'svc-payments',
    type: 'credential.rotated',
    action: 'rotate',
    at: T0 + 9.5 * HOUR,
  }),
  ...rhythm({
    identityId: 'agent-support-bot',
    seed: 2,
    days: 14,
    hours: [0, 23],
    perHour: [5, 15],
    make: (random) => ({
      type: 'tool.invoked',
      action: 'invoke',
      attributes: {
        tool: pick(random, ['kb.search', 'ticket.read', 'ticket.comment', 'ticket.update']),
      },
      resource: `ticket:${Math.floor(random() * 100000)}`,
      source: { host: 'agents-1', environment: 'prod' },
    }),
  }),
  ...rhythm({
    identityId: 'oauth-acme-crm',
    seed: 3,
    days: 14,
    hours: [6, 20],
    perHour: [3, 12],
    weekdaysOnly: true,
    make: (random) => ({
      type: 'record.accessed',
      action: 'read',
      resource: `crm:${pick(random, ['contacts', 'accounts', 'opportunities'])}/${Math.floor(random() * 1e6)}`,
      attributes: { recordCount: 1 + Math.floor(random() * 50) },
      source: { ip: pick(random, ['198.51.100.7', '198.51.100.8']), userAgent: 'AcmeSync/4.2' },
    }),
  }),
  event({
    identityId: 'cert-api-gateway',
    type: 'certificate.renewed',
    action: 'renew',
    at: T0 + 3 * HOUR,
  }),
  ...rhythm({
    identityId: 'cert-api-gateway',
    seed: 4,
    days: 30,
    hours: [0, 23],
    perHour: [1, 4],
    make: () => ({ type: 'token.used', action: 'tls.handshake', source: { host: 'gw-1' } }),
  }),
  event({
    identityId: 'key-billing-export',
    type: 'credential.rotated',
    action: 'rotate',
    at: T0 + HOUR,
  }),
  ...rhythm({
    identityId: 'key-billing-export',
    seed: 6,
    days: 35,
    hours: [2, 3],
    perHour: [5, 10],
    make: () => ({ type: 'token.used', action: 'export', resource: 'billing:exports' }),
  }),
];
