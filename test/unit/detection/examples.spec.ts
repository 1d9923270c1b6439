import type { Identity, TelemetryEvent } from '@vigil/contracts';
import { Baseline, FINGERPRINT_PATTERN, processEvent, severityRank } from '@vigil/domain';
import {
  DAY,
  HOUR,
  T0,
  byTime,
  event,
  identity,
  pick,
  processAll,
  rhythm,
  type IdentityInput,
} from './support';

const SDK = [
  'aws-sdk-go/1.44.12 (go1.20; linux; amd64)',
  'aws-sdk-go/1.44.31 (go1.21; linux; amd64)',
];

const payments = identity({
  id: 'svc-payments',
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
});

/** A payments service: a database workload 08:00–18:00 every day, rotated monthly. */
function paymentsRoutine(days: number, seed = 1): TelemetryEvent[] {
  const resources = ['orders', 'refunds', 'ledger', 'customers', 'invoices'].map(
    (r) => `db:payments/${r}`,
  );
  const events = rhythm({
    identityId: payments.id,
    seed,
    days,
    hours: [8, 18],
    perHour: [8, 30],
    make: (random, at) => ({
      type: 'api.called',
      action: pick(random, ['read', 'read', 'read', 'write']),
      resource: pick(random, resources),
      scope: pick(random, ['db:read', 'db:read', 'db:write']),
      source: {
        ip: pick(random, ['10.0.0.4', '10.0.0.5', '10.0.0.6']),
        host: pick(random, ['pay-1', 'pay-2']),
        userAgent: at < T0 + 10 * DAY ? SDK[0] : SDK[1],
        environment: 'prod',
      },
    }),
  });
  for (let d = 0; d < days; d += 30) {
    events.push(
      event({
        identityId: payments.id,
        type: 'credential.rotated',
        action: 'rotate',
        at: T0 + d * DAY + 9.5 * HOUR,
      }),
    );
  }
  return byTime(events);
}

function run(events: TelemetryEvent[], ...ids: Identity[]) {
  const baselines = new Map<string, Baseline>();
  const raised = processAll(events, new Map(ids.map((i) => [i.id, i])), baselines);
  return { raised, baselines };
}

function afterLearning<T extends { eventId: string }>(
  raised: T[],
  events: TelemetryEvent[],
  from: number,
) {
  const late = new Set(events.filter((e) => Date.parse(e.time) >= from).map((e) => e.id));
  return raised.filter((r) => late.has(r.eventId));
}

describe('worked example 1: a vault scope outside the workload', () => {
  const routine = paymentsRoutine(21);
  const { raised, baselines } = run(routine, payments);
  const baseline = baselines.get(payments.id)!;

  it('routine activity raises nothing once the baseline has learned', () => {
    expect(baseline.isLearning()).toBe(false);
    expect(afterLearning(raised, routine, T0 + 4 * DAY)).toEqual([]);
  });

  it('a request for a critical vault scope raises one high or critical case', () => {
    const request = event({
      identityId: payments.id,
      type: 'scope.requested',
      action: 'request',
      scope: 'secrets:read:vault/prod/payments',
      resource: 'vault:prod/payments-db',
      source: { ip: '10.0.0.4', host: 'pay-1', userAgent: SDK[1], environment: 'prod' },
      at: T0 + 21 * DAY + 11 * HOUR,
    });
    const out = processEvent(request, payments, baseline);
    expect(out).toHaveLength(1);
    expect(out[0].deviation.kind).toBe('novel_scope');
    expect(out[0].deviation.value).toBe('secrets:read:vault/prod/payments');
    expect(severityRank(out[0].severity)).toBeGreaterThanOrEqual(severityRank('high'));
    expect(out[0].deviation.evidence).toMatchObject({
      alsoNovel: ['novel_resource:vault:prod/payments-db'],
    });
    expect(FINGERPRINT_PATTERN.test(out[0].fingerprint)).toBe(true);
  });
});

describe('worked example 2: an agent tool outside its allowed tools', () => {
  const agent = identity({
    id: 'agent-support-bot',
    kind: 'ai_agent',
    criticality: 'medium',
    policy: { allowedTools: ['kb.search', 'ticket.*'] },
  });
  const tools = ['kb.search', 'ticket.read', 'ticket.comment', 'ticket.update'];
  const routine = rhythm({
    identityId: agent.id,
    seed: 2,
    days: 14,
    hours: [0, 23],
    perHour: [5, 15],
    make: (random) => ({
      type: 'tool.invoked',
      action: 'invoke',
      attributes: { tool: pick(random, tools) },
      resource: `ticket:${Math.floor(random() * 100000)}`,
      source: { host: 'agents-1', environment: 'prod' },
    }),
  });

  it('routine tool use raises nothing', () => {
    expect(run(routine, agent).raised).toEqual([]);
  });

  it('a forbidden tool raises a policy violation, even on the first day', () => {
    for (const history of [routine, routine.slice(0, 10)]) {
      const { baselines } = run(history, agent);
      const out = processEvent(
        event({
          identityId: agent.id,
          type: 'tool.invoked',
          action: 'invoke',
          attributes: { tool: 'payments.refund' },
          resource: 'order:123',
          at: Date.parse(history[history.length - 1].time) + 1000,
        }),
        agent,
        baselines.get(agent.id)!,
      );
      expect(out.map((r) => r.deviation.kind)).toEqual(['policy_violation']);
      expect(out[0].deviation.value).toBe('payments.refund');
      expect(out[0].deviation.policyViolation).toBe(true);
    }
  });
});

