import type { Deviation, Identity, TelemetryEvent } from '@vigil/contracts';
import {
  Baseline,
  DEFAULT_DETECTION_SETTINGS,
  DEFAULT_THRESHOLDS,
  DETECTORS,
  DETECTOR_KINDS,
  FINGERPRINT_PATTERN,
  contextFor,
  detect,
  parseEventTime,
  process as processAlias,
  processEvent,
  raise,
  type RaiseOptions,
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
  rhythm,
} from './support';

const at = AFTER_HISTORY + 10 * HOUR;

function dev(
  kind: Deviation['kind'],
  value: string,
  score: number,
  extra: Partial<Deviation> = {},
): Deviation {
  return {
    kind,
    value,
    score,
    reason: 'r',
    evidence: {},
    owasp: 'NHI5',
    nist: 'PR.AA-05',
    policyViolation: false,
    ...extra,
  };
}

function options(input: Partial<RaiseOptions> = {}): RaiseOptions {
  return {
    thresholds: DEFAULT_THRESHOLDS,
    learning: false,
    identity: identity(),
    sensitivity: 'low',
    eventId: 'evt-1',
    eventTimeMs: at,
    ...input,
  };
}

describe('the detector registry', () => {
  it('holds every detector kind exactly once', () => {
    expect(DETECTORS.map((d) => d.kind).sort()).toEqual([...DETECTOR_KINDS].sort());
  });

  it('has a default threshold in [0, 1] for every exception kind', () => {
    for (const value of Object.values(DEFAULT_THRESHOLDS)) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(1);
    }
  });
});

describe('detect', () => {
  const b = learned();

  it('runs the detectors for the event type only', () => {
    const kinds = (e: TelemetryEvent, id: Identity = identity()) =>
      detect(ctx(e, id, b)).map((d) => d.kind);
    expect(kinds(event({ at, type: 'tool.invoked', attributes: { tool: 'new.tool' } }))).toContain(
      'novel_tool',
    );
    expect(
      kinds(event({ at, type: 'api.called', attributes: { tool: 'new.tool' } })),
    ).not.toContain('novel_tool');
    expect(kinds(event({ at, type: 'privilege.elevated', scope: 'db:read' }))).toContain(
      'privilege_elevation',
    );
  });

  it('returns nothing for a routine event', () => {
    expect(
      detect(
        ctx(event({ at, action: 'read', scope: 'db:read', resource: 'db:orders' }), identity(), b),
      ),
    ).toEqual([]);
  });

  it('skips disabled detectors', () => {
    const e = event({ at, scope: 'db:admin' });
    expect(detect(ctx(e, identity(), b)).map((d) => d.kind)).toContain('novel_scope');
    expect(
      detect(ctx(e, identity(), b), {
        ...DEFAULT_DETECTION_SETTINGS,
        disabled: new Set(['novel_scope']),
      }),
    ).toEqual([]);
  });

  it('while learning, runs only what the cold-start rule lets through', () => {
    const young = absorbAll(
      new Baseline('svc-payments'),
      Array.from({ length: 30 }, (_, i) => event({ at: T0 + i * 60_000, scope: 'db:read' })),
    );
    const declared = identity({ policy: { allowedScopes: ['db:*'] } });
    const e = event({ at: T0 + HOUR, scope: 'vault:admin' });
    expect(
      detect(ctx(e, declared, young), DEFAULT_DETECTION_SETTINGS, true).map((d) => d.kind),
    ).toEqual(['policy_violation']);
    expect(detect(ctx(e, declared, young)).map((d) => d.kind)).toEqual([
      'policy_violation',
      'novel_scope',
    ]);
  });
});

