import type {
  ExceptionReport,
  Identity,
  RemediationAction,
  RemediationStepRequest,
} from '@vigil/contracts';
import { DEFAULT_ESCALATION_POLICIES } from '@vigil/domain';
import {
  EMPTY_POLICY,
  EscalationPolicyStore,
  IdentityStore,
  PlaybookStore,
  RemediationLedger,
  RestrictionStore,
} from '@vigil/persistence';
import { createPlanActivities } from '../../activities/case-plan';
import type { RemediationConnector } from '../../activities/connectors';
import { InternalRemediationConnector } from '../../activities/internal-connector';
import { createRemediationActivities } from '../../activities/remediation';
import { createTestDatabase, testingPostgres, type TestDatabase } from '../support/database';
import { secondDataSource } from './persistence/fixtures';

const database = testingPostgres ? 'PostgreSQL' : 'SQLite';
const now = new Date('2026-11-24T12:00:00.000Z');

function identity(id: string, overrides: Partial<Identity> = {}): Identity {
  return {
    id,
    kind: 'ai_agent',
    owner: 'alice@example.com',
    team: 'support',
    vendor: null,
    criticality: 'medium',
    environment: 'prod',
    policy: EMPTY_POLICY,
    status: 'active',
    ...overrides,
  };
}

function step(
  caseId: string,
  name: string,
  action: RemediationAction,
  identityId: string,
  params: Record<string, string> = {},
): RemediationStepRequest {
  return {
    caseId,
    playbookId: 'test',
    playbookVersion: 1,
    step: name,
    idempotencyKey: `${caseId}:${name}`,
    action,
    connector: 'internal',
    identityId,
    params,
  };
}

const rejected = { type: 'RemediationRejected', nonRetryable: true };

