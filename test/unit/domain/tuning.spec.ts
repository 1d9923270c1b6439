import type { Deviation, TelemetryEvent, Verdict } from '@vigil/contracts';
import {
  AllowanceIndex,
  Baseline,
  DEFAULT_THRESHOLDS,
  DEFAULT_TUNING_POLICY,
  WhatIfReplay,
  allowancesFromVerdicts,
  deviationDimension,
  overlayThresholds,
  planThresholds,
  precisionAt,
  raise,
  subtractDelta,
  tuneThreshold,
  type ThresholdTable,
} from '@vigil/domain';
import { identity } from '../detection/support';

const AT = '2026-11-20T12:00:00.000Z';
let n = 0;

function verdict(
  disposition: Verdict['disposition'],
  score: number,
  extra: Partial<Verdict> = {},
): Verdict {
  n += 1;
  return {
    caseId: `case-${n}`,
    detector: 'off_hours',
    identityId: 'svc-a',
    identityKind: 'service_account',
    disposition,
    score,
    dimension: 'off_hours',
    value: `v-${n}`,
    at: AT,
    ...extra,
  };
}

const tps = (...scores: number[]) => scores.map((s) => verdict('true_positive', s));
const fps = (...scores: number[]) => scores.map((s) => verdict('false_positive', s));
const table = (global = DEFAULT_THRESHOLDS): ThresholdTable => ({ global, byIdentityKind: {} });
const all = () => true;

describe('tuneThreshold', () => {
  const policy = DEFAULT_TUNING_POLICY;

  it('raises the threshold just above the false positives it can shed', () => {
    const verdicts = [...tps(0.9, 0.85, 0.8, 0.95), ...fps(0.62, 0.64, 0.66)];
    const decision = tuneThreshold(verdicts, 0.6, 0.6, policy, 5);
    // The lowest threshold that reaches the target: it sheds the two lowest false positives.
    expect(decision.after).toBe(0.641);
    expect(precisionAt(verdicts, decision.after)).toBe(0.8);
    expect(decision.reason).toMatch(/below the 80% target: raised to 0.641/);
  });

  it('moves at most one step per run', () => {
    const verdicts = [...tps(0.95, 0.96, 0.97, 0.98), ...fps(0.62, 0.8, 0.85, 0.9)];
    const decision = tuneThreshold(verdicts, 0.6, 0.6, policy, 5);
    expect(decision.after).toBeLessThanOrEqual(0.7);
    expect(decision.after).toBeGreaterThan(0.6);
    expect(decision.reason).toMatch(/step-limited/);
  });

  it('never rises above the confirmed cases it must keep (the recall floor)', () => {
    const verdicts = [...tps(0.61, 0.9, 0.9, 0.9), ...fps(0.65, 0.66, 0.67, 0.68)];
    const decision = tuneThreshold(verdicts, 0.6, 0.6, policy, 5);
    expect(decision.after).toBe(0.6);
    expect(decision.reason).toMatch(/without losing confirmed cases/);
  });

  it('does nothing with too few judged cases', () => {
    const decision = tuneThreshold(fps(0.7, 0.7), 0.6, 0.6, policy, 5);
    expect(decision.after).toBe(0.6);
    expect(decision.reason).toMatch(/at least 5 needed/);
  });

  it('relaxes a raised threshold toward its default when precision is well above target', () => {
    const decision = tuneThreshold(tps(0.9, 0.9, 0.9, 0.9, 0.9), 0.8, 0.6, policy, 5);
    expect(decision.after).toBe(0.75);
  });

  it('leaves a threshold at target alone', () => {
    const decision = tuneThreshold([...tps(0.9, 0.9, 0.9, 0.9), ...fps(0.7)], 0.6, 0.6, policy, 5);
    expect(decision.after).toBe(0.6);
  });
});

describe('planThresholds', () => {
  it('moves only detectors with new verdicts', () => {
    const old = [...tps(0.9, 0.9, 0.9), ...fps(0.62, 0.63, 0.64)];
    const plan = planThresholds(old, table(), DEFAULT_THRESHOLDS, () => false);
    expect(plan.changes).toEqual([]);
    expect(plan.unchanged).toEqual([]);
    const again = planThresholds(old, table(), DEFAULT_THRESHOLDS, all);
    expect(again.changes).toHaveLength(1);
    expect(again.changes[0]).toMatchObject({
      detector: 'off_hours',
      identityKind: null,
      before: 0.6,
    });
  });

  it('gives an identity kind with enough verdicts a threshold of its own', () => {
    const agentFps = Array.from({ length: 6 }, () =>
      verdict('false_positive', 0.65, { identityKind: 'ai_agent' }),
    );
    const agentTps = Array.from({ length: 6 }, () =>
      verdict('true_positive', 0.9, { identityKind: 'ai_agent' }),
    );
    const others = Array.from({ length: 20 }, () => verdict('true_positive', 0.7));
    const plan = planThresholds(
      [...agentFps, ...agentTps, ...others],
      table(),
      DEFAULT_THRESHOLDS,
      all,
    );
    const agent = plan.changes.find((c) => c.identityKind === 'ai_agent');
    expect(agent).toMatchObject({ detector: 'off_hours', before: null, after: 0.651 });
    expect(plan.changes.find((c) => c.identityKind === null)).toBeUndefined();
  });
});