describe('worked example 3: a vendor app reads an unusual set of records', () => {
  const app = identity({
    id: 'oauth-acme-crm',
    kind: 'oauth_app',
    vendor: 'Acme CRM',
    owner: 'sales-ops@example.com',
    criticality: 'medium',
    environment: null,
  });
  const routine = rhythm({
    identityId: app.id,
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
  });
  const { raised, baselines } = run(routine, app);

  it('routine reads raise nothing after learning', () => {
    expect(afterLearning(raised, routine, T0 + 4 * DAY)).toEqual([]);
  });

  it('reading payroll records raises a case naming the vendor', () => {
    const out = processEvent(
      event({
        identityId: app.id,
        type: 'record.accessed',
        action: 'read',
        resource: 'crm:payroll/100234',
        attributes: { recordCount: 40 },
        source: { ip: '198.51.100.7', userAgent: 'AcmeSync/4.2' },
        at: T0 + 14 * DAY + 10 * HOUR,
      }),
      app,
      baselines.get(app.id)!,
    );
    expect(out.map((r) => r.deviation.kind)).toEqual(['unusual_record_set']);
    expect(out[0].deviation.value).toBe('crm:payroll');
    expect(out[0].deviation.evidence).toMatchObject({
      vendor: 'Acme CRM',
      owner: 'sales-ops@example.com',
      recordSet: 'crm:payroll',
    });
    expect(out[0].deviation.owasp).toBe('NHI3');
  });
});

describe('worked example 4: a certificate renewed outside its window', () => {
  const cert: IdentityInput = {
    id: 'cert-api-gateway',
    kind: 'certificate',
    criticality: 'high',
    policy: { rotationPeriodDays: 90, rotationToleranceDays: 7 },
  };
  const certificate = identity(cert);
  const handshakes = (days: number) =>
    rhythm({
      identityId: certificate.id,
      seed: 4,
      days,
      hours: [0, 23],
      perHour: [1, 4],
      make: () => ({ type: 'token.used', action: 'tls.handshake', source: { host: 'gw-1' } }),
    });
  const renewal = (day: number) =>
    event({
      identityId: certificate.id,
      type: 'certificate.renewed',
      action: 'renew',
      at: T0 + day * DAY + 3 * HOUR,
    });

  it('a renewal 30 days after the previous one is flagged; one at 90 days is not', () => {
    const early = run(byTime([renewal(0), ...handshakes(31), renewal(30)]), certificate);
    expect(early.raised.map((r) => r.deviation.kind)).toEqual(['renewal_outside_window']);
    expect(early.raised[0].deviation.evidence).toMatchObject({
      direction: 'early',
      expectedDays: 90,
    });

    const onTime = run(byTime([renewal(0), ...handshakes(91), renewal(90)]), certificate);
    expect(onTime.raised).toEqual([]);
  });
});

describe('worked example 6: a credential past its rotation period', () => {
  const key = identity({
    id: 'key-billing-export',
    kind: 'api_key',
    criticality: 'medium',
    policy: { rotationPeriodDays: 30, rotationToleranceDays: 5 },
  });
  const usage = (days: number) =>
    rhythm({
      identityId: key.id,
      seed: 6,
      days,
      hours: [2, 3],
      perHour: [5, 10],
      make: () => ({ type: 'token.used', action: 'export', resource: 'billing:exports' }),
    });

  it('use past period + tolerance raises rotation_overdue once per day, one case', () => {
    const events = byTime([
      event({ identityId: key.id, type: 'credential.rotated', action: 'rotate', at: T0 + HOUR }),
      ...usage(40),
    ]);
    const { raised } = run(events, key);
    expect(new Set(raised.map((r) => r.deviation.kind))).toEqual(new Set(['rotation_overdue']));
    // Due 35 days after the 01:00 rotation: reported on days 35–39 (use is at 02:00–04:00),
    // once a day, all joining one case.
    expect(raised).toHaveLength(5);
    expect(new Set(raised.map((r) => r.fingerprint)).size).toBe(1);
    expect(raised[0].fingerprint).toBe('key-billing-export.rotation_overdue.rotated-2026-10-05');
  });

  it('a credential rotated on schedule raises nothing', () => {
    const events = byTime([
      event({ identityId: key.id, type: 'credential.rotated', action: 'rotate', at: T0 + HOUR }),
      event({
        identityId: key.id,
        type: 'credential.rotated',
        action: 'rotate',
        at: T0 + 30 * DAY + HOUR,
      }),
      ...usage(40),
    ]);
    expect(run(events, key).raised).toEqual([]);
  });
});
