import type { Identity, Playbook } from '@vigil/contracts';
import { PlaybookTemplateError, parseTemplate, resolveSteps } from '@vigil/domain';

const identity: Identity = {
  id: 'oauth-crm',
  kind: 'oauth_app',
  owner: 'vendor-owner@example.com',
  team: null,
  vendor: 'Acme CRM',
  criticality: 'medium',
  environment: 'prod',
  policy: {
    rotationPeriodDays: 30,
    rotationToleranceDays: null,
    allowedScopes: ['crm:read'],
    allowedTools: [],
    resourceSensitivity: [],
  },
  status: 'active',
};

function playbookWith(params: Record<string, string>): Playbook {
  return {
    id: 'custom',
    version: 3,
    title: 'Custom',
    description: '',
    matches: { kinds: ['unusual_record_set'], identityKinds: [] },
    steps: [
      {
        name: 'notify',
        action: 'notify_vendor_owner',
        connector: 'webhook',
        params,
        verify: false,
        compensate: false,
      },
    ],
    autoCeiling: null,
    containment: false,
  };
}

const info = {
  caseId: 'c-42',
  identityId: 'oauth-crm',
  value: 'contacts',
  evidence: { records: 1200, details: { table: 'contacts', sample: ['a', 'b'] }, flag: true },
  identity,
};

describe('resolveSteps', () => {
  it('substitutes every placeholder, inside literal text too, and keys each step', () => {
    const [request] = resolveSteps(
      playbookWith({
        who: '{{ identity.owner }}',
        vendor: '{{identity.vendor}}',
        period: '{{identity.policy.rotationPeriodDays}}',
        summary: '{{identityId}} read {{evidence.records}} rows of {{evidence.details.table}}',
        first: '{{evidence.details.sample.0}}',
        flag: '{{evidence.flag}}',
        literal: 'plain text',
        value: '{{value}}',
      }),
      info,
    );
    expect(request).toEqual({
      caseId: 'c-42',
      playbookId: 'custom',
      playbookVersion: 3,
      step: 'notify',
      idempotencyKey: 'c-42:notify',
      action: 'notify_vendor_owner',
      connector: 'webhook',
      identityId: 'oauth-crm',
      params: {
        who: 'vendor-owner@example.com',
        vendor: 'Acme CRM',
        period: '30',
        summary: 'oauth-crm read 1200 rows of contacts',
        first: 'a',
        flag: 'true',
        literal: 'plain text',
        value: 'contacts',
      },
    });
  });

  it.each([
    ['{{evidence.missing}}', 'evidence.missing', 'has no value for this case'],
    ['{{identity.team}}', 'identity.team', 'has no value for this case'],
    ['{{evidence.details}}', 'evidence.details', 'is not a string, number or boolean'],
    ['{{evidence.records.deeper}}', 'evidence.records.deeper', 'has no value for this case'],
  ])('fails on %s naming the step and the path', (template, path, reason) => {
    try {
      resolveSteps(playbookWith({ x: template }), info);
      throw new Error('expected a PlaybookTemplateError');
    } catch (error) {
      expect(error).toBeInstanceOf(PlaybookTemplateError);
      expect(error).toMatchObject({ playbookId: 'custom', step: 'notify', path });
      expect((error as Error).message).toBe(
        `playbook custom, step "notify": {{${path}}} ${reason}`,
      );
    }
  });

  it('fails on a missing value or identity', () => {
    expect(() => resolveSteps(playbookWith({ v: '{{value}}' }), { ...info, value: null })).toThrow(
      '{{value}} has no value',
    );
    expect(() =>
      resolveSteps(playbookWith({ v: '{{identity.owner}}' }), { ...info, identity: null }),
    ).toThrow('{{identity.owner}} has no value');
  });

  it('does not read inherited properties', () => {
    expect(() => resolveSteps(playbookWith({ v: '{{evidence.constructor}}' }), info)).toThrow(
      PlaybookTemplateError,
    );
  });
});

describe('parseTemplate', () => {
  it.each([
    ['{{value', 'not closed'],
    ['value}}', 'without a "{{"'],
    ['{{}}', 'empty placeholder'],
    ['{{case.id}}', 'starts with one of identityId, value, evidence, identity'],
    ['{{evidence}}', 'name a key of the evidence'],
    ['{{identity}}', 'name a field of the identity'],
    ['{{identity.secret}}', 'an identity has'],
    ['{{value.length}}', '{{value}} has no fields'],
    ['{{evidence.a b}}', 'dotted path'],
    ['{{evidence..a}}', 'dotted path'],
    ['{{ {{value}} }}', 'inside a placeholder'],
  ])('refuses %s', (template, message) => {
    const parsed = parseTemplate(template);
    expect('error' in parsed && parsed.error).toContain(message);
  });

  it('accepts literal text and well-formed placeholders', () => {
    expect(parseTemplate('scope {{value}} of {{ identityId }}')).toEqual({
      parts: [{ text: 'scope ' }, { path: 'value' }, { text: ' of ' }, { path: 'identityId' }],
    });
    expect(parseTemplate('')).toEqual({ parts: [] });
  });
});
