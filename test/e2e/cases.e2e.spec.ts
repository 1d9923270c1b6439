import type { INestApplication } from '@nestjs/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type request from 'supertest';
import { apiClient, clientFor, type Http } from '../support/http';
import { testingPostgres } from '../support/database';
import { eventually } from '../support/eventually';
import { startSystem, type RunningSystem } from '../support/system';

const database = testingPostgres ? 'PostgreSQL' : 'SQLite';

describe(`Vigil end to end: API + worker + Temporal dev server + ${database}`, () => {
  let system: RunningSystem;
  let env: TestWorkflowEnvironment;
  let api: INestApplication;
  let http: Http;
  let bob: Http, alice: Http;

  beforeAll(async () => {
    system = await startSystem(`e2e-${process.pid}`);
    ({ env, api } = system);
    http = apiClient(api);
    [bob, alice] = await Promise.all([
      clientFor(api, 'bob@example.com', 'analyst'),
      clientFor(api, 'alice@example.com', 'admin'),
    ]);
  });

  afterAll(() => system?.stop());

  const exception = (overrides: Record<string, unknown> = {}) => ({
    identityId: 'svc-payments',
    kind: 'novel_scope',
    severity: 'high',
    evidence: { scope: 'secrets:write:vault/prod/*', usualScopes: ['secrets:read:payments/*'] },
    ...overrides,
  });

  /** The case as the API shows it, once the worker has recorded what we expect. */
  const caseWhen = (id: string, ready: (body: Record<string, unknown>) => boolean) =>
    eventually(async () => {
      const res = await http.get(`/v1/cases/${id}`).expect(200);
      if (!ready(res.body)) throw new Error(`case not there yet: ${JSON.stringify(res.body)}`);
      return res.body;
    });

  /** Case ids the list shows, once the read model has recorded what we expect. */
  const listedWhen = (query: Record<string, string>, ready: (ids: string[]) => boolean) =>
    eventually(async () => {
      const res = await http
        .get('/v1/cases')
        .query({ ...query, limit: 200 })
        .expect(200);
      const ids = res.body.items.map((c: { id: string }) => c.id);
      if (!ready(ids)) throw new Error(`not listed yet: ${ids.join(', ')}`);
      return ids;
    });

  it('is ready when the database and Temporal are reachable', async () => {
    const res = await http.get('/health/ready').expect(200);
    expect(res.body).toEqual({
      status: 'ok',
      checks: { database: { status: 'up' }, temporal: { status: 'up' } },
    });
    await http.get('/health/live').expect(200, { status: 'ok' });
  });

  it('reports an exception, dedups a repeat, decides through the API and reads the resolved case', async () => {
    const first = await http
      .post('/v1/exceptions')
      .send(exception({ fingerprint: 'svc-payments.vault-write' }))
      .expect(202);
    expect(first.body).toEqual({
      caseId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      workflowId: 'case-svc-payments.vault-write',
      deduplicated: false,
    });
    const repeat = await http
      .post('/v1/exceptions')
      .send(exception({ fingerprint: 'svc-payments.vault-write', severity: 'critical' }))
      .expect(202);
    expect(repeat.body).toEqual({ ...first.body, deduplicated: true });

    const { caseId, workflowId } = first.body;
    const open = await caseWhen(
      caseId,
      (c) => c.status === 'awaiting_decision' && c.occurrences === 2,
    );
    expect(open).toMatchObject({
      id: caseId,
      workflowId,
      identityId: 'svc-payments',
      kind: 'novel_scope',
      severity: 'critical',
      resolution: null,
      allowedDecisions: ['reject', 'accept_risk', 'false_positive'],
    });
    await listedWhen({ status: 'awaiting_decision', identityId: 'svc-payments' }, (ids) =>
      ids.includes(caseId),
    );

    // Accepting the risk of a critical case is an admin's call.
    const refused = await bob
      .post(`/v1/cases/${caseId}/decision`)
      .send({ decision: 'accept_risk' })
      .expect(403);
    expect(refused.body).toMatchObject({ code: 'role_not_allowed' });
    const decided = await alice
      .post(`/v1/cases/${caseId}/decision`)
      .send({ decision: 'accept_risk', comment: 'approved maintenance' })
      .expect(200);
    expect(decided.body).toMatchObject({
      id: caseId,
      status: 'resolved',
      resolution: 'accepted_risk',
      disposition: 'benign_expected',
      occurrences: 2,
      decision: {
        decision: 'accept_risk',
        actor: 'alice@example.com',
        comment: 'approved maintenance',
      },
      allowedDecisions: [],
    });

    const read = await http.get(`/v1/cases/${workflowId}`).expect(200);
    expect(read.body).toMatchObject({
      id: caseId,
      status: 'resolved',
      resolution: 'accepted_risk',
    });
    expect(read.body.resolvedAt).toEqual(expect.any(String));
    expect(read.body.timeline.map((e: { type: string }) => e.type)).toEqual(
      expect.arrayContaining(['opened', 'occurrence', 'severity_raised', 'decision', 'resolved']),
    );
    // An accepted risk stays with its workflow until it expires and comes back for review.
    expect(Date.parse(read.body.acceptedUntil) - Date.parse(read.body.resolvedAt)).toBe(
      30 * 86_400_000,
    );
    const described = await env.client.workflow.getHandle(workflowId).describe();
    expect(described.status.name).toBe('RUNNING');

    const again = await http
      .post(`/v1/cases/${caseId}/decision`)
      .send({ decision: 'reject' })
      .expect(409);
    expect(again.body).toMatchObject({ code: 'case_not_awaiting_decision' });
  });

  it('refuses decisions the case cannot take, with 409', async () => {
    const { body } = await http
      .post('/v1/exceptions')
      .send(exception({ identityId: 'svc-ledger' }))
      .expect(202);
    await caseWhen(body.caseId, (c) => c.status === 'awaiting_decision');
    const res = await http
      .post(`/v1/cases/${body.caseId}/decision`)
      .send({ decision: 'approve_remediation' })
      .expect(409);
    expect(res.body).toMatchObject({
      code: 'decision_not_allowed',
      message: expect.stringContaining('no remediation'),
    });
    await http
      .post(`/v1/cases/${body.caseId}/decision`)
      .send({ decision: 'false_positive' })
      .expect(200);
  });

  it('opens a new case when a resolved exception comes back', async () => {
    const first = await http
      .post('/v1/exceptions')
      .send(exception({ identityId: 'svc-batch', kind: 'off_hours' }))
      .expect(202);
    await caseWhen(first.body.caseId, (c) => c.status === 'awaiting_decision');
    await http
      .post(`/v1/cases/${first.body.caseId}/decision`)
      .send({ decision: 'false_positive' })
      .expect(200);

    const second = await http
      .post('/v1/exceptions')
      .send(exception({ identityId: 'svc-batch', kind: 'off_hours' }))
      .expect(202);
    expect(second.body).toMatchObject({ workflowId: first.body.workflowId, deduplicated: false });
    expect(second.body.caseId).not.toBe(first.body.caseId);
    await caseWhen(
      first.body.workflowId,
      (c) => c.id === second.body.caseId && c.status === 'awaiting_decision',
    );
    await http
      .get(`/v1/cases/${first.body.caseId}`)
      .expect(200)
      .expect((res) => {
        expect(res.body).toMatchObject({ status: 'resolved', resolution: 'false_positive' });
      });
  });

  it('takes cloud identity ids such as ARNs, addressed URL-encoded', async () => {
    const identityId = 'arn:aws:iam::123456789012:role/service-role/deployer';
    const { body } = await http
      .post('/v1/exceptions')
      .send(exception({ identityId, kind: 'privilege_elevation' }))
      .expect(202);
    expect(body.workflowId).toBe(`case-${identityId}.privilege_elevation`);
    const shown = await caseWhen(
      encodeURIComponent(body.workflowId),
      (c) => c.status === 'awaiting_decision',
    );
    expect(shown).toMatchObject({ id: body.caseId, identityId });
    await http
      .post(`/v1/cases/${encodeURIComponent(body.workflowId)}/decision`)
      .send({ decision: 'reject' })
      .expect(200);
  });

  it('pages through cases with a cursor', async () => {
    const ids: string[] = [];
    for (const identityId of ['svc-page-1', 'svc-page-2', 'svc-page-3']) {
      const { body } = await http
        .post('/v1/exceptions')
        .send(exception({ identityId, kind: 'rate_spike', severity: 'low' }))
        .expect(202);
      ids.push(body.caseId);
    }
    await listedWhen({ kind: 'rate_spike' }, (listed) => ids.every((id) => listed.includes(id)));

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: request.Response = await http
        .get('/v1/cases')
        .query({ kind: 'rate_spike', limit: 2, ...(cursor ? { cursor } : {}) })
        .expect(200);
      seen.push(...res.body.items.map((c: { id: string }) => c.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(3);
    expect(new Set(seen)).toEqual(new Set(ids));

    const bad = await http.get('/v1/cases').query({ cursor: 'not-a-cursor' }).expect(400);
    expect(bad.body).toMatchObject({ code: 'validation_failed', field: 'cursor' });
  });

  it.each([
    ['a missing identity', { identityId: undefined }, 'identityId'],
    ['an unknown kind', { kind: 'vibes' }, 'kind'],
    ['an unknown severity', { severity: 'urgent' }, 'severity'],
    ['an identity id with spaces', { identityId: 'svc payments' }, 'identityId'],
    ['a fingerprint with a space', { fingerprint: 'a b' }, 'fingerprint'],
    ['evidence that is not an object', { evidence: 'text' }, 'evidence'],
    ['evidence over 64 KiB', { evidence: { blob: 'x'.repeat(70_000) } }, 'evidence'],
    ['an unknown field', { priority: 1 }, 'priority'],
  ])('rejects %s with 400 and the field', async (_name, change, field) => {
    const res = await http.post('/v1/exceptions').send(exception(change)).expect(400);
    expect(res.body).toEqual({
      code: 'validation_failed',
      message: expect.any(String),
      field,
      requestId: expect.any(String),
    });
  });

  it('answers malformed, mistyped and oversized bodies with the error body', async () => {
    const malformed = await http
      .post('/v1/exceptions')
      .set('content-type', 'application/json')
      .send('{"identityId":')
      .expect(400);
    expect(malformed.body).toMatchObject({ code: 'malformed_json' });
    const text = await http
      .post('/v1/exceptions')
      .set('content-type', 'text/plain')
      .send('hello')
      .expect(415);
    expect(text.body).toMatchObject({ code: 'unsupported_media_type' });
    const huge = await http
      .post('/v1/exceptions')
      .send(exception({ evidence: { blob: 'x'.repeat(2_000_000) } }))
      .expect(413);
    expect(huge.body).toMatchObject({ code: 'payload_too_large' });
    const badDecision = await http
      .post('/v1/cases/case-anything/decision')
      .send({ decision: 'maybe' })
      .expect(400);
    expect(badDecision.body).toMatchObject({ code: 'validation_failed', field: 'decision' });
  });

  it('answers 404 for unknown cases and routes', async () => {
    for (const id of [
      '4f0c8e0e-0000-4000-8000-000000000000',
      'case-no-such-fingerprint',
      'garbage id',
    ]) {
      const res = await http.get(`/v1/cases/${encodeURIComponent(id)}`).expect(404);
      expect(res.body).toMatchObject({ code: 'case_not_found' });
    }
    await http
      .post('/v1/cases/case-no-such-fingerprint/decision')
      .send({ decision: 'reject' })
      .expect(404);
    const route = await http.get('/v1/nothing-here').expect(404);
    expect(route.body).toMatchObject({ code: 'not_found', requestId: expect.any(String) });
  });

  it('echoes a caller request id, or makes one', async () => {
    const given = await http.get('/v1/cases/nope').set('x-request-id', 'trace-123').expect(404);
    expect(given.headers['x-request-id']).toBe('trace-123');
    expect(given.body.requestId).toBe('trace-123');
    const made = await http.get('/health/live').expect(200);
    expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('publishes its OpenAPI document and docs', async () => {
    const { body } = await http.get('/openapi.json').expect(200);
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/exceptions',
        '/v1/cases',
        '/v1/cases/{id}',
        '/v1/cases/{id}/decision',
        '/health/live',
        '/health/ready',
      ]),
    );
    expect(body.components.schemas.ReportExceptionDto.properties.severity.enum).toEqual([
      'low',
      'medium',
      'high',
      'critical',
    ]);
    const docs = await http.get('/docs').expect(200);
    expect(docs.text).toContain('swagger-ui');
  });
});
