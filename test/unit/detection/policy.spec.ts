import {
  Baseline,
  DEFAULT_THRESHOLDS,
  compileGlob,
  crossEnvironment,
  isAdminLikeScope,
  policyViolation,
  privilegeElevation,
  resourceSensitivity,
  unclassifiedIdentity,
} from '@vigil/domain';
import { AFTER_HISTORY, DAY, HOUR, T0, absorbAll, ctx, event, identity, learned } from './support';

const at = AFTER_HISTORY + 10 * HOUR;

describe('globs', () => {
  it.each([
    ['secrets:read:payments/*', 'secrets:read:payments/db', true],
    ['secrets:read:payments/*', 'secrets:read:payments/', true],
    ['secrets:read:payments/*', 'secrets:read:billing/db', false],
    ['*', 'anything at all', true],
    ['ticket.*', 'ticket.read', true],
    ['ticket.*', 'ticketing.read', false],
    ['kb.search', 'kb.search', true],
    ['kb.search', 'kbXsearch', false],
    ['db:*/orders', 'db:prod/eu/orders', true],
    ['db:*/orders', 'db:prod/orders/2', false],
    ['a+b(c)?[d]', 'a+b(c)?[d]', true],
    ['*.example.com', 'api.example.com', true],
    ['*.example.com', 'api.exampleXcom', false],
  ])('%s matches %s: %s', (pattern, value, matches) => {
    expect(compileGlob(pattern)(value)).toBe(matches);
  });
});

describe('resourceSensitivity', () => {
  const policy = identity({
    policy: {
      resourceSensitivity: [
        { pattern: 'vault:*', sensitivity: 'high' },
        { pattern: 'vault:prod/*', sensitivity: 'critical' },
        { pattern: 'db:*', sensitivity: 'medium' },
      ],
    },
  }).policy;

  it('takes the highest matching tier, whatever the declaration order', () => {
    expect(resourceSensitivity(policy, 'vault:prod/payments')).toBe('critical');
    expect(resourceSensitivity(policy, 'vault:staging/payments')).toBe('high');
    expect(resourceSensitivity(policy, 'db:orders')).toBe('medium');
  });

  it("defaults to 'low' for an untiered resource or none", () => {
    expect(resourceSensitivity(policy, 's3:logs')).toBe('low');
    expect(resourceSensitivity(policy, null)).toBe('low');
    expect(resourceSensitivity(identity().policy, 'vault:prod/x')).toBe('low');
  });
});

describe('policy_violation', () => {
  const declared = identity({
    policy: { allowedScopes: ['db:*'], allowedTools: ['kb.search', 'ticket.*'] },
  });
  const b = learned();

  it('fires for a scope outside the declared allowed scopes', () => {
    const d = policyViolation(ctx(event({ at, scope: 'vault:admin' }), declared, b))!;
    expect(d).toMatchObject({
      kind: 'policy_violation',
      value: 'vault:admin',
      policyViolation: true,
    });
    expect(d.evidence).toMatchObject({ violation: 'scope', allowed: ['db:*'] });
    expect(d.score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLDS.policy_violation);
    expect(d.nist).toBe('PR.AA-05');
  });

  it('fires for a tool outside the declared allowed tools', () => {
    const d = policyViolation(
      ctx(
        event({ at, type: 'tool.invoked', attributes: { tool: 'payments.refund' } }),
        declared,
        b,
      ),
    )!;
    expect(d.evidence).toMatchObject({ violation: 'tool', value: 'payments.refund' });
  });

  it('fires for a denial by the policy decision point', () => {
    const d = policyViolation(
      ctx(
        event({
          at,
          type: 'policy.decision',
          outcome: 'denied',
          attributes: { tool: 'shell.exec', reason: 'not allowed' },
        }),
        identity(),
        b,
      ),
    )!;
    expect(d.value).toBe('shell.exec');
    expect(d.evidence).toMatchObject({ violation: 'decision', decisionReason: 'not allowed' });
  });

  it('is silent for allowed values, allowed decisions and undeclared lists', () => {
    expect(policyViolation(ctx(event({ at, scope: 'db:read' }), declared, b))).toBeNull();
    expect(
      policyViolation(
        ctx(
          event({ at, type: 'tool.invoked', attributes: { tool: 'ticket.comment' } }),
          declared,
          b,
        ),
      ),
    ).toBeNull();
    expect(
      policyViolation(ctx(event({ at, type: 'policy.decision', outcome: 'allowed' }), declared, b)),
    ).toBeNull();
    expect(policyViolation(ctx(event({ at, scope: 'anything' }), identity(), b))).toBeNull();
  });
});

