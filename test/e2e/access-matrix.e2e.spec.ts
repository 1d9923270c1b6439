import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { ROLES, type Role } from '@vigil/contracts';
import { testingPostgres } from '../support/database';
import { apiClient, clientFor, type Http } from '../support/http';
import { startSystem, type RunningSystem } from '../support/system';

const database = testingPostgres ? 'PostgreSQL' : 'SQLite';

/**
 * Who may call what: every route the API serves, and the roles allowed besides `admin`
 * (who may call everything). `public` routes need no key. The test reads the routes from
 * the running application, so a route missing here fails it.
 */
const ACCESS: Readonly<Record<string, readonly Role[] | 'public'>> = {
  'GET /health/live': 'public',
  'GET /health/ready': 'public',
  'GET /docs': 'public',
  'GET /openapi.json': 'public',
  'GET /docs-yaml': 'public',
  'GET /docs/': 'public',
  'GET /docs/index.html': 'public',
  'GET /docs/LICENSE': 'public',
  'GET /docs/swagger-ui-init.js': 'public',
  'GET /docs/docs/swagger-ui-init.js': 'public',

  'POST /v1/exceptions': ['ingest'],
  'POST /v1/events': ['ingest'],
  'POST /v1/sources/cloudtrail': ['ingest'],
  'POST /v1/sources/ocsf': ['ingest'],
  'POST /v1/authorize': ['ingest'],

  'GET /v1/cases': ['analyst', 'auditor'],
  'GET /v1/cases/:id': ['analyst', 'auditor'],
  'POST /v1/cases/:id/decision': ['analyst'],
  'POST /v1/cases/:id/remediation-requests': ['analyst'],
  'POST /v1/cases/:id/comments': ['analyst'],

  'GET /v1/identities': ['analyst', 'auditor'],
  'POST /v1/identities/import': [],
  'GET /v1/identities/:id': ['analyst', 'auditor'],
  'GET /v1/identities/:id/baseline': ['analyst', 'auditor'],
  'PUT /v1/identities/:id': [],
  'GET /v1/identities/:id/allowances': ['analyst', 'auditor'],
  'GET /v1/identities/:id/restrictions': ['analyst', 'auditor'],

  'GET /v1/detectors': ['analyst', 'auditor'],
  'PUT /v1/detectors/:kind/threshold': [],

  'GET /v1/playbooks': ['analyst', 'auditor'],
  'GET /v1/playbooks/:id': ['analyst', 'auditor'],
  'PUT /v1/playbooks/:id': [],
  'GET /v1/playbooks/:id/preview': ['analyst', 'auditor'],
  'GET /v1/escalation-policies': ['analyst', 'auditor'],
  'PUT /v1/escalation-policies/:severity': [],
  'DELETE /v1/escalation-policies/:severity': [],

  'GET /v1/policies': ['analyst', 'auditor'],
  'GET /v1/policies/active': ['analyst', 'auditor'],
  'GET /v1/policies/:version': ['analyst', 'auditor'],
  'POST /v1/policies': [],
  'POST /v1/policies/:version/activate': [],
  'POST /v1/policies/evaluate': [],

  'POST /v1/tuning/runs': [],
  'GET /v1/tuning/runs': ['analyst', 'auditor'],
  'GET /v1/tuning/runs/:id': ['analyst', 'auditor'],
  'POST /v1/tuning/runs/:id/revert': [],
  'PUT /v1/tuning/verdicts/:caseId/exclusion': [],
  'POST /v1/tuning/replay': [],
  'GET /v1/tuning/replays/:id': ['analyst', 'auditor'],

  'GET /metrics': ['auditor'],
  'GET /v1/audit/verify': ['auditor'],
  'GET /v1/audit/log': ['auditor'],
  'GET /v1/audit/exceptions': ['auditor'],
  'GET /v1/reports/control-effectiveness': ['auditor'],

  'POST /v1/keys': [],
  'GET /v1/keys': [],
  'GET /v1/keys/current': ['ingest', 'analyst', 'auditor'],
  'DELETE /v1/keys/:id': [],
};

/** A value for each path parameter that names nothing, so no call changes real state. */
const PARAMS: Readonly<Record<string, string>> = {
  id: 'matrix0probe',
  kind: 'off_hours',
  severity: 'low',
  version: '999',
  caseId: 'matrix-probe',
};