describe('raise', () => {
  it('applies per-kind thresholds, which callers may override', () => {
    const d = dev('novel_resource', 'db:x', 0.55);
    expect(raise([d], options())).toEqual([]);
    expect(
      raise([d], options({ thresholds: { ...DEFAULT_THRESHOLDS, novel_resource: 0.5 } })),
    ).toHaveLength(1);
  });

  it('computes severity and a valid fingerprint, and carries the event', () => {
    const [r] = raise(
      [dev('novel_scope', 'secrets read', 0.95)],
      options({ identity: identity({ criticality: 'high' }), sensitivity: 'critical' }),
    );
    expect(r.severity).toBe('critical');
    expect(r.identityId).toBe('svc-payments');
    expect(r.eventId).toBe('evt-1');
    expect(FINGERPRINT_PATTERN.test(r.fingerprint)).toBe(true);
    expect(r.fingerprint).toMatch(/^svc-payments\.novel_scope\.secrets_read\+[0-9a-f]{16}$/);
  });

  describe('while the identity is learning', () => {
    it('drops findings that need a baseline', () => {
      expect(
        raise(
          [dev('rate_spike', 'read', 0.9), dev('novel_scope', 'x', 0.9)],
          options({ learning: true }),
        ),
      ).toEqual([]);
    });

    it('keeps policy violations', () => {
      const raised = raise(
        [dev('cross_environment', 'dev', 0.8, { policyViolation: true })],
        options({ learning: true }),
      );
      expect(raised.map((r) => r.deviation.kind)).toEqual(['cross_environment']);
    });

    it('keeps first-seen access to high and critical resources', () => {
      for (const sensitivity of ['high', 'critical'] as const) {
        expect(
          raise([dev('novel_resource', 'vault:x', 0.9)], options({ learning: true, sensitivity })),
        ).toHaveLength(1);
      }
      const firstElevation = dev('privilege_elevation', 'admin', 0.9, {
        evidence: { firstSeen: true },
      });
      expect(
        raise([firstElevation], options({ learning: true, sensitivity: 'high' })),
      ).toHaveLength(1);
      const knownElevation = dev('privilege_elevation', 'admin', 0.9, {
        evidence: { firstSeen: false },
      });
      expect(raise([knownElevation], options({ learning: true, sensitivity: 'high' }))).toEqual([]);
      expect(
        raise(
          [dev('novel_resource', 'db:x', 0.9)],
          options({ learning: true, sensitivity: 'medium' }),
        ),
      ).toEqual([]);
    });
  });

  describe('within one event', () => {
    const kinds = (ds: Deviation[]) =>
      raise(ds, options()).map((r) => `${r.deviation.kind}:${r.deviation.value}`);

    it('a policy violation covers a novelty and an elevation of the same value', () => {
      expect(
        kinds([
          dev('policy_violation', 'iam:*', 0.8, { policyViolation: true }),
          dev('privilege_elevation', 'iam:*', 0.9),
          dev('novel_scope', 'iam:*', 0.9),
          dev('novel_resource', 'iam:roles', 0.9),
        ]),
      ).toEqual(['policy_violation:iam:*', 'novel_resource:iam:roles']);
    });

    it('an elevation covers a novelty of the same value', () => {
      expect(
        kinds([dev('privilege_elevation', 'db:admin', 0.9), dev('novel_scope', 'db:admin', 0.9)]),
      ).toEqual(['privilege_elevation:db:admin']);
    });

    it('an unusual record set covers any novelty', () => {
      expect(
        kinds([
          dev('unusual_record_set', 'crm:payroll', 0.9),
          dev('novel_resource', 'crm:payroll/1', 0.9),
        ]),
      ).toEqual(['unusual_record_set:crm:payroll']);
    });

    it('several novelties become the strongest, naming the others', () => {
      const raised = raise(
        [dev('novel_resource', 'vault:db', 0.7), dev('novel_scope', 'vault:read', 0.9)],
        options(),
      );
      expect(raised).toHaveLength(1);
      expect(raised[0].deviation.kind).toBe('novel_scope');
      expect(raised[0].deviation.evidence.alsoNovel).toEqual(['novel_resource:vault:db']);
    });

    it('unrelated findings all stay', () => {
      expect(
        kinds([
          dev('rate_spike', 'read', 0.6),
          dev('novel_scope', 'x', 0.6),
          dev('human_use', 'interactive', 0.8),
        ]),
      ).toHaveLength(3);
    });
  });
});

