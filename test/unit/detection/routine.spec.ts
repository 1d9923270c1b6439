import type { Identity, TelemetryEvent } from '@vigil/contracts';
import { Baseline, DEFAULT_LEARNING } from '@vigil/domain';
import { DAY, HOUR, T0, byTime, event, identity, pick, prng, processAll, rhythm } from './support';

const DAYS = 28;

/**
 * A fleet of identities of every kind, each with its own routine (daily and weekly
 * rhythms, nightly bursts, autoscaled pods, daily new objects, scheduled rotations),
 * generated from fixed seeds. Once each has learned, none of it may raise anything.
 */
function fleet(): { identities: Identity[]; events: TelemetryEvent[] } {
  const identities: Identity[] = [];
  const events: TelemetryEvent[] = [];
  const add = (id: Identity, stream: TelemetryEvent[]) => {
    identities.push(id);
    events.push(...stream);
  };

  const payments = identity({
    id: 'svc-payments',
    criticality: 'high',
    policy: {
      rotationPeriodDays: 14,
      rotationToleranceDays: 2,
      allowedScopes: ['db:*'],
      resourceSensitivity: [{ pattern: 'db:payments/*', sensitivity: 'high' }],
    },
  });
  add(payments, [
    ...rhythm({
      identityId: payments.id,
      seed: 11,
      days: DAYS,
      hours: [7, 19],
      perHour: [10, 40],
      make: (r) => ({
        type: pick(r, ['api.called', 'secret.accessed']),
        action: pick(r, ['read', 'read', 'write']),
        resource: `db:payments/${pick(r, ['orders', 'refunds', 'ledger'])}`,
        scope: pick(r, ['db:read', 'db:write']),
        source: {
          ip: pick(r, ['10.0.0.4', '10.0.0.5']),
          host: pick(r, ['pay-1', 'pay-2']),
          userAgent: `aws-sdk-go/1.44.${10 + Math.floor(r() * 5)} (go1.21; linux; amd64)`,
          environment: 'prod',
        },
      }),
    }),
    ...[0, 14].map((d) =>
      event({
        identityId: payments.id,
        type: 'credential.rotated',
        action: 'rotate',
        at: T0 + d * DAY + 8 * HOUR,
      }),
    ),
  ]);

  // Autoscaled pods: new pod IPs every day, about a dozen live at a time, around the clock.
  const ingest = identity({ id: 'wl-ingest', kind: 'workload', criticality: 'medium' });
  add(
    ingest,
    rhythm({
      identityId: ingest.id,
      seed: 12,
      days: DAYS,
      hours: [0, 23],
      perHour: [40, 80],
      make: (r, at) => {
        const day = Math.floor((at - T0) / DAY);
        return {
          type: 'api.called',
          action: 'write',
          // A new object per call: the resource dimension is pure churn.
          resource: `s3:ingest/${day}/${Math.floor(r() * 1e9)}`,
          scope: 's3:put',
          source: {
            ip: `10.1.${day % 16}.${Math.floor(r() * 12)}`,
            host: `ingest-${day}-${Math.floor(r() * 12)}`,
            environment: 'prod',
          },
        };
      },
    }),
  );

  // Office hours on weekdays only.
  const reporting = identity({ id: 'key-reporting', kind: 'api_key', criticality: 'low' });
  add(
    reporting,
    rhythm({
      identityId: reporting.id,
      seed: 13,
      days: DAYS,
      hours: [9, 17],
      perHour: [2, 10],
      weekdaysOnly: true,
      make: (r, at) => ({
        type: 'api.called',
        action: 'query',
        // One new report a day, among routine reads.
        resource:
          r() < 0.02 ? `reports/${new Date(at).toISOString().slice(0, 10)}` : 'warehouse:sales',
        scope: 'warehouse:read',
        source: { ip: '192.0.2.10', userAgent: 'python-requests/2.31.0' },
      }),
    }),
  );

  // A nightly batch: a burst of hundreds of calls at 02:00, a trickle otherwise.
  const batch = identity({ id: 'svc-nightly-etl', criticality: 'medium' });
  const random = prng(14);
  const batchEvents: TelemetryEvent[] = [];
  for (let d = 0; d < DAYS; d++) {
    const n = 300 + Math.floor(random() * 300);
    for (let i = 0; i < n; i++) {
      batchEvents.push(
        event({
          identityId: batch.id,
          type: 'api.called',
          action: 'copy',
          resource: `dw:${pick(random, ['facts', 'dims', 'staging'])}`,
          source: { host: 'etl-1' },
          at: T0 + d * DAY + 2 * HOUR + Math.floor((i / n) * HOUR),
        }),
      );
    }
  }
  add(
    batch,
    batchEvents.concat(
      rhythm({
        identityId: batch.id,
        seed: 15,
        days: DAYS,
        hours: [10, 11],
        perHour: [1, 3],
        make: () => ({
          type: 'api.called',
          action: 'status',
          resource: 'dw:jobs',
          source: { host: 'etl-1' },
        }),
      }),
    ),
  );

  const agent = identity({
    id: 'agent-support-bot',
    kind: 'ai_agent',
    policy: { allowedTools: ['kb.search', 'ticket.*'] },
  });
  add(
    agent,
    rhythm({
      identityId: agent.id,
      seed: 16,
      days: DAYS,
      hours: [0, 23],
      perHour: [2, 12],
      make: (r) => ({
        type: 'tool.invoked',
        action: 'invoke',
        attributes: { tool: pick(r, ['kb.search', 'ticket.read', 'ticket.comment']) },
        resource: `ticket:${Math.floor(r() * 1e6)}`,
        source: { host: 'agents-1', environment: 'prod' },
      }),
    }),
  );

  const crm = identity({
    id: 'oauth-acme-crm',
    kind: 'oauth_app',
    vendor: 'Acme CRM',
    environment: null,
  });
  add(
    crm,
    rhythm({
      identityId: crm.id,
      seed: 17,
      days: DAYS,
      hours: [5, 21],
      perHour: [2, 10],
      make: (r) => ({
        type: 'record.accessed',
        action: 'read',
        resource: `crm:${pick(r, ['contacts', 'accounts'])}/${Math.floor(r() * 1e6)}`,
        attributes: { recordCount: 1 + Math.floor(r() * 40) },
        source: {
          ip: '198.51.100.7',
          userAgent:
            'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 Safari/605.1.15',
        },
      }),
    }),
  );

  const cert = identity({
    id: 'cert-gateway',
    kind: 'certificate',
    criticality: 'high',
    policy: { rotationPeriodDays: 7, rotationToleranceDays: 1 },
  });
  add(cert, [
    ...rhythm({
      identityId: cert.id,
      seed: 18,
      days: DAYS,
      hours: [0, 23],
      perHour: [20, 30],
      make: () => ({ type: 'token.used', action: 'tls.handshake', source: { host: 'gw-1' } }),
    }),
    ...[0, 7, 14, 21].map((d) =>
      event({
        identityId: cert.id,
        type: 'certificate.renewed',
        action: 'renew',
        at: T0 + d * DAY + 4 * HOUR + d * 60_000,
      }),
    ),
  ]);

  return { identities, events: byTime(events) };
}

describe('routine activity of a fleet over four weeks', () => {
  const { identities, events } = fleet();
  const baselines = new Map<string, Baseline>();
  const raised = processAll(events, new Map(identities.map((i) => [i.id, i])), baselines);

  it('is thousands of events from identities of every registered kind', () => {
    expect(events.length).toBeGreaterThan(50_000);
    expect(new Set(identities.map((i) => i.kind)).size).toBe(6);
  });

  it('leaves every identity out of learning', () => {
    for (const b of baselines.values()) expect(b.isLearning(DEFAULT_LEARNING)).toBe(false);
  });

  it('raises nothing once the identities have learned', () => {
    const learnedAt = T0 + 4 * DAY;
    const late = raised.filter((r) => {
      const e = events.find((x) => x.id === r.eventId)!;
      return Date.parse(e.time) >= learnedAt;
    });
    expect(late.map((r) => `${r.fingerprint}: ${r.deviation.reason}`)).toEqual([]);
  });
});
