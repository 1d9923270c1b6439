import type { INestApplication } from '@nestjs/common';
import { PolicyStore } from '@vigil/persistence';
import { readPolicyFolder, findExamplePolicies } from '../../apps/api/src/guardrail/policy-files';
import { ToolUseFeed } from '../../apps/api/src/guardrail/tool-use-feed';
import { testingPostgres } from '../support/database';
import { eventually } from '../support/eventually';
import { startApi, startSystem, testConfig, type RunningSystem } from '../support/system';
import { apiClient, clientFor, type Http } from '../support/http';

const database = testingPostgres ? 'PostgreSQL' : 'SQLite';
const examples = readPolicyFolder(findExamplePolicies()!);

const supportBot = {
  kind: 'ai_agent',
  owner: 'alice@example.com',
  team: 'support',
  criticality: 'high',
  environment: 'prod',
  policy: { allowedTools: ['payments.refund', 'orders.*'] },
  status: 'active',
};

/** The guardrail end to end: the API, the worker and a dev server, as `npm start` runs them. */
describe(`guardrail (POST /v1/authorize) on ${database}`, () => {
  let system: RunningSystem;
  let http: Http;

  beforeAll(async () => {
    system = await startSystem(`guardrail-${Date.now()}`);
    http = apiClient(system.api);
    await http.put('/v1/identities/agent-support-bot').send(supportBot).expect(201);
  });

  afterAll(() => system?.stop());

  const authorize = (body: Record<string, unknown>) =>
    http.post('/v1/authorize').send({ agentId: 'agent-support-bot', ...body });

  it('loads the example policies as v1 on first start', async () => {
    const res = await http.get('/v1/policies').expect(200);
    expect(res.body).toMatchObject({
      activeVersion: 1,
      activatedBy: 'vigil:examples',
      items: [{ version: 1, policyVersion: 'v1', active: true }],
    });
    const active = await http.get('/v1/policies/active').expect(200);
    expect(active.body.policyIds).toEqual(
      expect.arrayContaining(['platform-declared-tools', 'agent-refund-limit']),
    );
    expect(active.body.schema).toBe(examples.schema);
  });

  it('denies a refund the platform permits but internal policy forbids, and opens a case', async () => {
    const res = await authorize({
      tool: 'payments.refund',
      action: 'invoke',
      resource: 'order:123',
      context: { amount: 900, currency: 'EUR', environment: 'prod', ticket: 'T-1' },
    }).expect(200);
    expect(res.body).toMatchObject({
      decision: 'deny',
      policyVersion: 'v1',
      policies: ['agent-refund-limit'],
      evaluated: true,
    });
    expect(res.body.reasons[0]).toMatch(/^agent-refund-limit: AI agents may not refund/);

    const found = await eventually(async () => {
      const list = await http
        .get('/v1/cases?identityId=agent-support-bot&kind=policy_violation')
        .expect(200);
      expect(list.body.items).toHaveLength(1);
      return list.body.items[0] as { id: string; workflowId: string };
    });
    if (res.body.caseId !== null) expect(res.body.caseId).toBe(found.id);
    expect(found.workflowId).toBe('case-agent-support-bot.policy_violation.payments.refund');
    const detail = await eventually(async () => {
      const one = await http.get(`/v1/cases/${found.id}`).expect(200);
      expect(one.body.evidence.request).toBeDefined();
      return one.body;
    });
    expect(detail.evidence).toMatchObject({
      request: {
        agentId: 'agent-support-bot',
        tool: 'payments.refund',
        resource: 'order:123',
        context: { amount: 900, ticket: 'T-1' },
      },
      decision: { policies: ['agent-refund-limit'], policyVersion: 'v1' },
      details: { violation: 'decision', value: 'payments.refund' },
    });
  });

  it('allows a small refund and feeds the call to the agent baseline', async () => {
    const res = await authorize({
      tool: 'payments.refund',
      resource: 'order:124',
      context: { amount: '20.50', environment: 'prod' },
    }).expect(200);
    expect(res.body).toEqual({
      decision: 'allow',
      reasons: ["platform-declared-tools: the agent's declaration allows the tool"],
      policyVersion: 'v1',
      caseId: null,
      policies: ['platform-declared-tools'],
      evaluated: true,
    });
    await eventually(async () => {
      const baseline = await http.get('/v1/identities/agent-support-bot/baseline').expect(200);
      const tools = baseline.body.dimensions.tool.top.map((v: { value: string }) => v.value);
      expect(tools).toContain('payments.refund');
    });
    // The API's ingest thread took it, not the thread that answers authorizations.
    expect(system.api.get(ToolUseFeed).ingested).toEqual({ inThread: 1, here: 0 });
  });

  it('denies a tool outside the declaration, and a call from outside production', async () => {
    const undeclared = await authorize({ tool: 'crm.export' }).expect(200);
    expect(undeclared.body).toMatchObject({ decision: 'deny', policies: [] });
    expect(undeclared.body.reasons[0]).toMatch(/no policy permits agent-support-bot/);

    const staging = await authorize({
      tool: 'payments.refund',
      context: { amount: 5, environment: 'staging' },
    }).expect(200);
    expect(staging.body).toMatchObject({
      decision: 'deny',
      policies: ['payments-from-production-only'],
    });
  });

  it('refuses a context value of the wrong type with the field, not a decision', async () => {
    const res = await authorize({ tool: 'payments.refund', context: { amount: 'lots' } }).expect(
      400,
    );
    expect(res.body).toMatchObject({ code: 'validation_failed', field: 'context.amount' });
    const reserved = await authorize({ tool: 'orders.read', context: { toolBlocked: false } });
    expect(reserved.status).toBe(400);
    expect(reserved.body.field).toBe('context.toolBlocked');
    await http.post('/v1/authorize').send({ tool: 'orders.read' }).expect(400);
  });

  it('denies an unknown agent', async () => {
    const res = await http
      .post('/v1/authorize')
      .send({ agentId: 'agent-nobody', tool: 'orders.read' })
      .expect(200);
    expect(res.body).toMatchObject({ decision: 'deny', policies: ['vigil:unknown-identity'] });
  });

  it('denies a suspended agent at once, whatever the policies say', async () => {
    await http
      .put('/v1/identities/agent-suspended')
      .send({ ...supportBot, status: 'active' })
      .expect(201);
    expect(
      (await http.post('/v1/authorize').send({ agentId: 'agent-suspended', tool: 'orders.read' }))
        .body.decision,
    ).toBe('allow');
    await http
      .put('/v1/identities/agent-suspended')
      .send({ ...supportBot, status: 'suspended' })
      .expect(200);
    const res = await http
      .post('/v1/authorize')
      .send({ agentId: 'agent-suspended', tool: 'orders.read' })
      .expect(200);
    expect(res.body).toMatchObject({
      decision: 'deny',
      reasons: ['agent-suspended is suspended'],
      policies: ['vigil:inactive-identity'],
      evaluated: true,
    });
  });

  it('refuses to publish a policy set that does not validate, and keeps the active one', async () => {
    const res = await http
      .post('/v1/policies')
      .send({
        schema: examples.schema,
        policies: `${examples.policies}\n@id("bad-amount")\nforbid (principal, action, resource) when { context.amount > 100 };\n`,
      })
      .expect(422);
    expect(res.body).toMatchObject({ code: 'policy_invalid', field: 'policies' });
    expect(res.body.diagnostics).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          part: 'policies',
          policyId: 'bad-amount',
          message: expect.stringContaining('optional attribute `amount`'),
          line: expect.any(Number),
        }),
      ]),
    );

    const schemaError = await http
      .post('/v1/policies')
      .send({ schema: examples.schema.replace('toolBlocked: Bool,', ''), policies: '' })
      .expect(422);
    expect(schemaError.body.field).toBe('schema');

    const list = await http.get('/v1/policies').expect(200);
    expect(list.body.activeVersion).toBe(1);
    expect(list.body.items).toHaveLength(1);
  });

  it('publishes, dry-runs and rolls back versions atomically', async () => {
    const stricter = examples.policies.replace('decimal("500.0")', 'decimal("10.0")');
    const candidate = await http
      .post('/v1/policies/evaluate')
      .send({
        schema: examples.schema,
        policies: stricter,
        request: {
          agentId: 'agent-support-bot',
          tool: 'payments.refund',
          context: { amount: 20, extra: 1 },
        },
      })
      .expect(200);
    expect(candidate.body).toMatchObject({
      decision: 'deny',
      policyVersion: 'candidate',
      policies: ['agent-refund-limit'],
      ignoredContext: ['context.extra'],
    });

    const alice = await clientFor(system.api, 'alice', 'admin');
    const published = await alice
      .post('/v1/policies')
      .send({ schema: examples.schema, policies: stricter, comment: 'refund limit 10' })
      .expect(201);
    expect(published.body).toMatchObject({ version: 2, active: true, createdBy: 'alice' });
    const now = await authorize({ tool: 'payments.refund', context: { amount: 20 } }).expect(200);
    expect(now.body).toMatchObject({ decision: 'deny', policyVersion: 'v2' });

    await alice.post('/v1/policies/1/activate').send({}).expect(200);
    const back = await authorize({ tool: 'payments.refund', context: { amount: 20 } }).expect(200);
    expect(back.body).toMatchObject({ decision: 'allow', policyVersion: 'v1' });
    await http.post('/v1/policies/9/activate').send({}).expect(404);
    await http.get('/v1/policies/0').expect(400);
  });

  it('documents the endpoints in the OpenAPI document', async () => {
    const res = await http.get('/openapi.json').expect(200);
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/authorize',
        '/v1/policies',
        '/v1/policies/evaluate',
        '/v1/policies/{version}/activate',
      ]),
    );
  });
});

