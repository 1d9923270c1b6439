import { EXCEPTION_KINDS, type Identity, type IdentityKind, type Playbook } from '@vigil/contracts';
import {
  BUILT_IN_PLAYBOOKS,
  activePlaybooks,
  containmentFor,
  deviatingDimension,
  deviatingValue,
  matchPlaybook,
  previewPlaybook,
  validatePlaybook,
  withinCeiling,
} from '@vigil/domain';

const identity: Identity = {
  id: 'svc-payments',
  kind: 'service_account',
  owner: 'alice@example.com',
  team: 'payments',
  vendor: null,
  criticality: 'high',
  environment: 'prod',
  policy: {
    rotationPeriodDays: 90,
    rotationToleranceDays: 7,
    allowedScopes: [],
    allowedTools: [],
    resourceSensitivity: [],
  },
  status: 'active',
};

function builtIn(id: string): Playbook {
  const found = BUILT_IN_PLAYBOOKS.find((p) => p.id === id);
  if (!found) throw new Error(`no built-in ${id}`);
  return found;
}

describe('built-in playbooks', () => {
  it('are valid version-1 playbooks with unique ids', () => {
    expect(new Set(BUILT_IN_PLAYBOOKS.map((p) => p.id)).size).toBe(BUILT_IN_PLAYBOOKS.length);
    for (const playbook of BUILT_IN_PLAYBOOKS) {
      expect(playbook.version).toBe(1);
      expect(validatePlaybook(playbook)).toEqual({ ok: true, playbook });
    }
  });

  const tool = { value: 'payments.refund', details: { violation: 'tool' } };
  const scope = { value: 'billing:write', details: { violation: 'scope' } };
  const decision = { value: 'payments.refund', details: { violation: 'decision' } };

  it.each<[string, IdentityKind | null, Record<string, unknown>, string | null]>([
    ['rotation_overdue', 'api_key', {}, 'rotate-credential'],
    ['novel_scope', 'service_account', {}, 'revoke-scope'],
    ['privilege_elevation', null, {}, 'revoke-scope'],
    ['policy_violation', 'ai_agent', tool, 'block-agent-tool'],
    ['policy_violation', 'ai_agent', scope, 'revoke-scope'],
    ['policy_violation', 'ai_agent', decision, null],
    ['policy_violation', 'ai_agent', { value: 'payments.refund' }, null],
    [
      'policy_violation',
      'ai_agent',
      { value: 'payments.refund', violation: 'tool' },
      'block-agent-tool',
    ],
    ['novel_tool', 'ai_agent', {}, 'block-agent-tool'],
    ['novel_tool', 'service_account', {}, null],
    ['policy_violation', 'service_account', tool, null],
    ['policy_violation', 'service_account', scope, 'revoke-scope'],
    ['policy_violation', 'service_account', {}, null],
    ['rotation_outside_window', 'service_account', {}, 'realign-rotation-schedule'],
    ['renewal_outside_window', 'certificate', {}, 'realign-rotation-schedule'],
    ['unusual_record_set', 'oauth_app', {}, 'notify-vendor-owner'],
    ['unusual_record_set', 'service_account', {}, null],
    ['human_use', 'service_account', {}, 'suspend-identity'],
    ['credential_reuse', 'api_key', {}, 'suspend-identity'],
    ['cross_environment', 'workload', {}, 'suspend-identity'],
    ['rate_spike', 'service_account', {}, null],
    ['off_hours', 'ai_agent', {}, null],
  ])('%s on %s with %j → %s', (kind, identityKind, evidence, expected) => {
    expect(matchPlaybook(BUILT_IN_PLAYBOOKS, kind, identityKind, evidence)?.id ?? null).toBe(
      expected,
    );
  });

  it('match at most one playbook per exception and identity kind, the same in any order', () => {
    const reversed = [...BUILT_IN_PLAYBOOKS].reverse();
    for (const kind of EXCEPTION_KINDS) {
      for (const identityKind of ['ai_agent', 'oauth_app', 'api_key', null]) {
        for (const evidence of [{}, tool, scope, decision]) {
          expect(matchPlaybook(reversed, kind, identityKind, evidence)).toBe(
            matchPlaybook(BUILT_IN_PLAYBOOKS, kind, identityKind, evidence),
          );
        }
      }
    }
  });

  it('offer suspension as the containment for every identity kind', () => {
    expect(containmentFor(BUILT_IN_PLAYBOOKS, 'ai_agent')?.id).toBe('suspend-identity');
    expect(containmentFor(BUILT_IN_PLAYBOOKS, null)?.id).toBe('suspend-identity');
    expect(containmentFor([builtIn('revoke-scope')], 'ai_agent')).toBeNull();
  });

  it('keep suspension manual and notices irreversible', () => {
    expect(builtIn('suspend-identity').autoCeiling).toBeNull();
    expect(builtIn('notify-vendor-owner').steps.every((s) => !s.compensate)).toBe(true);
    expect(builtIn('rotate-credential').steps[0]).toMatchObject({
      connector: 'webhook',
      action: 'rotate_credential',
      verify: true,
    });
  });
});

