import { Writable } from 'node:stream';
import type { INestApplication } from '@nestjs/common';
import {
  JsonNestLogger,
  VIGIL_LOGGER,
  createLogger,
  secretsOf,
  type VigilConfig,
} from '@vigil/config';
import { IdentityStore } from '@vigil/persistence';
import { testingPostgres } from '../support/database';
import { eventually } from '../support/eventually';
import { TEST_ADMIN_KEY, apiClient as http } from '../support/http';
import { startApi, startSystem, testConfig, type RunningSystem } from '../support/system';

const database = testingPostgres ? 'PostgreSQL' : 'SQLite';

/** `name{labels}` → value, from the Prometheus text format. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    out.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return out;
}

async function scrape(api: INestApplication): Promise<Map<string, number>> {
  const res = await http(api).get('/metrics').expect(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
  return samples(res.text);
}

describe(`metrics, hardening and logs end to end on ${database}`, () => {
  let system: RunningSystem;
  let api: INestApplication;

  beforeAll(async () => {
    system = await startSystem(`observability-${process.pid}`);
    api = system.api;
  });

  afterAll(() => system?.stop());

  it('counts ingest, authorization, cases, escalations, decisions and HTTP requests', async () => {
    const before = await scrape(api);
    expect(before.get('vigil_case_metrics_up')).toBe(1);
    expect(before.get('vigil_events_ingested_total{source="events"}')).toBe(0);

    await http(api)
      .put('/v1/identities/agent-metrics')
      .send({
        kind: 'ai_agent',
        owner: 'olga@example.com',
        team: 'support',
        criticality: 'high',
        environment: 'prod',
        policy: { allowedTools: ['kb.search'] },
      })
      .expect(201);
    const event = (id: string) => ({
      id,
      time: new Date().toISOString(),
      identityId: 'agent-metrics',
      type: 'tool.invoked',
      action: 'invoke',
      resource: 'kb:articles',
      scope: 'kb.search',
    });
    await http(api)
      .post('/v1/events')
      .send([event('m-1'), event('m-2'), { id: 'm-bad', time: 'yesterday' }])
      .expect(200);
    await http(api)
      .post('/v1/events')
      .send([event('m-1')])
      .expect(200);
    const authorized = await http(api)
      .post('/v1/authorize')
      .send({ agentId: 'agent-metrics', tool: 'kb.search', action: 'invoke' })
      .expect(200);

    const reported = await http(api)
      .post('/v1/exceptions')
      .send({ identityId: 'agent-metrics', kind: 'policy_violation', severity: 'high' })
      .expect(202);
    const caseId = reported.body.caseId as string;
    await eventually(async () => {
      const res = await http(api).get(`/v1/cases/${caseId}`).expect(200);
      if (res.body.status !== 'awaiting_decision') throw new Error(`case is ${res.body.status}`);
    });
    const waiting = await eventually(async () => {
      const m = await scrape(api);
      if (m.get('vigil_cases{status="awaiting_decision"}') !== 1) throw new Error('not yet');
      return m;
    });
    expect(waiting.get('vigil_escalations_total{tier="1"}')).toBe(1);

    await http(api)
      .post(`/v1/cases/${caseId}/decision`)
      .send({ decision: 'false_positive', comment: 'test traffic' })
      .expect(200);
    const after = await eventually(
      async () => {
        const m = await scrape(api);
        // The case row and its timeline are written by separate activities.
        if (
          m.get('vigil_cases{status="resolved"}') !== 2 ||
          m.get('vigil_decision_latency_seconds_count{decided_by="person"}') !== 1
        ) {
          throw new Error('not resolved yet');
        }
        return m;
      },
      { timeoutMs: 30_000, intervalMs: 1_000 },
    );

    expect(after.get('vigil_events_ingested_total{source="events"}')).toBe(2);
    expect(after.get('vigil_events_duplicate_total{source="events"}')).toBe(1);
    expect(after.get('vigil_events_rejected_total{source="events",code="validation_failed"}')).toBe(
      1,
    );
    const decision = authorized.body.decision as string;
    expect(
      after.get(`vigil_authorize_decisions_total{decision="${decision}",evaluated="true"}`),
    ).toBe(1);
    expect(after.get(`vigil_authorize_duration_seconds_count{decision="${decision}"}`)).toBe(1);
    // The reported exception, and the ingested call on a resource outside the agent's policy
    // (a case its playbook remediated on its own).
    expect(after.get('vigil_exceptions_total{detector="policy_violation",severity="high"}')).toBe(
      2,
    );
    expect(after.get('vigil_cases_opened_total{detector="policy_violation",severity="high"}')).toBe(
      2,
    );
    expect(after.get('vigil_remediations_total{outcome="succeeded"}')).toBe(1);
    expect(after.get('vigil_remediations_compensated_total')).toBe(0);
    expect(after.get('vigil_cases{status="awaiting_decision"}')).toBe(0);
    expect(after.get('vigil_sla_breaches_total{deadline="final"}')).toBe(0);
    expect(after.get('vigil_decision_latency_seconds_count{decided_by="person"}')).toBe(1);
    expect(after.get('vigil_decision_latency_seconds_bucket{decided_by="person",le="+Inf"}')).toBe(
      1,
    );
    expect(
      after.get(
        'vigil_http_request_duration_seconds_count{method="POST",route="/v1/cases/{id}/decision",status="200"}',
      ),
    ).toBe(1);
    expect(
      after.get(
        'vigil_http_request_duration_seconds_count{method="GET",route="/v1/cases/{id}",status="200"}',
      ),
    ).toBeGreaterThanOrEqual(1);
    expect(after.get('process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('documents /metrics in the OpenAPI document as text for the auditor role', async () => {
    const { body } = await http(api).get('/openapi.json').expect(200);
    const operation = body.paths['/metrics'].get;
    expect(Object.keys(operation.responses['200'].content)).toEqual(['text/plain']);
    expect(operation.responses['200'].content['text/plain'].schema).toMatchObject({
      type: 'string',
    });
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '403']));
    expect(operation.security).toEqual([{ bearer: [] }]);
  });

  it('sends security headers, no x-powered-by, and no CORS unless origins are configured', async () => {
    const res = await http(api)
      .get('/health/live')
      .set('Origin', 'https://evil.example')
      .expect(200);
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toBeDefined();
    expect(res.headers['content-security-policy']).toBeDefined();
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await http(api)
      .options('/v1/events')
      .set('Origin', 'https://evil.example')
      .set('Access-Control-Request-Method', 'POST');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers unknown routes with 404 and unsupported methods with 405, in the error body', async () => {
    const missing = await http(api).get('/v1/nothing-here').set('x-request-id', 'req-404');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({
      code: 'not_found',
      message: expect.any(String),
      requestId: 'req-404',
    });
    const wrong = await http(api).delete('/v1/events');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('POST');
    expect(wrong.body).toMatchObject({ code: 'method_not_allowed', requestId: expect.any(String) });
    const patch = await http(api).patch('/v1/cases/some-case').send({});
    expect(patch.status).toBe(405);
    expect(patch.headers.allow).toBe('GET, HEAD');
  });

  describe('with CORS origins configured', () => {
    let corsApi: INestApplication;

    beforeAll(async () => {
      const base = testConfig({
        address: system.env.address,
        taskQueue: `observability-cors-${process.pid}`,
        database: system.db.settings,
      });
      corsApi = await startApi({
        ...base,
        auth: { ...base.auth, corsOrigins: ['https://console.example'] },
      });
    });

    afterAll(() => corsApi?.close());

    it('allows exactly those origins', async () => {
      const allowed = await http(corsApi)
        .options('/v1/cases')
        .set('Origin', 'https://console.example')
        .set('Access-Control-Request-Method', 'GET');
      expect(allowed.status).toBeLessThan(300);
      expect(allowed.headers['access-control-allow-origin']).toBe('https://console.example');
      const other = await http(corsApi)
        .get('/health/live')
        .set('Origin', 'https://evil.example')
        .expect(200);
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    });
  });

  describe('logs', () => {
    const KEY_LIKE = 'vgl_leakcheck01_ZYXWVUTSRQPONMLKJIHGFEDCBA98765';
    const WEBHOOK_SECRET = 'whsec_c2VjcmV0LXNpZ25pbmcta2V5LWZvci10ZXN0cw==';
    const DATABASE_PASSWORD = 'pg-password-never-logged';
    let loggingApi: INestApplication;
    let lines: string[];
    let config: VigilConfig;

    beforeAll(async () => {
      lines = [];
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
          done();
        },
      });
      const base = testConfig({
        address: system.env.address,
        taskQueue: `observability-logs-${process.pid}`,
        database: system.db.settings,
      });
      config = {
        ...base,
        logLevel: 'debug',
        webhooks: {
          ...base.webhooks,
          notify: { url: 'https://hooks.example/notify', secret: WEBHOOK_SECRET },
        },
      };
      // The process's secrets as production gathers them, plus a database password.
      const secrets = [
        ...secretsOf(config),
        ...secretsOf({
          ...config,
          database: {
            type: 'postgres',
            url: `postgres://vigil:${DATABASE_PASSWORD}@db.internal:5432/vigil`,
          },
        }),
      ];
      const logger = createLogger({ level: 'debug', secrets, destination: sink });
      loggingApi = await startApi(
        config,
        (builder) =>
          builder
            .overrideProvider(VIGIL_LOGGER)
            .useValue(logger)
            .overrideProvider(IdentityStore)
            .useValue({
              upsert: async (identity: unknown) => {
                throw new Error(
                  `could not store ${JSON.stringify(identity)} for ${config.auth.adminKey} ` +
                    `(postgres://vigil:${DATABASE_PASSWORD}@db.internal/vigil, ${WEBHOOK_SECRET})`,
                );
              },
              get: async () => null,
            }),
        { logger: new JsonNestLogger(logger) },
      );
    });

    afterAll(() => loggingApi?.close());

    it('write one JSON line per request, with its id, and never a secret', async () => {
      lines.length = 0;
      const failed = await http(loggingApi)
        .put(`/v1/identities/svc-logged`)
        .set('x-request-id', 'req-log-1')
        .send({
          kind: 'service_account',
          owner: KEY_LIKE,
          team: `Bearer ${KEY_LIKE}`,
          criticality: 'high',
          environment: 'prod',
        });
      expect(failed.status).toBe(500);
      expect(failed.body).toEqual({
        code: 'internal_error',
        message: expect.any(String),
        requestId: 'req-log-1',
      });
      await http(loggingApi)
        .get(`/v1/cases/${KEY_LIKE}`)
        .set('x-request-id', 'req-log-2')
        .expect(404);

      const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      const access = entries.filter((e) => e.msg === 'request');
      expect(access).toEqual([
        expect.objectContaining({
          level: 'info',
          requestId: 'req-log-1',
          method: 'PUT',
          route: '/v1/identities/{id}',
          status: 500,
          durationMs: expect.any(Number),
        }),
        expect.objectContaining({
          requestId: 'req-log-2',
          method: 'GET',
          route: '/v1/cases/{id}',
          path: '/v1/cases/vgl_leakcheck01_[redacted]',
          status: 404,
        }),
      ]);
      // The failure was logged, with its request id, its message scrubbed.
      const error = entries.find((e) => e.level === 'error');
      expect(error).toMatchObject({ requestId: 'req-log-1' });
      expect(JSON.stringify(error)).toContain('could not store');
      expect(JSON.stringify(error)).toContain('vgl_leakcheck01_[redacted]');

      const output = lines.join('\n');
      for (const secret of [
        KEY_LIKE,
        'ZYXWVUTSRQPONMLKJIHGFEDCBA98765',
        TEST_ADMIN_KEY,
        TEST_ADMIN_KEY.split('_')[2]!,
        WEBHOOK_SECRET,
        DATABASE_PASSWORD,
      ]) {
        expect(output).not.toContain(secret);
      }
      expect(output.toLowerCase()).not.toContain('bearer vgl');
    });
  });
});
