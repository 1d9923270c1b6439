import { SEVERITIES } from '@vigil/contracts';
import {
  BUILT_IN_PLAYBOOKS,
  DEFAULT_ESCALATION_POLICIES,
  validateEscalationPolicy,
  validatePlaybook,
} from '@vigil/domain';

const base = BUILT_IN_PLAYBOOKS.find((p) => p.id === 'revoke-scope')!;

function fields(input: unknown): string[] {
  const result = validatePlaybook(input);
  return result.ok ? [] : result.errors.map((e) => e.field);
}

describe('validatePlaybook', () => {
  it('returns a clean copy of a valid playbook', () => {
    const result = validatePlaybook(JSON.parse(JSON.stringify(base)));
    expect(result).toEqual({ ok: true, playbook: base });
  });

  it('refuses what is not an object', () => {
    for (const input of [null, [], 'playbook', 3]) {
      expect(validatePlaybook(input)).toEqual({
        ok: false,
        errors: [{ field: 'body', message: 'a playbook must be a JSON object' }],
      });
    }
  });

  it.each([
    ['an uppercase id', { id: 'Revoke' }, ['id']],
    ['a long id', { id: 'a'.repeat(65) }, ['id']],
    ['a zero version', { version: 0 }, ['version']],
    ['a fractional version', { version: 1.5 }, ['version']],
    ['an empty title', { title: ' ' }, ['title']],
    ['an unknown field', { owner: 'x' }, ['owner']],
    [
      'an unknown exception kind',
      { matches: { kinds: ['nope'], identityKinds: [] } },
      ['matches.kinds[0]'],
    ],
    [
      'a repeated exception kind',
      { matches: { kinds: ['novel_scope', 'novel_scope'], identityKinds: [] } },
      ['matches.kinds[1]'],
    ],
    ['no kinds', { matches: { kinds: [], identityKinds: [] } }, ['matches.kinds']],
    [
      'an unknown identity kind',
      { matches: { kinds: ['novel_scope'], identityKinds: ['robot'] } },
      ['matches.identityKinds[0]'],
    ],
    [
      'dimensions that are not an array',
      { matches: { kinds: ['novel_scope'], identityKinds: [], dimensions: 'scope' } },
      ['matches.dimensions'],
    ],
    [
      'a malformed dimension',
      { matches: { kinds: ['novel_scope'], identityKinds: [], dimensions: ['scope', 'Tool'] } },
      ['matches.dimensions[1]'],
    ],
    [
      'a dimension that is not a string',
      { matches: { kinds: ['novel_scope'], identityKinds: [], dimensions: [3, 'x'.repeat(33)] } },
      ['matches.dimensions[0]', 'matches.dimensions[1]'],
    ],
    [
      'a repeated dimension',
      { matches: { kinds: ['novel_scope'], identityKinds: [], dimensions: ['tool', 'tool'] } },
      ['matches.dimensions[1]'],
    ],
    [
      'more than ten dimensions',
      {
        matches: {
          kinds: ['novel_scope'],
          identityKinds: [],
          dimensions: 'abcdefghijk'.split(''),
        },
      },
      ['matches.dimensions'],
    ],
    [
      'an unknown field in matches',
      { matches: { kinds: ['novel_scope'], identityKinds: [], dimension: ['scope'] } },
      ['matches.dimension'],
    ],
    ['no steps', { steps: [] }, ['steps']],
    [
      'a bad ceiling',
      { autoCeiling: { maxSeverity: 'huge', maxCriticality: 'high' } },
      ['autoCeiling.maxSeverity'],
    ],
    ['a ceiling that is not an object', { autoCeiling: 'high' }, ['autoCeiling']],
    ['a containment that is not a boolean', { containment: 'yes' }, ['containment']],
  ])('refuses %s', (_name, change, expected) => {
    expect(fields({ ...base, ...change })).toEqual(expected);
  });

  it('keeps match dimensions when given, and leaves them out when not', () => {
    const { dimensions: _dimensions, ...anyDimension } = base.matches;
    const without = validatePlaybook({ ...base, matches: anyDimension });
    expect(without).toEqual({ ok: true, playbook: { ...base, matches: anyDimension } });
    expect(without.ok && 'dimensions' in without.playbook.matches).toBe(false);
    const ten = 'abcdefghij'.split('');
    for (const dimensions of [[], ['tool', 'scope'], ten, ['event_type']]) {
      const matches = { ...base.matches, dimensions };
      expect(validatePlaybook({ ...base, matches })).toEqual({
        ok: true,
        playbook: { ...base, matches },
      });
    }
  });

  it('allows a containment playbook to match no exception kind', () => {
    const result = validatePlaybook({
      ...base,
      matches: { kinds: [], identityKinds: ['ai_agent'] },
      containment: true,
    });
    expect(result.ok).toBe(true);
  });

  it('checks every step: names, actions, connectors, parameters and templates', () => {
    const step = base.steps[0]!;
    const result = validatePlaybook({
      ...base,
      steps: [
        step,
        { ...step },
        { ...step, name: 'Bad Name' },
        { ...step, name: 'c', action: 'explode' },
        { ...step, name: 'd', connector: 'email' },
        { ...step, name: 'e', action: 'rotate_credential', connector: 'internal' },
        { ...step, name: 'f', params: {} },
        { ...step, name: 'g', params: { scope: '{{value' } },
        { ...step, name: 'h', params: { scope: 3 } },
        { ...step, name: 'i', params: { '1st': 'x', scope: 'x' } },
        { ...step, name: 'j', verify: 'yes' },
        { ...step, name: 'k', extra: 1 },
        'not a step',
      ],
    });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.map((e) => e.field)).toEqual([
      'steps[1].name',
      'steps[2].name',
      'steps[3].action',
      'steps[4].connector',
      'steps[5].action',
      'steps[6].params.scope',
      'steps[7].params.scope',
      'steps[8].params.scope',
      'steps[9].params.1st',
      'steps[10].verify',
      'steps[11].extra',
      'steps[12]',
    ]);
    const messages = !result.ok ? result.errors.map((e) => e.message) : [];
    expect(messages).toContain(
      'the internal connector cannot rotate_credential; it can suspend_identity, revoke_scope, block_tool',
    );
    expect(messages).toContain('revoke_scope needs the parameter scope');
    expect(messages).toContain('steps[7].params.scope has a "{{" that is not closed');
    expect(messages).toContain('steps[1].name repeats the step name restrict-scope');
  });
});