describe(`internal remediation connector on ${database}`, () => {
  let db: TestDatabase;
  let connector: InternalRemediationConnector;
  let identities: IdentityStore;
  let restrictions: RestrictionStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    connector = new InternalRemediationConnector({ dataSource: db.dataSource, now: () => now });
    identities = new IdentityStore(db.dataSource);
    restrictions = new RestrictionStore(db.dataSource);
    for (const id of ['agent-1', 'agent-2', 'agent-3', 'agent-4', 'svc-retired']) {
      await identities.upsert(identity(id, id === 'svc-retired' ? { status: 'retired' } : {}), {
        actor: 'test',
      });
    }
  });

  afterAll(() => db.drop());

  const statusOf = async (id: string) => (await identities.get(id))!.status;

  it('suspends once, verifies, and restores the previous status once', async () => {
    const request = step('case-s1', 'suspend', 'suspend_identity', 'agent-1');
    const first = await connector.execute(request);
    expect(first).toEqual({
      status: 'applied',
      detail: {
        identityId: 'agent-1',
        previousStatus: 'active',
        status: 'suspended',
        changed: true,
      },
    });
    expect(await connector.execute(request)).toEqual({ ...first, status: 'already_applied' });
    const stored = await identities.get('agent-1');
    expect(stored).toMatchObject({ status: 'suspended', updatedBy: 'vigil:remediation:case-s1' });
    expect(await connector.verify(request)).toEqual({
      verified: true,
      detail: { identityId: 'agent-1', status: 'suspended' },
    });

    expect(await connector.compensate(request)).toEqual({
      status: 'applied',
      detail: { restored: true, status: 'active' },
    });
    expect(await connector.compensate(request)).toEqual({
      status: 'already_applied',
      detail: { restored: true, status: 'active' },
    });
    expect(await statusOf('agent-1')).toBe('active');
    expect(await connector.verify(request)).toEqual({
      verified: false,
      detail: { reason: 'the step was compensated' },
    });
    await expect(connector.execute(request)).rejects.toMatchObject(rejected);
  });

  it('keeps an identity suspended while another case still suspends it', async () => {
    const a = step('case-s2', 'suspend', 'suspend_identity', 'agent-2');
    const b = step('case-s3', 'suspend', 'suspend_identity', 'agent-2');
    await connector.execute(a);
    expect((await connector.execute(b)).detail).toMatchObject({ changed: false });

    const undoA = await connector.compensate(a);
    expect(undoA.detail).toMatchObject({ restored: false, heldBy: ['case-s3:suspend'] });
    expect(await statusOf('agent-2')).toBe('suspended');

    expect(await connector.compensate(b)).toEqual({
      status: 'applied',
      detail: { restored: true, status: 'active' },
    });
    expect(await statusOf('agent-2')).toBe('active');
  });

  it('leaves a retired identity retired, and counts it as contained', async () => {
    const request = step('case-s4', 'suspend', 'suspend_identity', 'svc-retired');
    expect((await connector.execute(request)).detail).toMatchObject({
      changed: false,
      status: 'retired',
    });
    expect((await connector.verify(request)).verified).toBe(true);
    expect((await connector.compensate(request)).detail).toMatchObject({ restored: false });
    expect(await statusOf('svc-retired')).toBe('retired');
  });

  it('restricts scopes and tools per step, and lifts only its own restriction', async () => {
    const revoke = step('case-r1', 'restrict-scope', 'revoke_scope', 'agent-3', {
      scope: 'vault:admin',
    });
    const blockA = step('case-r1', 'block-tool', 'block_tool', 'agent-3', { tool: 'shell.exec' });
    const blockB = step('case-r2', 'block-tool', 'block_tool', 'agent-3', { tool: 'shell.exec' });

    expect(await connector.execute(revoke)).toEqual({
      status: 'applied',
      detail: { identityId: 'agent-3', kind: 'scope', value: 'vault:admin' },
    });
    expect((await connector.execute(revoke)).status).toBe('already_applied');
    await connector.execute(blockA);
    await connector.execute(blockB);
    expect(await restrictions.restricted('agent-3')).toEqual({
      scopes: ['vault:admin'],
      tools: ['shell.exec'],
    });
    expect(await connector.verify(revoke)).toEqual({
      verified: true,
      detail: { identityId: 'agent-3', kind: 'scope', value: 'vault:admin', restricted: true },
    });

    expect(await connector.compensate(blockA)).toEqual({
      status: 'applied',
      detail: { removed: true, kind: 'tool', value: 'shell.exec', stillRestricted: true },
    });
    expect((await connector.compensate(blockA)).status).toBe('already_applied');
    expect(await connector.compensate(blockB)).toMatchObject({
      detail: { removed: true, stillRestricted: false },
    });
    expect((await connector.verify(blockB)).verified).toBe(false);
    expect(await restrictions.restricted('agent-3')).toEqual({
      scopes: ['vault:admin'],
      tools: [],
    });
    const [row] = await restrictions.list('agent-3');
    expect(row).toEqual({
      identityId: 'agent-3',
      kind: 'scope',
      value: 'vault:admin',
      caseId: 'case-r1',
      idempotencyKey: 'case-r1:restrict-scope',
      createdAt: now,
    });
  });

  it('refuses a step compensated before it ran, when it arrives late', async () => {
    const request = step('case-late', 'block-tool', 'block_tool', 'agent-4', { tool: 'x' });
    expect(await connector.compensate(request)).toEqual({
      status: 'applied',
      detail: { undone: false, reason: 'the step was never applied' },
    });
    await expect(connector.execute(request)).rejects.toMatchObject(rejected);
    expect(await restrictions.list('agent-4')).toEqual([]);
    expect((await connector.verify(request)).verified).toBe(false);
  });

  it.each<[string, RemediationStepRequest]>([
    ['an unknown identity', step('case-x', 'suspend', 'suspend_identity', 'ghost')],
    ['an action it cannot do', step('case-x', 'rotate', 'rotate_credential', 'agent-4')],
    ['a missing parameter', step('case-x', 'revoke', 'revoke_scope', 'agent-4')],
    [
      'a step for another connector',
      { ...step('case-x', 'suspend', 'suspend_identity', 'agent-4'), connector: 'webhook' },
    ],
  ])('refuses %s, permanently and without effect', async (_name, request) => {
    await expect(connector.execute(request)).rejects.toMatchObject(rejected);
    expect(await new RemediationLedger(db.dataSource).get(request.idempotencyKey)).toBeNull();
  });

  it('refuses to verify a step of an unknown identity', async () => {
    await expect(
      connector.verify(step('case-x', 'suspend', 'suspend_identity', 'ghost')),
    ).rejects.toMatchObject(rejected);
  });

  it('refuses a key reused for a different step', async () => {
    const original = step('case-k', 'block', 'block_tool', 'agent-4', { tool: 'a' });
    await connector.execute(original);
    await expect(
      connector.execute({ ...original, action: 'revoke_scope', params: { scope: 'a' } }),
    ).rejects.toMatchObject(rejected);
  });

  it('applies a step once when its attempts race', async () => {
    const other = await secondDataSource(db);
    try {
      const racer = new InternalRemediationConnector({ dataSource: other, now: () => now });
      const request = step('case-race', 'block-tool', 'block_tool', 'agent-4', { tool: 'race' });
      const results = await Promise.all(
        [connector, racer, connector, racer].map((c) => c.execute(request)),
      );
      expect(results.filter((r) => r.status === 'applied')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'already_applied')).toHaveLength(3);
      const undo = await Promise.all([connector, racer].map((c) => c.compensate(request)));
      expect(undo.map((r) => r.status).sort()).toEqual(['already_applied', 'applied']);
      expect(await restrictions.isRestricted('agent-4', 'tool', 'race')).toBe(false);
    } finally {
      await other.destroy();
    }
  });
});

