import { ApiMetrics } from '../../../apps/api/src/metrics/api-metrics';
import type { AuthorizeRequest, Identity } from '@vigil/contracts';
import type { VigilConfig } from '@vigil/config';
import type { AgentFacts } from '@vigil/domain';
import type { IdentityStore, RestrictionStore } from '@vigil/persistence';
import { AgentDirectory } from '../../../apps/api/src/guardrail/agent-directory';
import {
  compilePolicySet,
  noteComparisons,
  noteReads,
  type CompiledPolicySet,
} from '../../../apps/api/src/guardrail/cedar';
import { DecisionCache } from '../../../apps/api/src/guardrail/decision-cache';
import type { DenialCases } from '../../../apps/api/src/guardrail/denial-cases';
import {
  GuardrailService,
  decide,
  type Verdict,
} from '../../../apps/api/src/guardrail/guardrail.service';
import type { PolicyEngine } from '../../../apps/api/src/guardrail/policy-engine';
import {
  findExamplePolicies,
  readPolicyFolder,
} from '../../../apps/api/src/guardrail/policy-files';
import type { ToolUseFeed } from '../../../apps/api/src/guardrail/tool-use-feed';
import { anIdentity } from '../../support/cases';

const examples = readPolicyFolder(findExamplePolicies()!);

/** Policies that read what the examples do not: the target, optional and set attributes. */
const extended = {
  schema: examples.schema,
  policies:
    examples.policies +
    `
@id("kb-needs-owner")
@reason("knowledge tools need an owned agent")
forbid (principal, action, resource in Vigil::ToolClass::"kb")
when { !(principal has owner) };

@id("orders-on-orders")
@reason("order tools act on orders")
forbid (principal, action, resource in Vigil::ToolClass::"orders")
when { context has target && context.target.type != "order" };

@id("critical-needs-approval")
@reason("critical agents need an approver")
forbid (principal, action, resource)
when { principal.criticalityRank >= 4 && !(context has approvedBy) };

@id("kb-by-name")
@reason("declared knowledge tools")
permit (principal, action, resource)
when { resource.name like "kb.*" && principal.allowedTools.contains("kb.*") };
`,
};

function compiled(
  source: { schema: string; policies: string },
  engineId: string | null,
): CompiledPolicySet {
  const result = compilePolicySet(source, engineId);
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
  return result.set;
}

function agent(id: string, overrides: Partial<Identity> = {}): Identity {
  return anIdentity(id, {
    kind: 'ai_agent',
    criticality: 'high',
    policy: {
      rotationPeriodDays: null,
      rotationToleranceDays: null,
      allowedScopes: [],
      allowedTools: ['payments.refund', 'orders.*', 'kb.*'],
      resourceSensitivity: [],
    },
    ...overrides,
  });
}

function ask(overrides: Partial<AuthorizeRequest> = {}): AuthorizeRequest {
  return {
    agentId: 'agent-1',
    tool: 'payments.refund',
    action: 'invoke',
    resource: 'order:1',
    context: {},
    ...overrides,
  };
}

/** Every combination of a few agents, tools, resources and contexts. */
function sweep(): Array<{ request: AuthorizeRequest; facts: AgentFacts }> {
  const identities = [
    agent('agent-1'),
    agent('agent-2', { owner: null, environment: null, criticality: 'critical' }),
    agent('agent-3', { environment: 'staging', team: null }),
    agent('svc-1', { kind: 'service_account', criticality: 'low' }),
    agent('agent-4', {
      policy: { ...agent('x').policy, allowedTools: [] },
      criticality: 'medium',
    }),
  ];
  const blocked = new Map([['orders.update', 'case-1']]);
  const tools = ['payments.refund', 'orders.read', 'orders.update', 'kb.search', 'shell.run'];
  const resources = [null, 'order:1', 'order:2', 'kb:faq', 'plain'];
  const contexts: Array<Record<string, unknown>> = [
    {},
    { amount: 25.5, currency: 'EUR', environment: 'prod' },
    { amount: 900, environment: 'prod' },
    { amount: '500.0001' },
    { amount: 500, environment: 'prod' },
    { amount: '500.0000' },
    { amount: '499.9999' },
    { amount: -3 },
    { amount: '922337203685477.5807' },
    { amount: '922337203685477.5808' },
    { amount: '999999999999999.9999' },
    { environment: 'staging' },
    { approvedBy: 'alice', ticket: 'T-1' },
  ];
  const out: Array<{ request: AuthorizeRequest; facts: AgentFacts }> = [];
  for (const identity of identities) {
    for (const tool of tools) {
      for (const resource of resources) {
        for (const context of contexts) {
          const facts = { identity, blockedTools: identity.id === 'agent-3' ? blocked : new Map() };
          out.push({ request: ask({ agentId: identity.id, tool, resource, context }), facts });
        }
      }
    }
  }
  return out;
}