describe('matchPlaybook', () => {
  const any: Playbook = { ...builtIn('revoke-scope'), id: 'a-any' };
  const forAgents: Playbook = {
    ...builtIn('revoke-scope'),
    id: 'z-agents',
    matches: { kinds: ['novel_scope'], identityKinds: ['ai_agent'] },
  };

  it('prefers a playbook naming the identity kind over one for any kind', () => {
    expect(matchPlaybook([any, forAgents], 'novel_scope', 'ai_agent')?.id).toBe('z-agents');
    expect(matchPlaybook([forAgents, any], 'novel_scope', 'workload')?.id).toBe('a-any');
    expect(matchPlaybook([forAgents], 'novel_scope', null)).toBeNull();
  });

  it('breaks ties by the lowest id', () => {
    const b: Playbook = { ...any, id: 'b-any' };
    expect(matchPlaybook([b, any], 'novel_scope', 'workload')?.id).toBe('a-any');
  });

  it('matches a playbook with dimensions only on a deviating value of one of them', () => {
    const scopes: Playbook = {
      ...any,
      id: 'b-scopes',
      matches: { kinds: ['policy_violation'], identityKinds: [], dimensions: ['scope'] },
    };
    const violation = (what: unknown) => ({ value: 'x', details: { violation: what } });
    expect(matchPlaybook([scopes], 'policy_violation', 'workload', violation('scope'))).toBe(
      scopes,
    );
    expect(matchPlaybook([scopes], 'policy_violation', 'workload', violation('tool'))).toBeNull();
    expect(matchPlaybook([scopes], 'policy_violation', 'workload', violation(3))).toBeNull();
    expect(matchPlaybook([scopes], 'policy_violation', 'workload', {})).toBeNull();
    expect(matchPlaybook([scopes], 'policy_violation', 'workload')).toBeNull();
    const empty: Playbook = { ...scopes, matches: { ...scopes.matches, dimensions: [] } };
    expect(matchPlaybook([empty], 'policy_violation', 'workload', {})).toBe(empty);
  });

  it('prefers a playbook with dimensions over one without, after the identity kind', () => {
    const general: Playbook = {
      ...any,
      id: 'a-general',
      matches: { kinds: ['policy_violation'], identityKinds: [] },
    };
    const scopes: Playbook = {
      ...any,
      id: 'z-scopes',
      matches: { kinds: ['policy_violation'], identityKinds: [], dimensions: ['scope'] },
    };
    const agents: Playbook = {
      ...any,
      id: 'm-agents',
      matches: { kinds: ['policy_violation'], identityKinds: ['ai_agent'] },
    };
    const agentScopes: Playbook = {
      ...any,
      id: 'y-agent-scopes',
      matches: { kinds: ['policy_violation'], identityKinds: ['ai_agent'], dimensions: ['scope'] },
    };
    const scope = { details: { violation: 'scope' } };
    const all = [general, scopes, agents, agentScopes];
    expect(matchPlaybook(all, 'policy_violation', 'ai_agent', scope)).toBe(agentScopes);
    expect(matchPlaybook([general, scopes, agents], 'policy_violation', 'ai_agent', scope)).toBe(
      agents,
    );
    expect(matchPlaybook(all, 'policy_violation', 'workload', scope)).toBe(scopes);
    expect(matchPlaybook(all, 'policy_violation', 'workload', {})).toBe(general);
    expect(matchPlaybook(all, 'policy_violation', 'ai_agent', {})).toBe(agents);
    const otherScopes: Playbook = { ...scopes, id: 'b-scopes' };
    expect(matchPlaybook([scopes, otherScopes], 'policy_violation', null, scope)).toBe(otherScopes);
  });

  it('ignores dimensions when choosing the containment', () => {
    const contain: Playbook = {
      ...builtIn('suspend-identity'),
      id: 'z-contain',
      matches: { kinds: [], identityKinds: [], dimensions: ['scope'] },
    };
    expect(containmentFor([builtIn('suspend-identity'), contain], null)?.id).toBe(
      'suspend-identity',
    );
  });

  it('considers only the highest version of an id', () => {
    const v2: Playbook = {
      ...any,
      version: 2,
      matches: { kinds: ['rate_spike'], identityKinds: [] },
    };
    expect(activePlaybooks([v2, any])).toEqual([v2]);
    expect(matchPlaybook([any, v2], 'novel_scope', 'workload')).toBeNull();
    expect(matchPlaybook([any, v2], 'rate_spike', 'workload')).toBe(v2);
  });
});

