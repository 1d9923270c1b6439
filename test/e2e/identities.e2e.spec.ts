import type { INestApplication } from '@nestjs/common';
import type request from 'supertest';
import { BOOTSTRAP_KEY_NAME } from '../../apps/api/src/auth/keys.service';
import { apiClient, type Http } from '../support/http';
import { createTestDatabase, testingPostgres, type TestDatabase } from '../support/database';
import { startApi, testConfig } from '../support/system';

const database = testingPostgres ? 'PostgreSQL' : 'SQLite';

describe(`identity inventory API on ${database}`, () => {
  let db: TestDatabase;
  let api: INestApplication;
  let http: Http;

  beforeAll(async () => {
    db = await createTestDatabase();
    // The inventory does not need Temporal; nothing listens on the discard port.
    api = await startApi(
      testConfig({ address: '127.0.0.1:9', taskQueue: 'unused', database: db.settings }),
    );
    http = apiClient(api);
  });

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  const declaration = {
    kind: 'service_account',
    owner: 'alice@example.com',
    team: 'payments',
    vendor: null,
    criticality: 'high',
    environment: 'prod',
    policy: {
      rotationPeriodDays: 90,
      rotationToleranceDays: 7,
      allowedScopes: ['secrets:read:payments/*'],
      allowedTools: [],
      resourceSensitivity: [{ pattern: 'vault:prod/*', sensitivity: 'critical' }],
    },
    status: 'active',
  };

  it('creates, replaces and reads an identity', async () => {
    const created = await http.put('/v1/identities/svc-payments').send(declaration).expect(201);
    expect(created.body).toMatchObject({
      id: 'svc-payments',
      ...declaration,
      autoRegistered: false,
      updatedBy: BOOTSTRAP_KEY_NAME,
    });
    const replaced = await http
      .put('/v1/identities/svc-payments')
      .send({ ...declaration, criticality: 'critical', policy: { rotationPeriodDays: 30 } })
      .expect(200);
    expect(replaced.body).toMatchObject({
      criticality: 'critical',
      policy: {
        rotationPeriodDays: 30,
        rotationToleranceDays: null,
        allowedScopes: [],
        allowedTools: [],
      },
      createdAt: created.body.createdAt,
    });
    const read = await http.get('/v1/identities/svc-payments').expect(200);
    expect(read.body).toEqual(replaced.body);
  });

  it.each([
    ['an unknown kind', { kind: 'robot' }, 'kind'],
    ['a missing criticality', { criticality: undefined }, 'criticality'],
    [
      'a fractional rotation period',
      { policy: { rotationPeriodDays: 1.5 } },
      'policy.rotationPeriodDays',
    ],
    [
      'a bad sensitivity tier',
      { policy: { resourceSensitivity: [{ pattern: 'x', sensitivity: 'extreme' }] } },
      'policy.resourceSensitivity.0.sensitivity',
    ],
    ['an unknown field', { colour: 'blue' }, 'colour'],
  ])('refuses %s with the field', async (_label, change, field) => {
    const res = await http
      .put('/v1/identities/svc-bad')
      .send({ ...declaration, ...change })
      .expect(400);
    expect(res.body).toMatchObject({ code: 'validation_failed', field });
    await http.get('/v1/identities/svc-bad').expect(404);
  });

  it('imports a JSON array and NDJSON, keeping the valid lines and listing the rest', async () => {
    const array = await http
      .post('/v1/identities/import')
      .send([
        { id: 'oauth-crm-sync', ...declaration, kind: 'oauth_app', vendor: 'Acme CRM' },
        { id: 'bad id', ...declaration },
        {
          id: 'agent-support-bot',
          ...declaration,
          kind: 'ai_agent',
          policy: { allowedTools: ['tickets.*'] },
        },
      ])
      .expect(200);
    expect(array.body).toEqual({
      created: 2,
      updated: 0,
      rejected: [
        {
          index: 1,
          code: 'validation_failed',
          field: 'identities[1].id',
          message: expect.any(String),
        },
      ],
    });

    const ndjson = [
      JSON.stringify({ id: 'cert-api-gateway', ...declaration, kind: 'certificate' }),
      '{"id": "broken",',
      JSON.stringify({
        id: 'oauth-crm-sync',
        ...declaration,
        kind: 'oauth_app',
        vendor: 'Acme CRM',
        criticality: 'medium',
      }),
      JSON.stringify({ id: 'svc-x', ...declaration, criticality: 'extreme' }),
    ].join('\n');
    const lines = await http
      .post('/v1/identities/import')
      .set('content-type', 'application/x-ndjson')
      .send(ndjson)
      .expect(200);
    expect(lines.body).toMatchObject({ created: 1, updated: 1 });
    expect(
      lines.body.rejected.map((r: { index: number; code: string }) => [r.index, r.code]),
    ).toEqual([
      [1, 'malformed_json'],
      [3, 'validation_failed'],
    ]);
    await http
      .get('/v1/identities/oauth-crm-sync')
      .expect(200)
      .expect((res) => {
        expect(res.body).toMatchObject({
          kind: 'oauth_app',
          vendor: 'Acme CRM',
          criticality: 'medium',
        });
      });

    await http
      .post('/v1/identities/import')
      .set('content-type', 'text/csv')
      .send('id,kind')
      .expect(415);
    const notArray = await http.post('/v1/identities/import').send({ id: 'x' }).expect(400);
    expect(notArray.body).toMatchObject({ code: 'malformed_json' });
  });

  it('lists identities with filters and a cursor', async () => {
    for (const id of ['svc-list-a', 'svc-list-b', 'svc-list-c']) {
      await http
        .put(`/v1/identities/${id}`)
        .send({ ...declaration, team: 'listing' })
        .expect(201);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: request.Response = await http
        .get('/v1/identities')
        .query({ team: 'listing', limit: 2, ...(cursor ? { cursor } : {}) })
        .expect(200);
      seen.push(...res.body.items.map((i: { id: string }) => i.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['svc-list-a', 'svc-list-b', 'svc-list-c']);
    const bad = await http.get('/v1/identities').query({ cursor: 'nonsense' }).expect(400);
    expect(bad.body).toMatchObject({ code: 'validation_failed', field: 'cursor' });
    await http.get('/v1/identities/nobody').expect(404);
  });

  it('lists detectors with thresholds and controls, and stores an adjusted threshold', async () => {
    const { body: detectors } = await http.get('/v1/detectors').expect(200);
    expect(detectors).toHaveLength(15);
    expect(detectors).toContainEqual(
      expect.objectContaining({
        kind: 'novel_scope',
        owasp: 'NHI5',
        owaspName: 'Overprivileged NHI',
        nist: 'PR.AA-05',
      }),
    );
    const set = await http
      .put('/v1/detectors/novel_scope/threshold')
      .send({ threshold: 0.8 })
      .expect(200);
    expect(set.body).toMatchObject({ kind: 'novel_scope', threshold: 0.8 });
    const again = await http.get('/v1/detectors').expect(200);
    expect(again.body.find((d: { kind: string }) => d.kind === 'novel_scope')).toMatchObject({
      threshold: 0.8,
    });
    await http.put('/v1/detectors/vibes/threshold').send({ threshold: 0.5 }).expect(404);
    const bad = await http
      .put('/v1/detectors/novel_scope/threshold')
      .send({ threshold: 2 })
      .expect(400);
    expect(bad.body).toMatchObject({ code: 'validation_failed', field: 'threshold' });
  });
});