describe('what a policy set reads', () => {
  it('names the attributes the example policies read, and nothing of the context as a whole', () => {
    const set = compiled(examples, null);
    expect([...set.reads.attributes].sort()).toEqual(
      ['amount', 'environment', 'kind', 'status', 'toolAllowed', 'toolBlocked'].sort(),
    );
    expect(set.reads.wholeContext).toBe(false);
  });

  it('sees nested `has` paths, and the context used as a whole', () => {
    const reads = { attributes: new Set<string>(), wholeContext: false };
    noteReads({ has: { left: { Var: 'principal' }, attr: ['a', 'b'] } }, reads);
    expect(reads).toEqual({ attributes: new Set(['a', 'b']), wholeContext: false });
    noteReads({ '==': { left: { Var: 'context' }, right: { Record: {} } } }, reads);
    expect(reads.wholeContext).toBe(true);
  });
});

describe('values the policies only compare with literals', () => {
  it('are found with their literals, unless another expression reads them', () => {
    const set = compiled(examples, null);
    expect(set.reads.thresholds).toEqual(new Map([['amount', [5_000_000n]]]));
    const compared = new Map<string, Set<bigint>>();
    const exposed = new Set<string>();
    const count = { '.': { left: { Var: 'context' }, attr: 'count' } };
    const size = { '.': { left: { Var: 'context' }, attr: 'size' } };
    noteComparisons(
      {
        '&&': {
          left: { '>': { left: count, right: { Value: 3 } } },
          right: {
            '&&': {
              left: { lessThan: [{ decimal: [{ Value: '1.5' }] }, size] },
              right: { '==': { left: size, right: { '+': { left: count, right: { Value: 1 } } } } },
            },
          },
        },
      },
      compared,
      exposed,
    );
    expect(compared).toEqual(
      new Map([
        ['count', new Set([30_000n])],
        ['size', new Set([15_000n])],
      ]),
    );
    expect(exposed).toEqual(new Set(['size', 'count']));
  });

  it('share a remembered decision when they fall in the same place among the literals', () => {
    const set = compiled(examples, 'unit-cache-places');
    const cache = new DecisionCache<Verdict>();
    const facts: AgentFacts = { identity: agent('agent-1'), blockedTools: new Map() };
    const refund = (amount: unknown) =>
      decide(ask({ context: { amount, environment: 'prod' } }), facts, set, 'fail-closed', cache);
    expect(refund(25.5).decision).toBe('allow');
    expect(refund('499.9999').decision).toBe('allow');
    expect(refund(500).decision).toBe('allow');
    expect(refund('500.0').decision).toBe('allow');
    expect(refund('500.0001').decision).toBe('deny');
    expect(refund(4_000).decision).toBe('deny');
    expect([cache.hits, cache.misses]).toEqual([3, 3]);
  });
});

describe.each([
  ['the example set', examples],
  ['a set reading the target, optional and set attributes', extended],
])('remembered decisions for %s', (_name, source) => {
  const reference = compiled(source, null);
  const preparsed = compiled(source, `unit-cache-${source === examples ? 'ex' : 'ext'}`);

  it('equal what Cedar answers for the same request, first time and remembered', () => {
    const cache = new DecisionCache<Verdict>();
    const requests = sweep();
    let denied = 0;
    for (const pass of [1, 2]) {
      for (const { request, facts } of requests) {
        const expected = decide(request, facts, reference, 'fail-closed');
        const answered = decide(request, facts, preparsed, 'fail-closed', cache);
        expect({ request, facts: facts.identity.id, ...answered }).toEqual({
          request,
          facts: facts.identity.id,
          ...expected,
        });
        if (pass === 1 && answered.decision === 'deny') denied += 1;
      }
    }
    // The sweep covers both answers, and the second pass is answered from memory.
    expect(denied).toBeGreaterThan(0);
    expect(denied).toBeLessThan(requests.length);
    expect(cache.hits).toBeGreaterThanOrEqual(cache.misses);
  });
});