describe(`remediation and plan activities on ${database}`, () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
    await new IdentityStore(db.dataSource).upsert(identity('agent-9'), { actor: 'test' });
  });

  afterAll(() => db.drop());

  it('hands each step to the connector it names, and fails permanently without one', async () => {
    const internal = new InternalRemediationConnector({ dataSource: db.dataSource });
    const activities = createRemediationActivities({ connectors: [internal] });
    const request = step('case-d', 'block', 'block_tool', 'agent-9', { tool: 't' });
    expect((await activities.executeRemediationStep(request)).status).toBe('applied');
    expect((await activities.verifyRemediationStep(request)).verified).toBe(true);
    expect((await activities.compensateRemediationStep(request)).status).toBe('applied');

    await expect(
      activities.executeRemediationStep({ ...request, connector: 'webhook' }),
    ).rejects.toMatchObject({ type: 'ConnectorNotConfigured', nonRetryable: true });
    expect(() => createRemediationActivities({ connectors: [internal, internal] })).toThrow(
      'two remediation connectors for internal',
    );
  });

  it('routes steps to a stand-in webhook connector', async () => {
    const calls: string[] = [];
    const webhook: RemediationConnector = {
      kind: 'webhook',
      execute: async (r) => (calls.push(`execute ${r.step}`), { status: 'applied', detail: {} }),
      verify: async (r) => (calls.push(`verify ${r.step}`), { verified: true, detail: {} }),
      compensate: async (r) => (
        calls.push(`compensate ${r.step}`),
        { status: 'applied', detail: {} }
      ),
    };
    const activities = createRemediationActivities({ connectors: [webhook] });
    const request = {
      ...step('case-w', 'rotate', 'rotate_credential', 'agent-9'),
      connector: 'webhook' as const,
    };
    await activities.executeRemediationStep(request);
    await activities.verifyRemediationStep(request);
    await activities.compensateRemediationStep(request);
    expect(calls).toEqual(['execute rotate', 'verify rotate', 'compensate rotate']);
  });

  it('plans a case with the active playbook, the containment and the escalation policy', async () => {
    const { planCase, loadPlaybook } = createPlanActivities({ dataSource: db.dataSource });
    const report = (kind: ExceptionReport['kind']): ExceptionReport => ({
      reportId: 'r-1',
      identityId: 'agent-9',
      kind,
      severity: 'high',
      fingerprint: 'agent-9.x',
      evidence: {},
      reportedAt: now.toISOString(),
    });

    const plan = await planCase({
      caseId: 'c-1',
      report: report('novel_tool'),
      severity: 'high',
      identityKind: 'ai_agent',
    });
    expect(plan.playbook?.id).toBe('block-agent-tool');
    expect(plan.containment?.id).toBe('suspend-identity');
    expect(plan.escalation).toEqual(DEFAULT_ESCALATION_POLICIES.high);

    const none = await planCase({
      caseId: 'c-2',
      report: report('rate_spike'),
      severity: 'low',
      identityKind: null,
    });
    expect(none.playbook).toBeNull();
    expect(none.escalation).toEqual(DEFAULT_ESCALATION_POLICIES.low);

    const violation = (what: string) => ({
      caseId: 'c-3',
      report: {
        ...report('policy_violation'),
        evidence: { value: 'x', details: { violation: what } },
      },
      severity: 'high' as const,
      identityKind: 'ai_agent' as const,
    });
    expect((await planCase(violation('tool'))).playbook?.id).toBe('block-agent-tool');
    expect((await planCase(violation('scope'))).playbook?.id).toBe('revoke-scope');
    expect((await planCase(violation('decision'))).playbook).toBeNull();

    const playbooks = new PlaybookStore(db.dataSource);
    const builtIn = (await playbooks.get('block-agent-tool'))!.playbook;
    const edited = { ...builtIn, version: 2, title: 'Block the tool (edited)' };
    await playbooks.save(edited, 'alice');
    const stricter = {
      ...DEFAULT_ESCALATION_POLICIES.high,
      failSafe: { decision: 'reject' as const, acceptRiskDays: null },
    };
    await new EscalationPolicyStore(db.dataSource).set(stricter, 'alice');

    const replanned = await planCase({
      caseId: 'c-1',
      report: report('novel_tool'),
      severity: 'high',
      identityKind: 'ai_agent',
    });
    expect(replanned.playbook).toEqual(edited);
    expect(replanned.escalation).toEqual(stricter);

    expect(await loadPlaybook({ id: 'block-agent-tool', version: null })).toEqual(edited);
    expect(await loadPlaybook({ id: 'block-agent-tool', version: 1 })).toEqual(builtIn);
    expect(await loadPlaybook({ id: 'block-agent-tool', version: 9 })).toBeNull();
    expect(await loadPlaybook({ id: 'nope', version: null })).toBeNull();
  });
});
