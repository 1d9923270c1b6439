import {
  Baseline,
  DEFAULT_THRESHOLDS,
  MAX_VALUES_PER_DIMENSION,
  novelResource,
  novelScope,
  novelTool,
} from '@vigil/domain';
import {
  AFTER_HISTORY,
  DAY,
  HOUR,
  T0,
  absorbAll,
  ctx,
  event,
  identity,
  learned,
  pick,
  type IdentityInput,
} from './support';

const at = AFTER_HISTORY + 10 * HOUR;
const history = learned();

function scoreOf(
  detector: typeof novelScope,
  e: ReturnType<typeof event>,
  input: IdentityInput = {},
  baseline: Baseline = history,
): number {
  return detector(ctx(e, identity(input), baseline))?.score ?? 0;
}

describe('novel_scope', () => {
  it('fires for a scope the identity never used, with the known ones as evidence', () => {
    const d = novelScope(ctx(event({ at, scope: 'db:admin' }), identity(), history))!;
    expect(d.kind).toBe('novel_scope');
    expect(d.value).toBe('db:admin');
    expect(d.score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLDS.novel_scope);
    expect(d.evidence).toMatchObject({
      dimension: 'scope',
      known: expect.arrayContaining(['db:read', 'db:write']),
      knownCount: 2,
      firstSeen: true,
    });
    expect(d.owasp).toBe('NHI5');
    expect(d.nist).toBe('PR.AA-05');
    expect(d.policyViolation).toBe(false);
    expect(d.reason).toContain('db:admin');
  });

  it('does not fire for a known scope, or an event without one', () => {
    expect(novelScope(ctx(event({ at, scope: 'db:read' }), identity(), history))).toBeNull();
    expect(novelScope(ctx(event({ at, scope: null }), identity(), history))).toBeNull();
  });

  it('scores higher on a more sensitive resource and a more critical identity', () => {
    const e = event({ at, scope: 'vault:read', resource: 'vault:prod/db' });
    const tiered = {
      policy: { resourceSensitivity: [{ pattern: 'vault:*', sensitivity: 'critical' as const }] },
    };
    const low = scoreOf(novelScope, e, { criticality: 'low' });
    const sensitive = scoreOf(novelScope, e, { criticality: 'low', ...tiered });
    const critical = scoreOf(novelScope, e, { criticality: 'critical', ...tiered });
    expect(low).toBeLessThan(sensitive);
    expect(sensitive).toBeLessThan(critical);
    expect(critical).toBeGreaterThan(0.9);
    expect(low).toBeLessThan(DEFAULT_THRESHOLDS.novel_scope);
  });
});