describe('decision cache', () => {
  const set = compiled(examples, 'unit-cache-v1');
  const facts: AgentFacts = { identity: agent('agent-1'), blockedTools: new Map() };

  it('answers a repeat from memory, without sharing the resource id the set never reads', () => {
    const cache = new DecisionCache<Verdict>();
    const first = decide(ask({ resource: 'order:1' }), facts, set, 'fail-closed', cache);
    const second = decide(ask({ resource: 'order:2' }), facts, set, 'fail-closed', cache);
    expect(second).toBe(first);
    expect([cache.hits, cache.misses]).toEqual([1, 1]);
  });

  it('forgets the decisions of a set when another becomes active', () => {
    const cache = new DecisionCache<Verdict>();
    decide(ask({ context: { amount: 900 } }), facts, set, 'fail-closed', cache);
    expect(cache.size).toBe(1);
    const stricter = compiled(
      {
        schema: examples.schema,
        policies: `${examples.policies}\n@id("no-refunds") forbid (principal, action, resource == Vigil::Tool::"payments.refund");`,
      },
      'unit-cache-v2',
    );
    const small = ask({ context: { amount: 10 } });
    expect(decide(small, facts, set, 'fail-closed', cache).decision).toBe('allow');
    expect(decide(small, facts, stricter, 'fail-closed', cache)).toMatchObject({
      decision: 'deny',
      policies: ['no-refunds'],
    });
    expect(cache.size).toBe(1);
  });

  it('answers a changed identity afresh', () => {
    const cache = new DecisionCache<Verdict>();
    expect(decide(ask(), facts, set, 'fail-closed', cache).decision).toBe('allow');
    const moved = { ...facts, identity: { ...facts.identity, environment: 'staging' } };
    expect(decide(ask(), moved, set, 'fail-closed', cache)).toMatchObject({
      decision: 'deny',
      policies: ['payments-from-production-only'],
    });
    const undeclared = {
      ...facts,
      identity: { ...facts.identity, policy: { ...facts.identity.policy, allowedTools: ['kb.*'] } },
    };
    expect(decide(ask(), undeclared, set, 'fail-closed', cache).decision).toBe('deny');
  });

  it('keeps at most its capacity, the least recently used going first', () => {
    const cache = new DecisionCache<number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1);
    cache.set('c', 3);
    expect(cache.get('b')).toBeUndefined();
    expect([cache.get('a'), cache.get('c'), cache.size]).toEqual([1, 3, 2]);
  });
});

describe('guardrail answers with remembered decisions', () => {
  const set = compiled(examples, 'unit-cache-service');
  const ttlMs = 2_000;
  let now = 1_000_000;
  let stored: Identity;
  let reads: number;
  let restrictions: Array<{ kind: string; value: string; caseId: string }>;
  let service: GuardrailService;
  let directory: AgentDirectory;

  beforeEach(() => {
    now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    stored = agent('agent-1');
    reads = 0;
    restrictions = [];
    const config = { authorize: { failMode: 'fail-closed', cacheTtlMs: ttlMs } } as VigilConfig;
    directory = new AgentDirectory(
      {
        get: async () => {
          reads += 1;
          return stored;
        },
        getMany: async (ids: string[]) => {
          reads += 1;
          return new Map(ids.map((id) => [id, stored]));
        },
      } as unknown as IdentityStore,
      {
        listMany: async (ids: string[]) => new Map(ids.map((id) => [id, restrictions])),
      } as unknown as RestrictionStore,
      config,
    );
    const engine = { active: () => ({ version: 1, compiled: set }) } as unknown as PolicyEngine;
    const denials = { caseFor: async () => 'case-1' } as unknown as DenialCases;
    const feed = { record: () => undefined } as unknown as ToolUseFeed;
    service = new GuardrailService(engine, directory, denials, feed, config, new ApiMetrics());
  });

  afterEach(() => {
    directory.onApplicationShutdown();
    jest.restoreAllMocks();
  });

  it('denies a suspension made elsewhere once the identity cache expires', async () => {
    expect((await service.authorize(ask(), 'r1')).decision).toBe('allow');
    stored = { ...stored, status: 'suspended' };
    now += ttlMs / 2;
    expect((await service.authorize(ask(), 'r2')).decision).toBe('allow');
    expect(service.decisions.hits).toBe(1);
    now += ttlMs;
    expect(await service.authorize(ask(), 'r3')).toMatchObject({
      decision: 'deny',
      policies: ['vigil:inactive-identity'],
      caseId: 'case-1',
    });
  });

  it('denies a tool blocked elsewhere once the identity cache expires', async () => {
    expect((await service.authorize(ask(), 'r1')).decision).toBe('allow');
    restrictions = [{ kind: 'tool', value: 'payments.refund', caseId: 'case-9' }];
    now += ttlMs + 1;
    expect(await service.authorize(ask(), 'r2')).toMatchObject({
      decision: 'deny',
      policies: ['vigil:remediation-block'],
    });
  });

  it('reads an identity in steady use again in the background, before it expires', async () => {
    await service.authorize(ask(), 'r1');
    now += ttlMs * 0.6;
    stored = { ...stored, environment: 'dev' };
    expect((await service.authorize(ask(), 'r2')).decision).toBe('allow');
    // Background reads of identities that come due together are gathered for 100 ms.
    expect(reads).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(reads).toBe(2);
    now += ttlMs * 0.1;
    expect(await service.authorize(ask(), 'r3')).toMatchObject({
      decision: 'deny',
      policies: ['payments-from-production-only'],
    });
    expect(reads).toBe(2);
  });

  it('answers an identity changed through this process at once', async () => {
    expect((await service.authorize(ask(), 'r1')).decision).toBe('allow');
    stored = { ...stored, environment: 'dev' };
    directory.invalidate('agent-1');
    expect(await service.authorize(ask(), 'r2')).toMatchObject({
      decision: 'deny',
      policies: ['payments-from-production-only'],
    });
  });
});
