import {
  Baseline,
  renewalOutsideWindow,
  rotationOutsideWindow,
  rotationOverdue,
  rotationToleranceDays,
} from '@vigil/domain';
import { DAY, HOUR, T0, absorbAll, ctx, event, identity } from './support';

const rotated = (at: number) => event({ at, type: 'credential.rotated', action: 'rotate' });
const renewed = (at: number) => event({ at, type: 'certificate.renewed', action: 'renew' });
const declared = identity({ policy: { rotationPeriodDays: 30, rotationToleranceDays: 3 } });

describe('rotation_outside_window against a declared period', () => {
  const b = absorbAll(new Baseline('svc-payments'), [rotated(T0)]);
  const check = (days: number) => rotationOutsideWindow(ctx(rotated(T0 + days * DAY), declared, b));

  it.each([27, 28.5, 30, 33])('accepts a rotation %f days after the previous', (days) => {
    expect(check(days)).toBeNull();
  });

  it('flags an early rotation as a policy violation', () => {
    const d = check(26.9)!;
    expect(d.kind).toBe('rotation_outside_window');
    expect(d.policyViolation).toBe(true);
    expect(d.evidence).toMatchObject({
      direction: 'early',
      expectedDays: 30,
      toleranceDays: 3,
      expectation: 'declared',
    });
    expect(d.value).toBe('2026-10-31');
    expect(d.score).toBeGreaterThanOrEqual(0.6);
    expect(d.owasp).toBe('NHI7');
  });

  it('flags a late rotation, scoring higher the later it is', () => {
    const late = check(33.1)!;
    const later = check(50)!;
    expect(late.evidence.direction).toBe('late');
    expect(later.score).toBeGreaterThan(late.score);
    expect(later.score).toBeLessThanOrEqual(1);
  });

  it('needs a previous rotation to measure from', () => {
    expect(
      rotationOutsideWindow(ctx(rotated(T0), declared, new Baseline('svc-payments'))),
    ).toBeNull();
  });

  it('ignores a repeat of the same moment and late arrivals', () => {
    expect(check(0)).toBeNull();
    expect(check(-5)).toBeNull();
  });

  it('defaults the tolerance to 10% of the period, at least a day', () => {
    expect(rotationToleranceDays(identity({ policy: { rotationPeriodDays: 90 } }).policy)).toBe(9);
    expect(rotationToleranceDays(identity({ policy: { rotationPeriodDays: 5 } }).policy)).toBe(1);
    expect(
      rotationToleranceDays(
        identity({ policy: { rotationPeriodDays: 90, rotationToleranceDays: 0 } }).policy,
      ),
    ).toBe(0);
  });
});

describe('rotation_outside_window against the learned interval', () => {
  const weekly = absorbAll(new Baseline('svc-payments'), [
    rotated(T0),
    rotated(T0 + 7 * DAY),
    rotated(T0 + 14 * DAY),
  ]);
  const undeclared = identity();

  it('accepts the usual interval and flags one far from it, without a policy violation', () => {
    expect(
      rotationOutsideWindow(ctx(rotated(T0 + 21 * DAY + 6 * HOUR), undeclared, weekly)),
    ).toBeNull();
    const d = rotationOutsideWindow(ctx(rotated(T0 + 30 * DAY), undeclared, weekly))!;
    expect(d.evidence).toMatchObject({
      direction: 'late',
      expectation: 'learned',
      expectedDays: 7,
    });
    expect(d.policyViolation).toBe(false);
  });

  it('needs two intervals before it has an expectation', () => {
    const once = absorbAll(new Baseline('svc-payments'), [rotated(T0), rotated(T0 + 7 * DAY)]);
    expect(rotationOutsideWindow(ctx(rotated(T0 + 60 * DAY), undeclared, once))).toBeNull();
  });
});