describe('novel_resource', () => {
  const sensitive = {
    policy: { resourceSensitivity: [{ pattern: 'db:payroll*', sensitivity: 'high' as const }] },
  };

  it('stays below its threshold for an untiered resource on a medium identity', () => {
    const s = scoreOf(novelResource, event({ at, resource: 'db:audit' }));
    expect(s).toBeGreaterThan(0);
    expect(s).toBeLessThan(DEFAULT_THRESHOLDS.novel_resource);
  });

  it('passes it for a resource tiered high', () => {
    expect(
      scoreOf(novelResource, event({ at, resource: 'db:payroll' }), sensitive),
    ).toBeGreaterThanOrEqual(DEFAULT_THRESHOLDS.novel_resource);
  });

  it('is damped for an identity that adds a new resource every day', () => {
    const daily = learned({
      make: (r, t) => ({
        action: 'read',
        resource:
          r() < 0.03
            ? `db:report-${Math.floor((t - T0) / DAY)}-${Math.floor(r() * 1e6)}`
            : 'db:orders',
      }),
    });
    const steady = scoreOf(novelResource, event({ at, resource: 'db:payroll' }), sensitive);
    const damped = scoreOf(novelResource, event({ at, resource: 'db:payroll' }), sensitive, daily);
    expect(daily.newValuesPerDay('resource', at)).toBeGreaterThan(1);
    expect(damped).toBeLessThan(steady * 0.5);
    expect(damped).toBeLessThan(DEFAULT_THRESHOLDS.novel_resource);
  });

  it('is silent for an identity that touches a new object on most calls', () => {
    const churn = learned({
      make: (r) => ({ action: 'put', resource: `s3:logs/${Math.floor(r() * 1e9)}` }),
    });
    expect(
      novelResource(ctx(event({ at, resource: 's3:logs/new' }), identity(), churn)),
    ).toBeNull();
  });

  it('is silent in a saturated dimension', () => {
    const b = absorbAll(
      new Baseline('svc-payments'),
      Array.from({ length: MAX_VALUES_PER_DIMENSION + 1 }, (_, i) =>
        event({ at: T0 + i * 1000, resource: `r-${i}` }),
      ),
    );
    expect(b.isSaturated('resource')).toBe(true);
    expect(
      novelResource(ctx(event({ at, resource: 'db:payroll' }), identity(sensitive), b)),
    ).toBeNull();
  });

  it("takes a brand-new identity's first resource for its workload", () => {
    expect(
      novelResource(
        ctx(
          event({ at, resource: 'db:payroll' }),
          identity(sensitive),
          new Baseline('svc-payments'),
        ),
      ),
    ).toBeNull();
  });

  it('reports a new sensitive resource once a young identity has settled on its own', () => {
    const settled = absorbAll(
      new Baseline('svc-payments'),
      Array.from({ length: 50 }, (_, i) => event({ at: T0 + i * 60_000, resource: 'db:orders' })),
    );
    const e = event({ at: T0 + HOUR, resource: 'db:payroll' });
    const d = novelResource(ctx(e, identity(sensitive), settled))!;
    expect(d.score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLDS.novel_resource);
    expect(d.reason).toContain('for the first time');
  });

  it('stays silent while a young identity is still spreading over its resources', () => {
    const spreading = absorbAll(
      new Baseline('svc-payments'),
      Array.from({ length: 30 }, (_, i) =>
        event({ at: T0 + i * 60_000, resource: `db:orders-${i % 20}` }),
      ),
    );
    const e = event({ at: T0 + HOUR, resource: 'db:payroll' });
    expect(scoreOf(novelResource, e, sensitive, spreading)).toBeLessThan(
      DEFAULT_THRESHOLDS.novel_resource / 2,
    );
  });

  it('names the first resource of an identity that had used none in many calls', () => {
    const scopeOnly = absorbAll(
      new Baseline('svc-payments'),
      Array.from({ length: 100 }, (_, i) =>
        event({ at: T0 + i * 60_000, scope: 'db:read', resource: null }),
      ),
    );
    const e = event({ at: T0 + 2 * HOUR, resource: 'db:payroll' });
    const d = novelResource(ctx(e, identity(sensitive), scopeOnly))!;
    expect(d.score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLDS.novel_resource);
    expect(d.reason).toContain('first resource');
  });
});

describe('novel_tool', () => {
  const agent = { id: 'agent-1', kind: 'ai_agent' as const };
  const tools = learned({
    identityId: 'agent-1',
    make: (r) => ({
      type: 'tool.invoked',
      action: 'invoke',
      attributes: { tool: pick(r, ['kb.search', 'ticket.read']) },
    }),
  });
  const invoke = (tool: string) =>
    event({
      at,
      identityId: 'agent-1',
      type: 'tool.invoked',
      action: 'invoke',
      attributes: { tool },
    });

  it('fires for a tool the agent never invoked', () => {
    const d = novelTool(ctx(invoke('email.send'), identity(agent), tools))!;
    expect(d.kind).toBe('novel_tool');
    expect(d.value).toBe('email.send');
    expect(d.score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLDS.novel_tool);
  });

  it('does not fire for a known tool, or outside tool.invoked', () => {
    expect(novelTool(ctx(invoke('kb.search'), identity(agent), tools))).toBeNull();
    expect(
      novelTool(
        ctx(
          event({ at, identityId: 'agent-1', attributes: { tool: 'email.send' } }),
          identity(agent),
          tools,
        ),
      ),
    ).toBeNull();
  });
});
