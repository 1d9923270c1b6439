import type { INestApplication } from '@nestjs/common';
import type { Response } from 'supertest';
import { testingPostgres } from '../support/database';
import { eventually } from '../support/eventually';
import { apiClient as http } from '../support/http';
import { startSystem, type RunningSystem } from '../support/system';

const database = testingPostgres ? 'PostgreSQL' : 'SQLite';

/** Strings that break naive code: encodings, direction marks, control characters, size. */
const NASTY_STRINGS: ReadonlyArray<[string, string]> = [
  ['a lone high surrogate', 'ab\ud800cd'],
  ['a lone low surrogate', '\udc00'],
  ['right-to-left override', 'svc\u202Eexe.txt'],
  ['Arabic and Hebrew', 'حساب-خدمة שירות'],
  ['emoji with joiners', '👩🏽‍💻🔥🏳️‍🌈'],
  ['NUL', 'before\u0000after'],
  ['control characters', '\u0001\u0007\u001b[31mred\r\n\t'],
  ['zero-width and BOM', '\u200b\u200d\ufeffid'],
  ['a huge string', 'x'.repeat(200_000)],
  ['a huge string of 4-byte characters', '😀'.repeat(60_000)],
];

/** A 4xx with the error body; a 2xx is an accepted value, anything else fails. */
function expectHandled(res: Response, what: string): void {
  if (res.status >= 200 && res.status < 300) return;
  if (res.status < 400 || res.status >= 500) {
    throw new Error(`${what}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 500)}`);
  }
  expect(res.body).toEqual(
    expect.objectContaining({
      code: expect.stringMatching(/^[a-z_]+$/),
      message: expect.any(String),
      requestId: expect.any(String),
    }),
  );
}

function withValue(body: Record<string, unknown>, path: string, value: unknown) {
  const copy = structuredClone(body);
  const keys = path.split('.');
  let at: Record<string, unknown> = copy;
  for (const key of keys.slice(0, -1)) at = at[key] as Record<string, unknown>;
  at[keys[keys.length - 1]!] = value;
  return copy;
}