describe('processEvent', () => {
  it('detects on the baseline before the event, then absorbs it', () => {
    const b = learned();
    const before = b.eventCount;
    const e = event({ at, scope: 'db:admin' });
    const raised = processEvent(e, identity(), b);
    expect(raised.map((r) => r.deviation.kind)).toEqual(['novel_scope']);
    expect(b.eventCount).toBe(before + 1);
    expect(b.seen('scope', 'db:admin')?.count).toBe(1);
    expect(processEvent(event({ at: at + 1000, scope: 'db:admin' }), identity(), b)).toEqual([]);
  });

  it('uses a time the caller already parsed', () => {
    const b = new Baseline('svc-payments');
    processEvent(event({ at }), identity(), b, DEFAULT_DETECTION_SETTINGS, at + 5000);
    expect(b.lastEventAt).toBe(at + 5000);
  });

  it('refuses an event without a valid time', () => {
    expect(() =>
      processEvent({ ...event({ at }), time: 'yesterday' }, identity(), new Baseline('x')),
    ).toThrow(/valid time/);
    expect(() =>
      contextFor({ ...event({ at }), time: 'soon' }, identity(), new Baseline('x')),
    ).toThrow(/valid time/);
  });

  it('is exported as process too', () => {
    expect(processAlias).toBe(processEvent);
  });

  it('raises exactly what detect + raise raise, learning or not', () => {
    const id = identity({
      criticality: 'high',
      environment: 'prod',
      policy: {
        allowedScopes: ['db:*'],
        rotationPeriodDays: 3,
        resourceSensitivity: [{ pattern: 'vault:*', sensitivity: 'critical' }],
      },
    });
    const events = rhythm({
      identityId: id.id,
      seed: 5,
      days: 10,
      hours: [0, 23],
      perHour: [0, 6],
      make: (r) => ({
        type: pick(r, ['api.called', 'scope.requested', 'tool.invoked', 'credential.rotated']),
        action: pick(r, ['read', 'write']),
        scope: pick(r, ['db:read', 'db:read', 'vault:read', 'iam:*']),
        resource: pick(r, ['db:a', 'db:b', 'vault:x', `vault:${Math.floor(r() * 50)}`]),
        attributes: { tool: pick(r, ['t1', 't2']) },
        source: {
          environment: pick(r, ['prod', 'prod', 'prod', 'staging']),
          ip: `10.0.0.${Math.floor(r() * 9)}`,
        },
      }),
    });
    const fast = new Baseline(id.id);
    const slow = new Baseline(id.id);
    let compared = 0;
    for (const e of events) {
      const t = Date.parse(e.time);
      const expected = raise(detect(contextFor(e, id, slow, t)), {
        thresholds: DEFAULT_THRESHOLDS,
        learning: slow.isLearning(),
        identity: id,
        sensitivity: contextFor(e, id, slow, t).sensitivity,
        eventId: e.id,
        eventTimeMs: t,
      });
      slow.absorb(e, t);
      expect(processEvent(e, id, fast)).toEqual(expected);
      compared += expected.length;
    }
    expect(compared).toBeGreaterThan(10);
  });
});

describe('parseEventTime', () => {
  it.each([
    '2026-11-24T10:00:00Z',
    '2026-11-24T10:00:00.123Z',
    '2024-02-29T23:59:59.999Z',
    '2026-11-24T10:00:00+02:00',
    '2026-11-24T10:00:00.123456Z',
  ])('agrees with Date.parse on %s', (text) => {
    expect(parseEventTime(text)).toBe(Date.parse(text));
  });

  it.each([
    '2026-02-31T00:00:00Z',
    '2025-02-29T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-11-24T10:61:00Z',
    'nonsense',
  ])('rejects %s', (text) => {
    expect(parseEventTime(text)).toBeNaN();
  });

  it('is what the view and the day arithmetic use', () => {
    expect(parseEventTime(new Date(T0 + DAY).toISOString())).toBe(T0 + DAY);
  });
});
