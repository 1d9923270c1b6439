import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { hotPathOf } from '../../apps/api/src/guardrail/authorize-hot-path';
import { testingPostgres } from '../support/database';
import { TEST_ADMIN_KEY, apiClient, clientFor } from '../support/http';
import { startApi, startSystem, testConfig, type RunningSystem } from '../support/system';

const database = testingPostgres ? 'PostgreSQL' : 'SQLite';

/** Headers that differ between any two answers, whichever way they were served. */
const VARYING = new Set(['date', 'etag', 'x-request-id', 'content-length', 'connection']);

interface Probe {
  readonly name: string;
  readonly body: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** The key to send; null sends none. Default: an ingest key. */
  readonly key?: 'ingest' | 'analyst' | 'invalid' | null;
  readonly status: number;
}

const json = (value: unknown) => JSON.stringify(value);
const call = (body: Record<string, unknown>) => json({ agentId: 'agent-hot-path', ...body });

const PROBES: Probe[] = [
  { name: 'an allowed call', body: call({ tool: 'kb.search', resource: 'kb:1' }), status: 200 },
  {
    name: 'a call the policies deny',
    body: call({ tool: 'payments.refund', context: { amount: 900, environment: 'prod' } }),
    status: 200,
  },
  {
    name: 'an unknown agent',
    body: json({ agentId: 'agent-nobody', tool: 'kb.search' }),
    status: 200,
  },
  {
    name: 'an undeclared action',
    body: call({ tool: 'kb.search', action: 'delete' }),
    status: 200,
  },
  {
    name: 'UTF-8 declared, a byte-order mark and whitespace',
    body: `\ufeff \n${call({ tool: 'kb.search' })}`,
    headers: { 'content-type': 'application/json; charset=UTF-8' },
    status: 200,
  },
  { name: 'JSON cut short', body: '{"agentId":', status: 400 },
  { name: 'a JSON string at the top', body: '"agent-hot-path"', status: 400 },
  { name: 'only whitespace', body: '   ', status: 400 },
  { name: 'a JSON array', body: '[]', status: 400 },
  { name: 'an unknown field', body: call({ tool: 'kb.search', actor: 'mallory' }), status: 400 },
  { name: 'a bad tool name', body: call({ tool: '../etc' }), status: 400 },
  {
    name: 'a context value of the wrong type',
    body: call({ tool: 'payments.refund', context: { amount: 'lots' } }),
    status: 400,
  },
  {
    name: 'a NUL in a string',
    body: call({ tool: 'kb.search', resource: 'a\u0000b' }),
    status: 400,
  },
  { name: 'no key', body: call({ tool: 'kb.search' }), key: null, status: 401 },
  { name: 'no key and a malformed body', body: '{', key: null, status: 400 },
  { name: 'a wrong key', body: call({ tool: 'kb.search' }), key: 'invalid', status: 401 },
  {
    name: 'a role that may not ask',
    body: call({ tool: 'kb.search' }),
    key: 'analyst',
    status: 403,
  },
  {
    name: "the caller's request id",
    body: call({ tool: 'kb.search' }),
    headers: { 'x-request-id': 'agent-run-42.step-7' },
    status: 200,
  },
];

/** An answer with what differs between any two answers left out. */
function comparable(res: request.Response) {
  const headers = Object.fromEntries(
    Object.entries(res.headers).filter(([name]) => !VARYING.has(name)),
  );
  const body = { ...(res.body as Record<string, unknown>) };
  delete body.requestId;
  // A denial's case id is there when its case opened within the wait, which may differ.
  delete body.caseId;
  return { status: res.status, headers, body };
}

/**
 * POST /v1/authorize is answered by the hot path for plain requests, and by the general
 * middleware chain for others (a query string is enough): both must answer every request
 * the same way, in status, headers and body.
 */
