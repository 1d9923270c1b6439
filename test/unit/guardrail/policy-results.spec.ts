import type { AuthorizeRequest } from '@vigil/contracts';
import type { AgentFacts } from '@vigil/domain';
import { compilePolicySet, type CompiledPolicySet } from '../../../apps/api/src/guardrail/cedar';
import { decide } from '../../../apps/api/src/guardrail/guardrail.service';
import {
  findExamplePolicies,
  readPolicyFolder,
} from '../../../apps/api/src/guardrail/policy-files';
import { anIdentity } from '../../support/cases';

const examples = readPolicyFolder(findExamplePolicies()!);

function compiled(source = examples, engineId: string | null = 'unit-examples'): CompiledPolicySet {
  const result = compilePolicySet(source, engineId);
  if (!result.ok) throw new Error(JSON.stringify(result.diagnostics));
  return result.set;
}

const bot = anIdentity('agent-support-bot', {
  kind: 'ai_agent',
  criticality: 'high',
  environment: 'prod',
  policy: {
    rotationPeriodDays: null,
    rotationToleranceDays: null,
    allowedScopes: [],
    allowedTools: ['payments.refund', 'orders.*', 'shell.run'],
    resourceSensitivity: [],
  },
});
const facts: AgentFacts = { identity: bot, blockedTools: new Map() };

function ask(overrides: Partial<AuthorizeRequest> = {}): AuthorizeRequest {
  return {
    agentId: 'agent-support-bot',
    tool: 'payments.refund',
    action: 'invoke',
    resource: 'order:1',
    context: {},
    ...overrides,
  };
}

describe('example policy set', () => {
  const set = compiled();

  it('compiles with ids and reasons from annotations', () => {
    expect(Object.keys(set.policies)).toEqual([
      'platform-declared-tools',
      'inactive-identity',
      'remediation-block',
      'agent-refund-limit',
      'payments-from-production-only',
      'agents-no-code-execution',
    ]);
    expect(set.reasons.get('agent-refund-limit')).toMatch(/500\.00/);
    expect([...set.actions.keys()]).toEqual(['invoke']);
  });

  it.each([
    ['a declared tool', ask({ tool: 'orders.read' }), 'allow', ['platform-declared-tools']],
    ['a small refund', ask({ context: { amount: 500 } }), 'allow', ['platform-declared-tools']],
    ['a large refund', ask({ context: { amount: 500.01 } }), 'deny', ['agent-refund-limit']],
    [
      'payments from staging',
      ask({ context: { environment: 'staging' } }),
      'deny',
      ['payments-from-production-only'],
    ],
    ['shell for an agent', ask({ tool: 'shell.run' }), 'deny', ['agents-no-code-execution']],
    ['an undeclared tool', ask({ tool: 'crm.export' }), 'deny', []],
  ] as const)('%s: %s', (_what, request, decision, policies) => {
    const verdict = decide(request, facts, set, 'fail-closed');
    expect(verdict).toMatchObject({ decision, policies, evaluated: true });
  });

  it('lets a service account run shell tools the agent rule is about agents', () => {
    const svc = { ...facts, identity: { ...bot, kind: 'service_account' as const } };
    expect(decide(ask({ tool: 'shell.run' }), svc, set, 'fail-closed').decision).toBe('allow');
  });

  it('denies before Cedar: unknown, inactive, blocked tool, unknown action', () => {
    expect(decide(ask(), null, set, 'fail-closed').policies).toEqual(['vigil:unknown-identity']);
    const retired = { ...facts, identity: { ...bot, status: 'retired' as const } };
    expect(decide(ask(), retired, set, 'fail-closed')).toMatchObject({
      decision: 'deny',
      reasons: ['agent-support-bot is retired'],
    });
    const blocked = { ...facts, blockedTools: new Map([['payments.refund', 'case-7']]) };
    expect(decide(ask(), blocked, set, 'fail-closed').reasons[0]).toMatch(/case case-7/);
    expect(decide(ask({ action: 'delete' }), facts, set, 'fail-closed').policies).toEqual([
      'vigil:unknown-action',
    ]);
  });

  it('dry-runs a candidate without preparsing it, with the same results', () => {
    const candidate = compiled(examples, null);
    expect(decide(ask({ context: { amount: 900 } }), facts, candidate, 'fail-closed')).toEqual(
      decide(ask({ context: { amount: 900 } }), facts, set, 'fail-closed'),
    );
  });

  it('answers a policy that errors at run time by the fail mode', () => {
    const overflow = compiled(
      {
        schema: examples.schema,
        policies:
          '@id("permit-all") permit (principal, action, resource);\n' +
          '@id("overflow") forbid (principal, action, resource) when { principal.criticalityRank * 9223372036854775807 > 0 };',
      },
      'unit-overflow',
    );
    expect(decide(ask(), facts, overflow, 'fail-closed')).toMatchObject({
      decision: 'deny',
      evaluated: false,
      policies: ['vigil:fail-mode'],
    });
    expect(decide(ask(), facts, overflow, 'fail-open')).toMatchObject({
      decision: 'allow',
      evaluated: false,
    });
  });
});

describe('policy set validation', () => {
  it('rejects duplicate ids, templates and syntax errors with located diagnostics', () => {
    const duplicate = compilePolicySet(
      {
        schema: examples.schema,
        policies:
          '@id("a") permit (principal, action, resource);\n@id("a") forbid (principal, action, resource);',
      },
      null,
    );
    expect(duplicate).toMatchObject({
      ok: false,
      diagnostics: [{ message: expect.stringMatching(/two policies/) }],
    });

    const template = compilePolicySet(
      { schema: examples.schema, policies: 'permit (principal == ?principal, action, resource);' },
      null,
    );
    expect(template.ok).toBe(false);

    const syntax = compilePolicySet(
      { schema: examples.schema, policies: 'permit (principal, action, resource)\nwhen { oops };' },
      null,
    );
    expect(syntax).toMatchObject({ ok: false, diagnostics: [{ part: 'policies', line: 2 }] });
  });

  it('rejects a schema without an action for agents on tools', () => {
    const result = compilePolicySet(
      { schema: 'namespace Vigil { entity Agent; }', policies: '' },
      null,
    );
    expect(result).toMatchObject({ ok: false, diagnostics: [{ part: 'schema' }] });
  });
});