/** The policy store cannot be read: the guardrail still answers, and the fail mode decides. */
describe(`guardrail with its policy store unavailable on ${database}`, () => {
  let api: INestApplication;
  let db: RunningSystem['db'];

  const unavailable = () => Promise.reject(new Error('connection refused'));
  const brokenStore = {
    activation: unavailable,
    active: unavailable,
    get: unavailable,
    list: unavailable,
    publish: unavailable,
    activate: unavailable,
    seed: unavailable,
  };

  beforeAll(async () => {
    const { createTestDatabase } = await import('../support/database');
    db = await createTestDatabase();
    api = await startApi(
      testConfig({ address: '127.0.0.1:9', taskQueue: 'nowhere', database: db.settings }),
      (builder) => builder.overrideProvider(PolicyStore).useValue(brokenStore),
    );
    await apiClient(api).put('/v1/identities/agent-support-bot').send(supportBot).expect(201);
  });

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('denies with the reason (fail-closed), never a 5xx', async () => {
    const res = await apiClient(api)
      .post('/v1/authorize')
      .send({ agentId: 'agent-support-bot', tool: 'orders.read' })
      .expect(200);
    expect(res.body).toEqual({
      decision: 'deny',
      reasons: [
        expect.stringMatching(/^fail-closed: no policy set could be loaded: .*connection refused/),
      ],
      policyVersion: 'none',
      caseId: null,
      policies: ['vigil:fail-mode'],
      evaluated: false,
    });
  });
});