describe('escalation policies', () => {
  it('have a valid default for every severity', () => {
    for (const severity of SEVERITIES) {
      const policy = DEFAULT_ESCALATION_POLICIES[severity];
      expect(policy.severity).toBe(severity);
      expect(validateEscalationPolicy(policy)).toEqual({ ok: true, policy });
    }
  });

  it('contain critical and high cases and accept the risk of the others by default', () => {
    expect(DEFAULT_ESCALATION_POLICIES.critical).toEqual({
      severity: 'critical',
      tier1: { route: 'owner', deadlineMinutes: 15, reminderMinutes: 5 },
      tier2: { route: 'soc_tier2', deadlineMinutes: 30, reminderMinutes: 10 },
      failSafe: { decision: 'contain', acceptRiskDays: null },
    });
    expect(DEFAULT_ESCALATION_POLICIES.high.tier1).toMatchObject({
      deadlineMinutes: 240,
      reminderMinutes: 60,
    });
    expect(DEFAULT_ESCALATION_POLICIES.high.tier2).toMatchObject({
      route: 'soc_tier2',
      deadlineMinutes: 480,
    });
    expect(DEFAULT_ESCALATION_POLICIES.medium.failSafe).toEqual({
      decision: 'accept_risk',
      acceptRiskDays: 30,
    });
    expect(DEFAULT_ESCALATION_POLICIES.low).toMatchObject({
      tier1: { route: 'owner', deadlineMinutes: 72 * 60 },
      tier2: { route: 'soc_tier1', deadlineMinutes: 96 * 60 },
      failSafe: { decision: 'accept_risk', acceptRiskDays: 90 },
    });
  });

  const valid = DEFAULT_ESCALATION_POLICIES.medium;

  it.each([
    ['an unknown severity', { severity: 'urgent' }, 'severity'],
    ['an unknown route', { tier1: { ...valid.tier1, route: 'ceo' } }, 'tier1.route'],
    ['a zero deadline', { tier2: { ...valid.tier2, deadlineMinutes: 0 } }, 'tier2.deadlineMinutes'],
    [
      'a reminder after the deadline',
      { tier1: { ...valid.tier1, reminderMinutes: valid.tier1.deadlineMinutes } },
      'tier1.reminderMinutes',
    ],
    [
      'accept_risk without days',
      { failSafe: { decision: 'accept_risk', acceptRiskDays: null } },
      'failSafe.acceptRiskDays',
    ],
    [
      'days with contain',
      { failSafe: { decision: 'contain', acceptRiskDays: 3 } },
      'failSafe.acceptRiskDays',
    ],
    [
      'an unknown decision',
      { failSafe: { decision: 'ignore', acceptRiskDays: null } },
      'failSafe.decision',
    ],
    ['an unknown field', { tier3: {} }, 'tier3'],
    ['a tier with an unknown field', { tier1: { ...valid.tier1, sms: true } }, 'tier1.sms'],
  ])('refuses %s', (_name, change, field) => {
    const result = validateEscalationPolicy({ ...valid, ...change });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.map((e) => e.field)).toEqual([field]);
  });

  it('accepts a reminder of null and a reject fail-safe', () => {
    const result = validateEscalationPolicy({
      ...valid,
      tier1: { ...valid.tier1, reminderMinutes: null },
      failSafe: { decision: 'reject', acceptRiskDays: null },
    });
    expect(result.ok).toBe(true);
  });
});
