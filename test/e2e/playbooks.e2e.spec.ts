import type { INestApplication } from '@nestjs/common';
import { BUILT_IN_PLAYBOOKS, DEFAULT_ESCALATION_POLICIES } from '@vigil/domain';
import { RestrictionStore, writeTransaction } from '@vigil/persistence';
import { PlaybookPreviewService } from '../../apps/api/src/playbooks/playbook-preview.service';
import { createTestDatabase, testingPostgres, type TestDatabase } from '../support/database';
import { startApi, testConfig } from '../support/system';
import { BOOTSTRAP_KEY_NAME } from '../../apps/api/src/auth/keys.service';
import { apiClient, type Http } from '../support/http';

const database = testingPostgres ? 'PostgreSQL' : 'SQLite';

describe(`playbooks and escalation API on ${database}`, () => {
  let db: TestDatabase;
  let api: INestApplication;
  let http: Http;

  beforeAll(async () => {
    db = await createTestDatabase();
    // None of these endpoints needs Temporal; nothing listens on the discard port.
    api = await startApi(
      testConfig({ address: '127.0.0.1:9', taskQueue: 'unused', database: db.settings }),
    );
    http = apiClient(api);
    for (const [id, kind, criticality] of [
      ['svc-payments', 'service_account', 'high'],
      ['agent-support', 'ai_agent', 'medium'],
      ['oauth-crm', 'oauth_app', 'low'],
    ]) {
      await http
        .put(`/v1/identities/${id}`)
        .send({
          kind,
          owner: 'alice@example.com',
          team: 'platform',
          vendor: null,
          criticality,
          environment: 'prod',
          policy: {},
          status: 'active',
        })
        .expect(201);
    }
  });

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  const revokeScope = BUILT_IN_PLAYBOOKS.find((p) => p.id === 'revoke-scope')!;
  const { id: _id, version: _version, ...revokeBody } = revokeScope;

  function expectError(body: unknown, code: string, field?: string): void {
    expect(body).toEqual({
      code,
      message: expect.any(String),
      ...(field ? { field } : {}),
      requestId: expect.any(String),
    });
  }

  it('lists the built-in playbooks on a fresh database', async () => {
    const res = await http.get('/v1/playbooks').expect(200);
    expect(res.body.items.map((p: { id: string }) => p.id)).toEqual(
      BUILT_IN_PLAYBOOKS.map((p) => p.id).sort(),
    );
    expect(res.body.items[0]).toMatchObject({
      builtIn: true,
      createdAt: null,
      createdBy: 'vigil:built-in',
      version: 1,
    });
    const one = await http.get('/v1/playbooks/revoke-scope').expect(200);
    expect(one.body).toEqual({
      ...revokeScope,
      builtIn: true,
      createdAt: null,
      createdBy: 'vigil:built-in',
      versions: [1],
      active: true,
    });
  });

  it('saves an edit as the next version and keeps the earlier one readable', async () => {
    const edited = { ...revokeBody, autoCeiling: { maxSeverity: 'low', maxCriticality: 'low' } };
    const saved = await http.put('/v1/playbooks/revoke-scope').send(edited).expect(200);
    expect(saved.body).toMatchObject({
      id: 'revoke-scope',
      version: 2,
      builtIn: false,
      createdBy: BOOTSTRAP_KEY_NAME,
      autoCeiling: { maxSeverity: 'low', maxCriticality: 'low' },
    });
    expect(Date.parse(saved.body.createdAt)).not.toBeNaN();

    const active = await http.get('/v1/playbooks/revoke-scope').expect(200);
    expect(active.body).toMatchObject({ version: 2, versions: [1, 2], active: true });
    const first = await http.get('/v1/playbooks/revoke-scope?version=1').expect(200);
    expect(first.body).toMatchObject({
      version: 1,
      autoCeiling: revokeScope.autoCeiling,
      builtIn: true,
      active: false,
    });
    const listed = await http.get('/v1/playbooks').expect(200);
    expect(listed.body.items.find((p: { id: string }) => p.id === 'revoke-scope').version).toBe(2);

    const stale = await http
      .put('/v1/playbooks/revoke-scope')
      .send({ ...edited, version: 2 })
      .expect(409);
    expectError(stale.body, 'playbook_version_conflict');
    await http
      .put('/v1/playbooks/revoke-scope')
      .send({ ...edited, id: 'revoke-scope', version: 3 })
      .expect(200);
  });

  it('creates a new playbook at version 1', async () => {
    const res = await http
      .put('/v1/playbooks/block-shell')
      .send({
        ...revokeBody,
        title: 'Block shell tools',
        matches: { kinds: ['novel_tool'], identityKinds: ['ai_agent'] },
        steps: [
          {
            name: 'block',
            action: 'block_tool',
            connector: 'internal',
            params: { tool: '{{value}}' },
            verify: true,
            compensate: true,
          },
        ],
      })
      .expect(201);
    expect(res.body).toMatchObject({ id: 'block-shell', version: 1, builtIn: false });
  });

  it.each([
    [
      'an unknown action',
      { steps: [{ ...revokeScope.steps[0], action: 'explode' }] },
      'steps[0].action',
    ],
    [
      'an unknown template root',
      { steps: [{ ...revokeScope.steps[0], params: { scope: '{{case.id}}' } }] },
      'steps[0].params.scope',
    ],
    ['an unknown field', { owner: 'x' }, 'owner'],
    ['a mismatched id', { id: 'other' }, 'id'],
    ['a missing title', { title: undefined }, 'title'],
  ])('refuses a playbook with %s, naming the field', async (_name, change, field) => {
    const res = await http
      .put('/v1/playbooks/revoke-scope')
      .send({ ...revokeBody, ...change })
      .expect(400);
    expectError(res.body, 'validation_failed', field);
  });

  it('refuses a bad playbook id or body, and answers 404 for unknown playbooks', async () => {
    expectError(
      (await http.put('/v1/playbooks/Bad_Id').send(revokeBody).expect(400)).body,
      'validation_failed',
      'id',
    );
    expectError(
      (await http.put('/v1/playbooks/x').send([1, 2]).expect(400)).body,
      'validation_failed',
      'body',
    );
    expectError((await http.get('/v1/playbooks/nope').expect(404)).body, 'playbook_not_found');
    expectError(
      (await http.get('/v1/playbooks/revoke-scope?version=9').expect(404)).body,
      'playbook_version_not_found',
    );
    expectError(
      (await http.get('/v1/playbooks/revoke-scope?version=zero').expect(400)).body,
      'validation_failed',
      'version',
    );
  });

  it('dry-runs a playbook for a hypothetical exception', async () => {
    const res = await http
      .get('/v1/playbooks/block-agent-tool/preview')
      .query({
        identityId: 'agent-support',
        kind: 'novel_tool',
        value: 'payments.refund',
        severity: 'high',
      })
      .expect(200);
    expect(res.body).toEqual({
      playbookId: 'block-agent-tool',
      playbookVersion: 1,
      automatic: true,
      ceiling: expect.stringContaining('within the ceiling'),
      matches: true,
      steps: [
        {
          playbookId: 'block-agent-tool',
          playbookVersion: 1,
          step: 'block-tool',
          action: 'block_tool',
          connector: 'internal',
          identityId: 'agent-support',
          params: { tool: 'payments.refund' },
          verify: true,
          compensate: true,
        },
      ],
    });

    const elsewhere = await http
      .get('/v1/playbooks/block-agent-tool/preview')
      .query({ identityId: 'svc-payments', kind: 'novel_tool', value: 't', severity: 'critical' })
      .expect(200);
    expect(elsewhere.body).toMatchObject({ automatic: false, matches: false });
    expect(elsewhere.body.ceiling).toContain('severity critical is above');

    const noKind = await http
      .get('/v1/playbooks/suspend-identity/preview')
      .query({ identityId: 'oauth-crm', severity: 'low' })
      .expect(200);
    expect(noKind.body).toMatchObject({ automatic: false, matches: null });
    expect(noKind.body.steps).toHaveLength(2);
  });

  it.each([
    [{ severity: 'low' }, 400, 'validation_failed', 'identityId'],
    [{ identityId: 'agent-support' }, 400, 'validation_failed', 'severity'],
    [{ identityId: 'agent-support', severity: 'low', kind: 'x' }, 400, 'validation_failed', 'kind'],
    [{ identityId: 'agent-support', severity: 'low' }, 400, 'validation_failed', 'value'],
    [{ identityId: 'ghost', severity: 'low', value: 'x' }, 404, 'identity_not_found', undefined],
  ])('refuses the dry run %j', async (query, status, code, field) => {
    const res = await http
      .get('/v1/playbooks/block-agent-tool/preview')
      .query(query)
      .expect(status);
    expectError(res.body, code, field);
  });

  it('previews a case through the preview service', async () => {
    const previews = api.get(PlaybookPreviewService);
    const identity = {
      id: 'oauth-crm',
      kind: 'oauth_app' as const,
      owner: 'alice@example.com',
      team: 'platform',
      vendor: null,
      criticality: 'low' as const,
      environment: 'prod',
      policy: {
        rotationPeriodDays: null,
        rotationToleranceDays: null,
        allowedScopes: [],
        allowedTools: [],
        resourceSensitivity: [],
      },
      status: 'active' as const,
    };
    const caseRow = {
      id: 'case-1',
      identityId: 'oauth-crm',
      kind: 'unusual_record_set' as const,
      severity: 'medium' as const,
      evidence: { value: 'contacts' },
    };
    expect(await previews.preview(caseRow, identity)).toMatchObject({
      playbookId: 'notify-vendor-owner',
      automatic: true,
      matches: true,
    });
    await expect(
      previews.preview({ ...caseRow, kind: 'rate_spike' }, identity),
    ).rejects.toMatchObject({ code: 'playbook_not_found' });
    await expect(
      previews.preview({ ...caseRow, evidence: {} }, identity, 'block-agent-tool'),
    ).rejects.toMatchObject({ code: 'playbook_not_applicable', status: 409 });
  });

  it('lists and replaces escalation policies', async () => {
    const listed = await http.get('/v1/escalation-policies').expect(200);
    expect(listed.body.items).toEqual(
      (['low', 'medium', 'high', 'critical'] as const).map((severity) => ({
        ...DEFAULT_ESCALATION_POLICIES[severity],
        isDefault: true,
        updatedAt: null,
        updatedBy: null,
      })),
    );

    const policy = {
      tier1: { route: 'team', deadlineMinutes: 30, reminderMinutes: 10 },
      tier2: { route: 'soc_tier2', deadlineMinutes: 60, reminderMinutes: null },
      failSafe: { decision: 'contain', acceptRiskDays: null },
    };
    const put = await http.put('/v1/escalation-policies/high').send(policy).expect(200);
    expect(put.body).toMatchObject({
      severity: 'high',
      ...policy,
      isDefault: false,
      updatedBy: BOOTSTRAP_KEY_NAME,
    });
    const again = await http.get('/v1/escalation-policies').expect(200);
    expect(again.body.items[2]).toMatchObject({ severity: 'high', tier1: policy.tier1 });

    expectError(
      (
        await http
          .put('/v1/escalation-policies/high')
          .send({ ...policy, failSafe: { decision: 'accept_risk', acceptRiskDays: null } })
          .expect(400)
      ).body,
      'validation_failed',
      'failSafe.acceptRiskDays',
    );
    expectError(
      (
        await http
          .put('/v1/escalation-policies/high')
          .send({ ...policy, severity: 'low' })
          .expect(400)
      ).body,
      'validation_failed',
      'severity',
    );
    expectError(
      (await http.put('/v1/escalation-policies/urgent').send(policy).expect(404)).body,
      'escalation_policy_not_found',
    );

    const reset = await http.delete('/v1/escalation-policies/high').expect(200);
    expect(reset.body).toEqual({
      ...DEFAULT_ESCALATION_POLICIES.high,
      isDefault: true,
      updatedAt: null,
      updatedBy: null,
    });
  });

  it("lists an identity's restrictions", async () => {
    expect((await http.get('/v1/identities/agent-support/restrictions').expect(200)).body).toEqual({
      identityId: 'agent-support',
      items: [],
    });
    const store = new RestrictionStore(db.dataSource);
    const createdAt = new Date('2026-11-24T12:00:00.000Z');
    await writeTransaction(db.dataSource, (manager) =>
      store.add(manager, {
        identityId: 'agent-support',
        kind: 'tool',
        value: 'payments.refund',
        caseId: 'case-9',
        idempotencyKey: 'case-9:block-tool',
        createdAt,
      }),
    );
    expect((await http.get('/v1/identities/agent-support/restrictions').expect(200)).body).toEqual({
      identityId: 'agent-support',
      items: [
        {
          kind: 'tool',
          value: 'payments.refund',
          caseId: 'case-9',
          idempotencyKey: 'case-9:block-tool',
          createdAt: createdAt.toISOString(),
        },
      ],
    });
    expectError(
      (await http.get('/v1/identities/ghost/restrictions').expect(404)).body,
      'identity_not_found',
    );
  });

  it('documents the endpoints in OpenAPI', async () => {
    const doc = await http.get('/openapi.json').expect(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/playbooks',
        '/v1/playbooks/{id}',
        '/v1/playbooks/{id}/preview',
        '/v1/escalation-policies',
        '/v1/escalation-policies/{severity}',
        '/v1/identities/{id}/restrictions',
      ]),
    );
  });
});