describe('deviatingDimension', () => {
  it.each<[string, Record<string, unknown>, string | null]>([
    ['policy_violation', { details: { violation: 'scope' } }, 'scope'],
    ['policy_violation', { details: { violation: 'tool' } }, 'tool'],
    ['policy_violation', { details: { violation: 'decision' } }, 'decision'],
    ['policy_violation', { violation: 'tool' }, 'tool'],
    ['policy_violation', { violation: 'tool', details: { violation: 'scope' } }, 'scope'],
    ['policy_violation', { details: { violation: 7 } }, null],
    ['policy_violation', { details: { dimension: 'tool' } }, 'tool'],
    ['policy_violation', { value: 'payments.refund' }, null],
    ['novel_scope', {}, 'scope'],
    ['novel_tool', { details: { dimension: 'scope' } }, 'tool'],
    ['novel_resource', {}, 'resource'],
    ['privilege_elevation', { details: { elevatedTo: 'admin' } }, 'scope'],
    ['rate_spike', { details: { dimension: 'event_type' } }, 'event_type'],
    ['external_finding', { dimension: 'resource' }, 'resource'],
    ['external_finding', { details: 'free text', dimension: 'tool' }, 'tool'],
    ['off_hours', { dimension: '' }, null],
    ['off_hours', {}, null],
  ])('%s with %j → %s', (kind, evidence, expected) => {
    expect(deviatingDimension(kind, evidence)).toBe(expected);
  });
});

describe('withinCeiling', () => {
  const playbook = builtIn('revoke-scope'); // medium / high

  it.each([
    ['low', 'low', true],
    ['medium', 'high', true],
    ['high', 'low', false],
    ['medium', 'critical', false],
    ['critical', 'critical', false],
  ] as const)('severity %s, criticality %s → automatic %s', (severity, criticality, automatic) => {
    const verdict = withinCeiling(playbook, severity, criticality);
    expect(verdict.automatic).toBe(automatic);
    expect(verdict.reason).toContain('revoke-scope');
  });

  it('names what is above the ceiling', () => {
    expect(withinCeiling(playbook, 'high', 'low').reason).toMatch(/severity high is above/);
    expect(withinCeiling(playbook, 'low', 'critical').reason).toMatch(
      /criticality critical is above/,
    );
  });

  it('never runs a playbook without a ceiling, or for an identity of unknown criticality', () => {
    expect(withinCeiling(builtIn('suspend-identity'), 'low', 'low')).toMatchObject({
      automatic: false,
      reason: expect.stringContaining('approval'),
    });
    expect(withinCeiling(playbook, 'low', null)).toMatchObject({
      automatic: false,
      reason: expect.stringContaining('unknown'),
    });
  });
});

describe('previewPlaybook', () => {
  it('resolves the steps against the case and judges the ceiling', () => {
    const preview = previewPlaybook(builtIn('revoke-scope'), {
      caseId: 'case-1',
      identity,
      report: { identityId: 'svc-payments', evidence: { value: 'vault:admin' } },
      severity: 'medium',
    });
    expect(preview).toEqual({
      playbookId: 'revoke-scope',
      playbookVersion: 1,
      automatic: true,
      ceiling: expect.stringContaining('within the ceiling'),
      steps: [
        {
          playbookId: 'revoke-scope',
          playbookVersion: 1,
          step: 'restrict-scope',
          action: 'revoke_scope',
          connector: 'internal',
          identityId: 'svc-payments',
          params: { scope: 'vault:admin' },
          verify: true,
          compensate: true,
        },
        {
          playbookId: 'revoke-scope',
          playbookVersion: 1,
          step: 'revoke-grant',
          action: 'revoke_scope',
          connector: 'webhook',
          identityId: 'svc-payments',
          params: { identityId: 'svc-payments', scope: 'vault:admin' },
          verify: true,
          compensate: false,
        },
      ],
    });
  });

  it('takes an explicit value over the evidence, and is not automatic without an identity', () => {
    const preview = previewPlaybook(builtIn('block-agent-tool'), {
      identity: null,
      report: { identityId: 'agent-1', evidence: { value: 'ignored' } },
      value: 'payments.refund',
      severity: 'low',
    });
    expect(preview.automatic).toBe(false);
    expect(preview.steps[0]!.params).toEqual({ tool: 'payments.refund' });
  });

  it('fails naming the step and the path when the case lacks a value', () => {
    expect(() =>
      previewPlaybook(builtIn('revoke-scope'), {
        identity,
        report: { identityId: 'svc-payments', evidence: {} },
        severity: 'low',
      }),
    ).toThrow('playbook revoke-scope, step "restrict-scope": {{value}} has no value for this case');
  });
});

describe('deviatingValue', () => {
  it('is the evidence value when it is a non-empty string', () => {
    expect(deviatingValue({ value: 'x' })).toBe('x');
    expect(deviatingValue({ value: '' })).toBeNull();
    expect(deviatingValue({ value: 3 })).toBeNull();
    expect(deviatingValue({})).toBeNull();
  });
});