describe('allowances', () => {
  const deviation = (kind: Deviation['kind'], value: string, dimension?: string): Deviation => ({
    kind,
    value,
    score: 0.9,
    reason: 'r',
    evidence: dimension ? { dimension } : {},
    owasp: 'NHI5',
    nist: 'DE.CM-09',
    policyViolation: false,
  });
  const expires = Date.parse('2026-12-01T00:00:00Z');
  const index = new AllowanceIndex([
    {
      identityId: 'svc-a',
      detector: 'novel_scope',
      dimension: 'scope',
      value: 'secrets:read',
      expiresAtMs: expires,
    },
  ]);
  const before = expires - 1;

  it('exempt exactly the identity, detector, dimension and value, until expiry', () => {
    expect(index.allows('svc-a', deviation('novel_scope', 'secrets:read', 'scope'), before)).toBe(
      true,
    );
    expect(index.allows('svc-a', deviation('novel_scope', 'secrets:read', 'scope'), expires)).toBe(
      false,
    );
    expect(index.allows('svc-b', deviation('novel_scope', 'secrets:read', 'scope'), before)).toBe(
      false,
    );
    expect(index.allows('svc-a', deviation('novel_scope', 'secrets:write', 'scope'), before)).toBe(
      false,
    );
    expect(
      index.allows('svc-a', deviation('policy_violation', 'secrets:read', 'scope'), before),
    ).toBe(false);
  });

  it('drop the exempt finding in raise and keep the others', () => {
    const raised = raise(
      [deviation('novel_scope', 'secrets:read', 'scope'), deviation('off_hours', 'read')],
      {
        thresholds: DEFAULT_THRESHOLDS,
        learning: false,
        identity: identity({ id: 'svc-a' }),
        sensitivity: 'low',
        eventId: 'e1',
        eventTimeMs: before,
        allowances: index,
      },
    );
    expect(raised.map((r) => r.deviation.kind)).toEqual(['off_hours']);
  });

  it('come from new benign-expected verdicts, one per scope, none for a case that has one', () => {
    const v1 = verdict('benign_expected', 0.7, { value: 'x', caseId: 'c1' });
    const v2 = verdict('benign_expected', 0.7, { value: 'x', caseId: 'c2' });
    const v3 = verdict('benign_expected', 0.7, { value: 'y', caseId: 'c3' });
    const fp = verdict('false_positive', 0.7, { value: 'z', caseId: 'c4' });
    const made = allowancesFromVerdicts(
      [v1, v2, v3, fp],
      new Set(['c3']),
      'run-1',
      new Date(AT),
      30,
    );
    expect(made.map((a) => [a.id, a.value, a.source])).toEqual([
      ['verdict-c1', 'x', 'benign_verdict'],
    ]);
    expect(made[0].expiresAt).toBe('2026-12-20T12:00:00.000Z');
  });

  it('scope by the deviation dimension, else by the detector', () => {
    expect(deviationDimension(deviation('novel_tool', 't', 'tool'))).toBe('tool');
    expect(deviationDimension(deviation('off_hours', 'read'))).toBe('off_hours');
  });
});

describe('subtractDelta', () => {
  const T0 = Date.UTC(2026, 10, 1);
  const ev = (i: number, resource: string): TelemetryEvent => ({
    id: `e${i}`,
    time: new Date(T0 + i * 3_600_000).toISOString(),
    identityId: 'svc-a',
    type: 'secret.accessed',
    action: 'read',
    resource,
    scope: null,
    source: {},
    outcome: 'allowed',
    attributes: {},
  });

  it('rewinds a baseline to before a window of events', () => {
    const early = Array.from({ length: 20 }, (_, i) => ev(i, 'vault:a'));
    const late = [ev(30, 'vault:a'), ev(31, 'vault:b'), ev(32, 'vault:b')];
    const before = new Baseline('svc-a');
    for (const e of early) before.absorb(e, Date.parse(e.time));
    const full = new Baseline('svc-a');
    for (const e of [...early, ...late]) full.absorb(e, Date.parse(e.time));
    const window = new Baseline('svc-a');
    for (const e of late) window.absorb(e, Date.parse(e.time));

    const rewound = subtractDelta(full.toSnapshot(), window.takeDelta()!, Date.parse(late[0].time));
    const expected = before.toSnapshot();
    expect(rewound.eventCount).toBe(expected.eventCount);
    expect(rewound.values.map((v) => [v.dimension, v.value, v.count]).sort()).toEqual(
      expected.values.map((v) => [v.dimension, v.value, v.count]).sort(),
    );
    expect(rewound.hourOfWeek).toEqual(expected.hourOfWeek);
    expect(Baseline.fromSnapshot(rewound).seen('resource', 'vault:b')).toBeUndefined();
  });
});

describe('WhatIfReplay', () => {
  it('counts cases for both threshold sets from one pass', () => {
    const current = table();
    const candidate = overlayThresholds(current, { global: { unclassified_identity: 0.99 } });
    const replay = new WhatIfReplay(current, candidate);
    const who = identity({ id: 'svc-new', kind: 'unclassified' });
    const baseline = new Baseline('svc-new');
    replay.feed(
      {
        id: 'e1',
        time: '2026-11-20T10:00:00.000Z',
        identityId: 'svc-new',
        type: 'secret.accessed',
        action: 'read',
        resource: 'vault:x',
        scope: null,
        source: {},
        outcome: 'allowed',
        attributes: {},
      },
      who,
      baseline,
    );
    expect(replay.eventsProcessed).toBe(1);
    expect(baseline.eventCount).toBe(1);
    const row = replay.results().find((r) => r.detector === 'unclassified_identity');
    expect(row).toEqual({
      detector: 'unclassified_identity',
      current: 1,
      candidate: 0,
      difference: -1,
    });
  });
});