/** Query strings some reads need to be answered at all. */
const WINDOW = 'from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z';
const QUERIES: Readonly<Record<string, string>> = {
  '/v1/audit/exceptions': WINDOW,
  '/v1/reports/control-effectiveness': WINDOW,
};

interface Route {
  readonly method: string;
  readonly path: string;
}

/** The routes Express serves, read from its router: what a client can actually reach. */
function servedRoutes(app: INestApplication): Route[] {
  const express = app.getHttpAdapter().getInstance() as {
    router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] };
  };
  const routes = new Map<string, Route>();
  for (const layer of express.router.stack) {
    if (!layer.route) continue;
    for (const [method, on] of Object.entries(layer.route.methods)) {
      if (!on || method === '_all') continue;
      // Middleware bound to a route (body parsing) shows up as a second layer of the route.
      const route = { method: method.toUpperCase(), path: layer.route.path };
      routes.set(`${route.method} ${route.path}`, route);
    }
  }
  return [...routes.values()];
}

function call(client: Http, route: Route) {
  const query = QUERIES[route.path];
  const path =
    route.path.replace(/:(\w+)/g, (_, name: string) => PARAMS[name] ?? 'x') +
    (query ? `?${query}` : '');
  const method = route.method.toLowerCase() as 'get' | 'post' | 'put' | 'delete';
  const request = client[method](path);
  return route.method === 'GET' || route.method === 'DELETE' ? request : request.send({});
}

describe(`every route × every role on ${database}`, () => {
  let system: RunningSystem;
  let routes: Route[];
  const clients = new Map<Role | 'none', Http>();

  beforeAll(async () => {
    system = await startSystem(`access-${process.pid}`);
    routes = servedRoutes(system.api);
    clients.set('admin', apiClient(system.api));
    for (const role of ROLES.filter((r) => r !== 'admin')) {
      clients.set(role, await clientFor(system.api, `matrix-${role}@example.com`, role));
    }
  });

  afterAll(() => system?.stop());

  it('lists every served route, and serves every listed one', () => {
    const served = routes.map((r) => `${r.method} ${r.path}`).sort();
    expect(served).toEqual(Object.keys(ACCESS).sort());
  });

  it.each(['none', ...ROLES] as const)('answers %s as the table says', async (who) => {
    const client =
      who === 'none' ? (request.agent(system.api.getHttpServer()) as Http) : clients.get(who)!;
    const wrong: string[] = [];
    for (const route of routes) {
      const access = ACCESS[`${route.method} ${route.path}`];
      if (!access) continue;
      const res = await call(client, route);
      const name = `${route.method} ${route.path} as ${who}: ${res.status} ${res.body?.code ?? ''}`;
      if (access === 'public') {
        // Served without a key (what it then answers is its own business).
        if (res.status === 401 || res.status === 403) wrong.push(`${name}, want no key needed`);
      } else if (who === 'none') {
        if (res.status !== 401 || res.body.code !== 'unauthenticated')
          wrong.push(`${name}, want 401`);
      } else if (who !== 'admin' && !access.includes(who)) {
        if (res.status !== 403 || res.body.code !== 'forbidden') wrong.push(`${name}, want 403`);
      } else if (res.status === 401 || res.status === 403 || res.status >= 500) {
        wrong.push(`${name}, want it let through`);
      } else if (route.method === 'GET' && !route.path.includes(':') && res.status !== 200) {
        wrong.push(`${name}, want 200`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('refuses a malformed, unknown or revoked key with 401, and names no secret', async () => {
    const admin = clients.get('admin')!;
    const bad = (key: string) => apiClient(system.api, key).get('/v1/cases').expect(401);
    expect((await bad('not-a-key')).body).toMatchObject({ code: 'invalid_key' });
    expect((await bad('vgl_nosuchkey1_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).body).toMatchObject({
      code: 'invalid_key',
    });
    const temp = await clientFor(system.api, 'temp@example.com', 'analyst');
    await temp.get('/v1/cases').expect(200);
    const wrongSecret = temp.key.slice(0, -4) + 'ZZZZ';
    expect((await bad(wrongSecret)).body).toMatchObject({ code: 'invalid_key' });
    await admin.delete(`/v1/keys/${temp.keyId}`).expect(200);
    const revoked = await bad(temp.key);
    expect(revoked.body).toMatchObject({ code: 'invalid_key' });
    expect(JSON.stringify(revoked.body)).not.toContain(temp.key.split('_')[2]);
  });
});