describe(`malformed and hostile input end to end on ${database}`, () => {
  let system: RunningSystem;
  let api: INestApplication;
  let awaitingCaseId: string;

  const identity = {
    kind: 'service_account',
    owner: 'olga@example.com',
    team: 'payments',
    vendor: 'acme',
    criticality: 'high',
    environment: 'prod',
    policy: { allowedScopes: ['secrets:read:payments/*'], allowedTools: ['kb.search'] },
  };
  const exception = {
    identityId: 'svc-hostile',
    kind: 'novel_scope',
    severity: 'high',
    fingerprint: 'svc-hostile.novel_scope.fixed',
    evidence: { scope: 'secrets:write:vault/prod/*', note: 'text' },
  };
  const event = {
    id: 'evt-hostile',
    time: '2026-11-24T10:00:00Z',
    identityId: 'svc-hostile',
    type: 'secret.accessed',
    action: 'read',
    resource: 'vault:prod/db',
    scope: 'secrets:read:payments/db',
    source: { ip: '10.0.0.4', userAgent: 'agent/1', host: 'pay-1', environment: 'prod' },
    outcome: 'allowed',
    attributes: { note: 'text' },
  };
  const authorize = {
    agentId: 'svc-hostile',
    tool: 'kb.search',
    action: 'invoke',
    resource: 'order:1',
    context: { note: 'text' },
  };
  const decision = { decision: 'reject', comment: 'text' };

  beforeAll(async () => {
    system = await startSystem(`malformed-${process.pid}`);
    api = system.api;
    await http(api).put('/v1/identities/svc-hostile').send(identity).expect(201);
    const reported = await http(api)
      .post('/v1/exceptions')
      .send({ ...exception, fingerprint: 'svc-hostile.awaiting' })
      .expect(202);
    awaitingCaseId = reported.body.caseId;
    await eventually(async () => {
      const res = await http(api).get(`/v1/cases/${awaitingCaseId}`).expect(200);
      if (res.body.status !== 'awaiting_decision') throw new Error(`case is ${res.body.status}`);
    });
  });

  afterAll(() => system?.stop());

  const singleRoutes = (): Array<[string, 'put' | 'post', string]> => [
    ['exceptions', 'post', '/v1/exceptions'],
    ['identities', 'put', '/v1/identities/svc-malformed'],
    ['authorize', 'post', '/v1/authorize'],
    ['decision', 'post', `/v1/cases/${awaitingCaseId}/decision`],
  ];
  const batchRoutes = ['/v1/events', '/v1/identities/import', '/v1/sources/cloudtrail'];

  it('answers malformed JSON with 400 malformed_json', async () => {
    for (const [, method, path] of singleRoutes()) {
      for (const text of ['{"identityId": ', '{"a":1}}', "{'single': 'quotes'}", '\u0000']) {
        const res = await http(api)
          [method](path)
          .set('content-type', 'application/json')
          .send(text);
        expect({ path, text, status: res.status }).toEqual({ path, text, status: 400 });
        expect(res.body).toMatchObject({ code: 'malformed_json', requestId: expect.any(String) });
      }
    }
    for (const path of batchRoutes) {
      const res = await http(api)
        .post(path)
        .set('content-type', 'application/json')
        .send('[{"id": "x",');
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect(res.body).toMatchObject({ code: 'malformed_json', requestId: expect.any(String) });
    }
  });

  it('answers a body that is not JSON with 415 unsupported_media_type', async () => {
    for (const [, method, path] of singleRoutes()) {
      for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded']) {
        const res = await http(api)[method](path).set('content-type', type).send('a=1');
        expect({ path, type, status: res.status }).toEqual({ path, type, status: 415 });
        expect(res.body).toMatchObject({ code: 'unsupported_media_type' });
      }
    }
    for (const path of batchRoutes) {
      const res = await http(api).post(path).set('content-type', 'text/csv').send('a,b\n1,2');
      expect({ path, status: res.status }).toEqual({ path, status: 415 });
      expect(res.body).toMatchObject({ code: 'unsupported_media_type' });
    }
  });

  it('answers oversize bodies with 413 payload_too_large', async () => {
    const big = JSON.stringify({ ...exception, evidence: { blob: 'x'.repeat(1024 * 1024 + 10) } });
    for (const [, method, path] of singleRoutes()) {
      const res = await http(api)[method](path).set('content-type', 'application/json').send(big);
      expect({ path, status: res.status }).toEqual({ path, status: 413 });
      expect(res.body).toMatchObject({ code: 'payload_too_large', requestId: expect.any(String) });
    }
    const hugeBatch = JSON.stringify([
      { ...event, attributes: { blob: 'x'.repeat(5 * 1024 * 1024) } },
    ]);
    for (const path of batchRoutes) {
      const res = await http(api)
        .post(path)
        .set('content-type', 'application/json')
        .send(hugeBatch);
      expect({ path, status: res.status }).toEqual({ path, status: 413 });
      expect(res.body).toMatchObject({ code: 'payload_too_large' });
    }
    await http(api).get('/v1/identities/svc-malformed').expect(404);
  });

  it('never fails on odd strings in any string field of the main bodies', async () => {
    const fields: Array<[string, 'put' | 'post', () => string, Record<string, unknown>, string[]]> =
      [
        [
          'exceptions',
          'post',
          () => '/v1/exceptions',
          exception,
          ['identityId', 'kind', 'severity', 'fingerprint', 'evidence.scope', 'evidence.note'],
        ],
        [
          'identities',
          'put',
          () => '/v1/identities/svc-odd',
          identity,
          ['kind', 'owner', 'team', 'vendor', 'criticality', 'environment'],
        ],
        [
          'authorize',
          'post',
          () => '/v1/authorize',
          authorize,
          ['agentId', 'tool', 'action', 'resource', 'context.note'],
        ],
        [
          'decision',
          'post',
          () => `/v1/cases/${awaitingCaseId}/decision`,
          { ...decision, decision: 'not-a-decision' },
          ['decision', 'comment'],
        ],
      ];
    for (const [name, method, path, body, paths] of fields) {
      for (const field of paths) {
        for (const [label, value] of NASTY_STRINGS) {
          const res = await http(api)
            [method](path())
            .send(withValue(body, field, value));
          expectHandled(res, `${name} ${field} = ${label}`);
        }
      }
    }
    // The identity route's id is a string too; a lone surrogate travels as invalid UTF-8.
    for (const [label, value] of NASTY_STRINGS.filter(([, v]) => v.length < 1000)) {
      let encoded: string;
      try {
        encoded = encodeURIComponent(value);
      } catch {
        encoded = `a%ED%A0%80b`;
      }
      const res = await http(api).put(`/v1/identities/${encoded}`).send(identity);
      expectHandled(res, `identity id = ${label}`);
    }
  });

  it('ingests or refuses odd strings in every string field of an event, one by one', async () => {
    const paths = [
      'id',
      'time',
      'identityId',
      'type',
      'action',
      'resource',
      'scope',
      'source.ip',
      'source.userAgent',
      'source.host',
      'source.environment',
      'outcome',
      'attributes.note',
    ];
    let n = 0;
    for (const field of paths) {
      const batch = NASTY_STRINGS.map(([, value]) =>
        withValue(
          { ...event, id: `evt-odd-${n++}` },
          field,
          field === 'id' ? `${value}-${n}` : value,
        ),
      );
      const res = await http(api).post('/v1/events').send(batch);
      expectHandled(res, `events ${field}`);
      if (res.status === 200) {
        expect(res.body.accepted + res.body.duplicates + res.body.rejected.length).toBe(
          batch.length,
        );
        for (const rejection of res.body.rejected) {
          expect(rejection).toEqual(
            expect.objectContaining({ code: expect.any(String), message: expect.any(String) }),
          );
        }
      }
    }
  });

  it('leaves nothing half-written when it refuses a request', async () => {
    const refused = await http(api)
      .put('/v1/identities/svc-half')
      .send({ ...identity, criticality: 'extreme\u0000' });
    expect(refused.status).toBe(400);
    await http(api).get('/v1/identities/svc-half').expect(404);

    const refusedOwner = await http(api)
      .put('/v1/identities/svc-half')
      .send({ ...identity, owner: 'x'.repeat(200_000) });
    expectHandled(refusedOwner, 'huge owner');
    if (refusedOwner.status >= 400) await http(api).get('/v1/identities/svc-half').expect(404);

    // Text no database stores as it is: refused before anything is written, with the field.
    for (const [field, body] of [
      ['team', { ...identity, team: 'pay\u0000ments' }],
      ['policy.allowedScopes[0]', { ...identity, policy: { allowedScopes: ['a\ud800'] } }],
    ] as const) {
      const refusedText = await http(api).put('/v1/identities/svc-half').send(body);
      expect(refusedText.status).toBe(400);
      expect(refusedText.body).toMatchObject({ code: 'validation_failed', field });
      await http(api).get('/v1/identities/svc-half').expect(404);
    }
    const refusedReport = await http(api)
      .post('/v1/exceptions')
      .send({ ...exception, fingerprint: 'svc-hostile.nul', evidence: { note: 'a\u0000b' } });
    expect(refusedReport.status).toBe(400);
    expect(refusedReport.body).toMatchObject({ field: 'evidence.note' });

    const before = await http(api).get(`/v1/cases/${awaitingCaseId}`).expect(200);
    const badDecision = await http(api)
      .post(`/v1/cases/${awaitingCaseId}/decision`)
      .send({ ...decision, comment: 'y'.repeat(2_000_000) });
    expect(badDecision.status).toBe(413);
    const after = await http(api).get(`/v1/cases/${awaitingCaseId}`).expect(200);
    expect(after.body.status).toBe('awaiting_decision');
    expect(after.body.timeline).toHaveLength(before.body.timeline.length);
  });
});
