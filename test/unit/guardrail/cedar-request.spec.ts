import {
  CEDAR_TYPES,
  agentEntity,
  buildCedarRequest,
  coerceContext,
  resourceTypeOf,
  toolAllowedByDeclaration,
  toolClassOf,
  type AgentFacts,
  type ContextShape,
} from '@vigil/domain';
import { anIdentity } from '../../support/cases';

const agent = anIdentity('agent-support-bot', {
  kind: 'ai_agent',
  owner: 'alice@example.com',
  team: 'support',
  vendor: null,
  criticality: 'high',
  environment: 'prod',
  policy: {
    rotationPeriodDays: null,
    rotationToleranceDays: null,
    allowedScopes: [],
    allowedTools: ['payments.refund', 'orders.*'],
    resourceSensitivity: [],
  },
});
const facts: AgentFacts = { identity: agent, blockedTools: new Map() };

describe('guardrail entities', () => {
  it('describes the identity as an Agent with its inventory attributes', () => {
    expect(agentEntity(agent)).toEqual({
      uid: { type: CEDAR_TYPES.agent, id: 'agent-support-bot' },
      attrs: {
        kind: 'ai_agent',
        status: 'active',
        criticality: 'high',
        criticalityRank: 3,
        allowedTools: ['payments.refund', 'orders.*'],
        owner: 'alice@example.com',
        team: 'support',
        environment: 'prod',
      },
      parents: [],
    });
  });

  it('leaves unknown values out rather than sending nulls Cedar cannot hold', () => {
    const bare = agentEntity({ ...agent, owner: null, team: null, environment: null });
    expect(Object.keys(bare.attrs).sort()).toEqual(
      ['allowedTools', 'criticality', 'criticalityRank', 'kind', 'status'].sort(),
    );
  });

  it('puts a tool in the class of its first segment, and types resources by prefix', () => {
    expect(toolClassOf('payments.refund')).toBe('payments');
    expect(toolClassOf('shell')).toBe('shell');
    expect(toolClassOf('.hidden')).toBe('.hidden');
    expect(resourceTypeOf('order:123')).toBe('order');
    expect(resourceTypeOf('plain')).toBe('');
  });

  it('matches the declared tools as globs; no declaration allows every tool', () => {
    expect(toolAllowedByDeclaration(agent, 'payments.refund')).toBe(true);
    expect(toolAllowedByDeclaration(agent, 'orders.cancel')).toBe(true);
    expect(toolAllowedByDeclaration(agent, 'payments.payout')).toBe(false);
    const undeclared = { ...agent, policy: { ...agent.policy, allowedTools: [] } };
    expect(toolAllowedByDeclaration(undeclared, 'anything')).toBe(true);
  });

  it('builds the request: Agent principal, Tool resource in its class, Vigil facts in context', () => {
    const blocked: AgentFacts = { ...facts, blockedTools: new Map([['orders.cancel', 'case-1']]) };
    const request = buildCedarRequest(
      { tool: 'orders.cancel', action: 'invoke', resource: 'order:9' },
      blocked,
      { amount: { __extn: { fn: 'decimal', arg: '12.0' } } },
    );
    expect(request.principal).toEqual({ type: CEDAR_TYPES.agent, id: 'agent-support-bot' });
    expect(request.action).toEqual({ type: CEDAR_TYPES.action, id: 'invoke' });
    expect(request.resource).toEqual({ type: CEDAR_TYPES.tool, id: 'orders.cancel' });
    expect(request.context).toEqual({
      amount: { __extn: { fn: 'decimal', arg: '12.0' } },
      toolAllowed: true,
      toolBlocked: true,
      target: { __entity: { type: CEDAR_TYPES.resource, id: 'order:9' } },
    });
    expect(request.entities.map((e) => e.uid)).toEqual([
      { type: CEDAR_TYPES.agent, id: 'agent-support-bot' },
      { type: CEDAR_TYPES.tool, id: 'orders.cancel' },
      { type: CEDAR_TYPES.resource, id: 'order:9' },
    ]);
    expect(request.entities[1]!.parents).toEqual([{ type: CEDAR_TYPES.toolClass, id: 'orders' }]);
  });

  it('sends no target when the call names no resource', () => {
    const request = buildCedarRequest(
      { tool: 'orders.read', action: 'invoke', resource: null },
      facts,
      {},
    );
    expect(request.context).toEqual({ toolAllowed: true, toolBlocked: false });
    expect(request.entities).toHaveLength(2);
  });
});

describe('guardrail context', () => {
  const shape: ContextShape = new Map([
    ['toolAllowed', { type: { kind: 'boolean' }, required: true }],
    ['amount', { type: { kind: 'extension', name: 'decimal' }, required: false }],
    ['count', { type: { kind: 'long' }, required: false }],
    ['environment', { type: { kind: 'string' }, required: false }],
    ['labels', { type: { kind: 'set', element: { kind: 'string' } }, required: false }],
    [
      'approval',
      {
        type: {
          kind: 'record',
          attributes: new Map([['by', { type: { kind: 'string' }, required: true }]]),
        },
        required: false,
      },
    ],
  ]);

  it('converts declared values and leaves undeclared keys out', () => {
    const result = coerceContext(
      {
        amount: 900,
        count: 3,
        environment: 'prod',
        labels: ['a'],
        approval: { by: 'bob', note: 'x' },
        ticket: 'T-1',
        nothing: null,
      },
      shape,
    );
    expect(result).toEqual({
      ok: true,
      context: {
        amount: { __extn: { fn: 'decimal', arg: '900.0' } },
        count: 3,
        environment: 'prod',
        labels: ['a'],
        approval: { by: 'bob' },
      },
      ignored: ['context.approval.note', 'context.ticket', 'context.nothing'],
    });
  });

  it.each([
    [{ amount: 12.5 }, '12.5'],
    [{ amount: '12.5' }, '12.5'],
    [{ amount: '-3' }, '-3.0'],
    [{ amount: 0.0001 }, '0.0001'],
  ])('takes %j as a decimal', (raw, arg) => {
    const result = coerceContext(raw, shape);
    expect(result.ok && result.context.amount).toEqual({ __extn: { fn: 'decimal', arg } });
  });

  it.each([
    [{ amount: 'lots' }, 'context.amount'],
    [{ amount: 1.23456 }, 'context.amount'],
    [{ amount: 1e21 }, 'context.amount'],
    [{ count: 1.5 }, 'context.count'],
    [{ environment: 3 }, 'context.environment'],
    [{ labels: ['a', 2] }, 'context.labels[1]'],
    [{ approval: {} }, 'context.approval.by'],
    [{ toolAllowed: true }, 'context.toolAllowed'],
    [{ target: 'x' }, 'context.target'],
  ])('refuses %j, naming %s', (raw, field) => {
    const result = coerceContext(raw, shape);
    expect(result).toMatchObject({ ok: false, field });
  });
});