describe('renewal_outside_window', () => {
  const cert = identity({
    id: 'cert-gw',
    kind: 'certificate',
    policy: { rotationPeriodDays: 90, rotationToleranceDays: 7 },
  });
  const b = absorbAll(new Baseline('cert-gw'), [renewed(T0)]);

  it('flags a certificate renewed 30 days into a 90-day period', () => {
    const d = renewalOutsideWindow(ctx(renewed(T0 + 30 * DAY), cert, b))!;
    expect(d.kind).toBe('renewal_outside_window');
    expect(d.reason).toContain('renewed 30 days after its previous renewal');
    expect(d.policyViolation).toBe(true);
  });

  it('accepts one inside the window, and ignores rotations', () => {
    expect(renewalOutsideWindow(ctx(renewed(T0 + 88 * DAY), cert, b))).toBeNull();
    expect(renewalOutsideWindow(ctx(rotated(T0 + 30 * DAY), cert, b))).toBeNull();
  });
});

describe('rotation_overdue', () => {
  const key = identity({
    id: 'key-1',
    kind: 'api_key',
    policy: { rotationPeriodDays: 30, rotationToleranceDays: 5 },
  });
  const use = (at: number) => event({ at, identityId: 'key-1', type: 'token.used' });

  function withRotationAt(at: number): Baseline {
    return absorbAll(new Baseline('key-1'), [rotated(at), use(at + HOUR)]);
  }

  it('is silent up to period + tolerance after the last rotation', () => {
    expect(rotationOverdue(ctx(use(T0 + 35 * DAY), key, withRotationAt(T0)))).toBeNull();
  });

  it('fires after it, valued by the rotation date so the credential has one case', () => {
    const d = rotationOverdue(ctx(use(T0 + 35 * DAY + 1), key, withRotationAt(T0)))!;
    expect(d.kind).toBe('rotation_overdue');
    expect(d.value).toBe('rotated-2026-10-05');
    expect(d.policyViolation).toBe(true);
    expect(d.evidence).toMatchObject({ rotationPeriodDays: 30, rotationToleranceDays: 5 });
    const later = rotationOverdue(ctx(use(T0 + 60 * DAY), key, withRotationAt(T0)))!;
    expect(later.value).toBe(d.value);
    expect(later.score).toBeGreaterThan(d.score);
  });

  it('reports once a day', () => {
    const b = withRotationAt(T0);
    const first = use(T0 + 40 * DAY + 2 * HOUR);
    expect(rotationOverdue(ctx(first, key, b))).not.toBeNull();
    b.absorb(first, Date.parse(first.time));
    expect(rotationOverdue(ctx(use(T0 + 40 * DAY + 5 * HOUR), key, b))).toBeNull();
    expect(rotationOverdue(ctx(use(T0 + 41 * DAY + 1 * HOUR), key, b))).not.toBeNull();
  });

  it('measures from the first event when the credential was never rotated', () => {
    const b = absorbAll(new Baseline('key-1'), [use(T0)]);
    const d = rotationOverdue(ctx(use(T0 + 40 * DAY), key, b))!;
    expect(d.value).toBe('since-2026-10-05');
    expect(d.reason).toContain('without a recorded rotation');
  });

  it('counts a certificate renewal as the last rotation', () => {
    const cert = identity({
      id: 'key-1',
      kind: 'certificate',
      policy: { rotationPeriodDays: 30, rotationToleranceDays: 5 },
    });
    const b = absorbAll(new Baseline('key-1'), [use(T0), renewed(T0 + 20 * DAY)]);
    expect(rotationOverdue(ctx(use(T0 + 40 * DAY), cert, b))).toBeNull();
  });

  it('needs a declared period, and is not raised by the rotation itself', () => {
    const b = withRotationAt(T0);
    expect(rotationOverdue(ctx(use(T0 + 400 * DAY), identity({ id: 'key-1' }), b))).toBeNull();
    expect(rotationOverdue(ctx(rotated(T0 + 400 * DAY), key, b))).toBeNull();
    expect(rotationOverdue(ctx(use(T0), key, new Baseline('key-1')))).toBeNull();
  });
});