describe(`POST /v1/authorize: the hot path answers as the general chain does, on ${database}`, () => {
  let system: RunningSystem;
  let keys: Record<'ingest' | 'analyst' | 'invalid', string>;

  beforeAll(async () => {
    system = await startSystem(`hot-path-${process.pid}`);
    await apiClient(system.api)
      .put('/v1/identities/agent-hot-path')
      .send({
        kind: 'ai_agent',
        owner: 'hugo@example.com',
        criticality: 'high',
        environment: 'prod',
        policy: { allowedTools: ['kb.search', 'payments.refund'] },
      })
      .expect(201);
    keys = {
      ingest: (await clientFor(system.api, 'runtime@example.com', 'ingest')).key,
      analyst: (await clientFor(system.api, 'ana@example.com', 'analyst')).key,
      invalid: 'vgl_nosuchkey01_0123456789abcdefghijklmnopqrstuv',
    };
  });

  afterAll(() => system?.stop());

  async function send(api: INestApplication, path: string, probe: Probe) {
    let req = request(api.getHttpServer())
      .post(path)
      .set('content-type', 'application/json')
      .set(probe.headers ?? {});
    const key = probe.key === undefined ? 'ingest' : probe.key;
    if (key !== null) req = req.set('authorization', `Bearer ${keys[key]}`);
    return req.send(probe.body);
  }

  async function sendBothWays(api: INestApplication, probe: Probe) {
    const hotPath = hotPathOf(api.getHttpServer() as Server)!;
    const before = hotPath.served;
    const hot = await send(api, '/v1/authorize', probe);
    const general = await send(api, '/v1/authorize?via=general', probe);
    expect(hotPath.served).toBe(before + 1);
    return { hot, general };
  }

  it.each(PROBES.map((probe) => [probe.name, probe] as const))('%s', async (_name, probe) => {
    const { hot, general } = await sendBothWays(system.api, probe);
    expect(hot.status).toBe(probe.status);
    expect(comparable(hot)).toEqual(comparable(general));
    expect(hot.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(hot.headers['content-security-policy']).toBeDefined();
    if (probe.headers?.['x-request-id']) {
      expect(hot.headers['x-request-id']).toBe(probe.headers['x-request-id']);
      expect(general.headers['x-request-id']).toBe(probe.headers['x-request-id']);
    } else if (hot.status !== 200) {
      expect(hot.body.requestId).toBe(hot.headers['x-request-id']);
    }
  });

  it('leaves requests it does not take to the general chain, which answers them as before', async () => {
    const hotPath = hotPathOf(system.api.getHttpServer() as Server)!;
    const before = hotPath.served;
    const http = apiClient(system.api, keys.ingest);
    const body = call({ tool: 'kb.search' });
    const text = await http.post('/v1/authorize').set('content-type', 'text/plain').send(body);
    expect(text.status).toBe(415);
    expect(text.body.code).toBe('unsupported_media_type');
    const latin1 = await http
      .post('/v1/authorize')
      .set('content-type', 'application/json; charset=latin1')
      .send(body);
    expect(latin1.status).toBe(415);
    const large = await http
      .post('/v1/authorize')
      .set('content-type', 'application/json')
      .send(
        json({
          agentId: 'agent-hot-path',
          tool: 'kb.search',
          context: { pad: 'x'.repeat(1_100_000) },
        }),
      );
    expect(large.status).toBe(413);
    expect(large.body.code).toBe('payload_too_large');
    const slash = await http.post('/v1/authorize/').send(JSON.parse(body));
    expect(slash.status).toBe(200);
    expect(hotPath.served).toBe(before);
  });

  describe('with CORS origins configured', () => {
    let corsApi: INestApplication;

    beforeAll(async () => {
      const base = testConfig({
        address: system.env.address,
        taskQueue: `hot-path-${process.pid}`,
        database: system.db.settings,
      });
      corsApi = await startApi({
        ...base,
        auth: { ...base.auth, adminKey: TEST_ADMIN_KEY, corsOrigins: ['https://console.example'] },
      });
    });

    afterAll(() => corsApi?.close());

    it('answers a request without an Origin as the general chain does, CORS headers included', async () => {
      const probe = PROBES[0]!;
      const { hot, general } = await sendBothWays(corsApi, probe);
      expect(hot.headers.vary).toBe('Origin');
      expect(comparable(hot)).toEqual(comparable(general));
    });

    it('leaves a request with an Origin to the CORS middleware', async () => {
      const hotPath = hotPathOf(corsApi.getHttpServer() as Server)!;
      const before = hotPath.served;
      const res = await send(corsApi, '/v1/authorize', {
        ...PROBES[0]!,
        headers: { origin: 'https://console.example' },
      });
      expect(res.status).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe('https://console.example');
      expect(hotPath.served).toBe(before);
    });
  });
});