describe('privilege_elevation', () => {
  it.each([
    ['*', true],
    ['iam:*', true],
    ['*:*', true],
    ['s3:*', true],
    ['org:owner', true],
    ['Administrator', true],
    ['db:admin', true],
    ['root', true],
    ['secrets:read:payments/*', false],
    ['db:read', false],
    ['badminton:read', false],
  ])('treats %s as admin-like: %s', (scope, admin) => {
    expect(isAdminLikeScope(scope)).toBe(admin);
  });

  const b = learned();
  const tiered = identity({
    policy: { resourceSensitivity: [{ pattern: 'iam:*', sensitivity: 'critical' }] },
  });

  it('fires for a first elevation, higher on a sensitive resource', () => {
    const plain = privilegeElevation(
      ctx(event({ at, type: 'privilege.elevated', scope: 'db:admin' }), identity(), b),
    )!;
    const sensitive = privilegeElevation(
      ctx(
        event({ at, type: 'privilege.elevated', scope: 'db:admin', resource: 'iam:roles/admin' }),
        tiered,
        b,
      ),
    )!;
    expect(plain.kind).toBe('privilege_elevation');
    expect(plain.score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLDS.privilege_elevation);
    expect(plain.evidence).toMatchObject({
      elevatedTo: 'db:admin',
      firstSeen: true,
      seenBefore: 0,
    });
    expect(sensitive.score).toBeGreaterThan(plain.score);
  });

  it('scores a routine, known elevation below the threshold on an untiered resource', () => {
    const routine = absorbAll(
      learned(),
      Array.from({ length: 5 }, (_, i) =>
        event({ at: AFTER_HISTORY + i * HOUR, type: 'privilege.elevated', scope: 'db:admin' }),
      ),
    );
    const d = privilegeElevation(
      ctx(event({ at, type: 'privilege.elevated', scope: 'db:admin' }), identity(), routine),
    );
    expect(d?.score ?? 0).toBeLessThan(DEFAULT_THRESHOLDS.privilege_elevation);
  });

  it('fires for a requested admin-like scope, not an ordinary one', () => {
    const req = (scope: string) => event({ at, type: 'scope.requested', scope });
    expect(privilegeElevation(ctx(req('iam:*'), identity(), b))?.value).toBe('iam:*');
    expect(privilegeElevation(ctx(req('db:read'), identity(), b))).toBeNull();
    expect(privilegeElevation(ctx(event({ at, scope: 'iam:*' }), identity(), b))).toBeNull();
  });

  it('names the role when the elevation carries no scope', () => {
    const d = privilegeElevation(
      ctx(
        event({ at, type: 'privilege.elevated', scope: null, attributes: { role: 'break-glass' } }),
        identity(),
        b,
      ),
    )!;
    expect(d.value).toBe('break-glass');
  });
});

describe('cross_environment', () => {
  const prod = identity({ environment: 'prod' });
  const from = (environment: string, when = at) => event({ at: when, source: { environment } });

  it('fires, as a policy violation, when a prod identity is used from staging', () => {
    const d = crossEnvironment(ctx(from('staging'), prod, learned()))!;
    expect(d).toMatchObject({
      kind: 'cross_environment',
      value: 'staging',
      policyViolation: true,
      owasp: 'NHI8',
    });
    expect(d.evidence).toMatchObject({ declaredEnvironment: 'prod', sourceEnvironment: 'staging' });
  });

  it('is silent for its own environment (any case) and when either side is unknown', () => {
    const b = learned();
    expect(crossEnvironment(ctx(from('PROD'), prod, b))).toBeNull();
    expect(crossEnvironment(ctx(event({ at }), prod, b))).toBeNull();
    expect(crossEnvironment(ctx(from('staging'), identity({ environment: null }), b))).toBeNull();
  });

  it('reports once a day per foreign environment', () => {
    const b = learned();
    const first = from('staging');
    expect(crossEnvironment(ctx(first, prod, b))).not.toBeNull();
    b.absorb(first, Date.parse(first.time));
    expect(crossEnvironment(ctx(from('staging', at + HOUR), prod, b))).toBeNull();
    expect(crossEnvironment(ctx(from('dev', at + HOUR), prod, b))).not.toBeNull();
    expect(crossEnvironment(ctx(from('staging', at + DAY), prod, b))).not.toBeNull();
  });
});

describe('unclassified_identity', () => {
  const unknown = identity({ id: 'svc-mystery', kind: 'unclassified' });

  it('fires on the first event, low and as a policy violation, valued by the identity', () => {
    const d = unclassifiedIdentity(
      ctx(event({ at: T0, identityId: 'svc-mystery' }), unknown, new Baseline('svc-mystery')),
    )!;
    expect(d).toMatchObject({
      kind: 'unclassified_identity',
      value: 'svc-mystery',
      policyViolation: true,
    });
    expect(d.score).toBeLessThan(0.5);
    expect(d.score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLDS.unclassified_identity);
  });

  it('reports once a day, and never for a registered identity', () => {
    const b = absorbAll(new Baseline('svc-mystery'), [
      event({ at: T0, identityId: 'svc-mystery' }),
    ]);
    expect(
      unclassifiedIdentity(ctx(event({ at: T0 + HOUR, identityId: 'svc-mystery' }), unknown, b)),
    ).toBeNull();
    expect(
      unclassifiedIdentity(ctx(event({ at: T0 + DAY, identityId: 'svc-mystery' }), unknown, b)),
    ).not.toBeNull();
    expect(
      unclassifiedIdentity(ctx(event({ at: T0 }), identity(), new Baseline('svc-payments'))),
    ).toBeNull();
  });
});
