import {
  BUILT_IN_PLAYBOOKS,
  DEFAULT_SWEEP_SETTINGS,
  SWEEP_META,
  certificateExpiringFinding,
  dormancyStep,
  matchPlaybook,
  rotationOverdueFinding,
  sweepFingerprint,
  sweepReport,
  telemetryGapFinding,
  unusedPrivilegeFindings,
  withinCeiling,
  type DormancyMark,
} from '@vigil/domain';
import { SWEEP_KINDS } from '@vigil/contracts';
import { DAY, HOUR, T0, event, steady, subject } from './support';

const settings = DEFAULT_SWEEP_SETTINGS;

describe('rotation overdue sweep', () => {
  const declared = {
    id: 'key-ledger',
    policy: { rotationPeriodDays: 30, rotationToleranceDays: 5 },
  };
  const rotated = event({
    identityId: 'key-ledger',
    type: 'credential.rotated',
    action: 'rotate',
    at: T0,
  });
  const use = steady('key-ledger', T0 + HOUR, T0 + 10 * DAY, 24);

  it('finds a credential past period + tolerance, used or idle, with what to act on', () => {
    const s = subject({ ...declared, createdAt: T0 }, [rotated, ...use]);
    expect(rotationOverdueFinding(s, T0 + 35 * DAY)).toBeNull();
    const finding = rotationOverdueFinding(s, T0 + 41 * DAY)!;
    expect(finding).toMatchObject({
      kind: 'rotation_overdue',
      value: `rotated-${new Date(T0).toISOString().slice(0, 10)}`,
      details: {
        lastRotationAt: new Date(T0).toISOString(),
        dueAt: new Date(T0 + 35 * DAY).toISOString(),
        overdueDays: 6,
        rotationPeriodDays: 30,
        rotationToleranceDays: 5,
        lastEventAt: new Date(use.at(-1)!.time).toISOString(),
      },
    });
    expect(finding.score).toBeCloseTo(0.6 + 0.4 * (6 / 30), 3);
  });

  it('counts from the first event when never rotated, and ignores undeclared or inactive ones', () => {
    const never = subject({ ...declared, createdAt: T0 }, use);
    expect(rotationOverdueFinding(never, T0 + HOUR + 36 * DAY)?.value).toMatch(/^since-/);
    const undeclared = subject({ id: 'key-ledger', createdAt: T0 }, use);
    expect(rotationOverdueFinding(undeclared, T0 + 400 * DAY)).toBeNull();
    const retired = subject({ ...declared, status: 'retired', createdAt: T0 }, use);
    expect(rotationOverdueFinding(retired, T0 + 400 * DAY)).toBeNull();
    const silent = subject({ ...declared, createdAt: T0 });
    expect(rotationOverdueFinding(silent, T0 + 400 * DAY)).toBeNull();
  });

  it('keeps one fingerprint for one overdue credential across runs, a new one after rotation', () => {
    const s = subject({ ...declared, createdAt: T0 }, [rotated, ...use]);
    const a = rotationOverdueFinding(s, T0 + 36 * DAY)!;
    const b = rotationOverdueFinding(s, T0 + 36 * DAY + HOUR)!;
    expect(sweepFingerprint(a, T0 + 36 * DAY)).toBe(sweepFingerprint(b, T0 + 36 * DAY + HOUR));
    const again = event({
      identityId: 'key-ledger',
      type: 'credential.rotated',
      action: 'rotate',
      at: T0 + 37 * DAY,
    });
    const later = subject({ ...declared, createdAt: T0 }, [rotated, ...use, again]);
    expect(rotationOverdueFinding(later, T0 + 38 * DAY)).toBeNull();
    const next = rotationOverdueFinding(later, T0 + 80 * DAY)!;
    expect(sweepFingerprint(next, T0 + 80 * DAY)).not.toBe(sweepFingerprint(a, T0 + 36 * DAY));
  });

  it('matches the rotate-credential playbook and runs it without a human', () => {
    const s = subject({ ...declared, criticality: 'medium', createdAt: T0 }, [rotated, ...use]);
    const finding = rotationOverdueFinding(s, T0 + 41 * DAY)!;
    const report = sweepReport(finding, s.identity, {
      reportId: 'r',
      asOf: T0 + 41 * DAY,
      sweepRunId: 'run',
    });
    const playbook = matchPlaybook(
      BUILT_IN_PLAYBOOKS,
      report.kind,
      s.identity.kind,
      report.evidence,
    )!;
    expect(playbook.id).toBe('rotate-credential');
    expect(withinCeiling(playbook, report.severity, s.identity.criticality).automatic).toBe(true);
  });
});

describe('certificate expiry sweep', () => {
  const cert = {
    id: 'cert-api',
    kind: 'certificate' as const,
    policy: { certificateValidityDays: 90 },
  };
  const renewed = event({
    identityId: 'cert-api',
    type: 'certificate.renewed',
    action: 'renew',
    at: T0,
  });

  it('flags a certificate inside its renewal window (a third of its validity), then expired', () => {
    const s = subject({ ...cert, createdAt: T0 - 10 * DAY }, [renewed]);
    expect(certificateExpiringFinding(s, T0 + 59 * DAY, settings)).toBeNull();
    const soon = certificateExpiringFinding(s, T0 + 80 * DAY, settings)!;
    expect(soon).toMatchObject({
      kind: 'certificate_expiring',
      value: `expires-${new Date(T0 + 90 * DAY).toISOString().slice(0, 10)}`,
      details: { issuedAtSource: 'renewal', renewBeforeDays: 30, daysLeft: 10, expired: false },
    });
    const gone = certificateExpiringFinding(s, T0 + 95 * DAY, settings)!;
    expect(gone.details).toMatchObject({ expired: true, daysLeft: -5 });
    expect(gone.score).toBe(1);
    expect(gone.value).toBe(soon.value);
  });

  it('caps the window at 30 days, and counts from the first event or the declaration', () => {
    const yearly = subject({ ...cert, policy: { certificateValidityDays: 365 }, createdAt: T0 });
    expect(certificateExpiringFinding(yearly, T0 + 330 * DAY, settings)).toBeNull();
    expect(certificateExpiringFinding(yearly, T0 + 340 * DAY, settings)?.details).toMatchObject({
      issuedAtSource: 'declaration',
      renewBeforeDays: 30,
    });
    const used = subject({ ...cert, createdAt: T0 }, [
      event({ identityId: 'cert-api', at: T0 + 5 * DAY }),
    ]);
    expect(certificateExpiringFinding(used, T0 + 70 * DAY, settings)?.details).toMatchObject({
      issuedAtSource: 'first_event',
    });
  });

  it('leaves certificates without a declared validity, and inactive ones, alone', () => {
    expect(
      certificateExpiringFinding(
        subject({ id: 'cert-api', createdAt: T0 }),
        T0 + 900 * DAY,
        settings,
      ),
    ).toBeNull();
    const retired = subject({ ...cert, status: 'retired', createdAt: T0 });
    expect(certificateExpiringFinding(retired, T0 + 900 * DAY, settings)).toBeNull();
  });
});

describe('telemetry gap sweep', () => {
  const id = 'svc-hourly';
  // Every hour for 7 days, then nothing.
  const history = steady(id, T0, T0 + 7 * DAY, 1);
  const last = Date.parse(history.at(-1)!.time);

  it('flags an identity silent past its usual cadence, with expected cadence vs silence', () => {
    const s = subject({ id, createdAt: T0 }, history);
    expect(telemetryGapFinding(s, last + 5 * HOUR, settings)).toBeNull();
    const finding = telemetryGapFinding(s, last + 9 * HOUR, settings)!;
    expect(finding).toMatchObject({
      kind: 'telemetry_gap',
      value: `silent-since-${new Date(last).toISOString()}`,
      details: {
        lastEventAt: new Date(last).toISOString(),
        silentHours: 9,
        thresholdHours: 6,
        expectedCadence: { medianGapHours: 1, longestUsualGapHours: 1 },
      },
    });
    // The next run, an hour later, is the same silence.
    expect(telemetryGapFinding(s, last + 10 * HOUR, settings)!.value).toBe(finding.value);
  });

  it('allows for an identity’s own long silences (weekdays only, nightly jobs)', () => {
    // Once a day at 02:00 for three weeks: a 30-hour silence is normal for it.
    const nightly = steady(id, T0 + 2 * HOUR, T0 + 21 * DAY, 24);
    const s = subject({ id, createdAt: T0 }, [
      ...nightly,
      ...steady(id, T0 + 3 * HOUR, T0 + 21 * DAY, 24),
    ]);
    const lastNightly = Date.parse(nightly.at(-1)!.time);
    expect(telemetryGapFinding(s, lastNightly + 30 * HOUR, settings)).toBeNull();
    expect(telemetryGapFinding(s, lastNightly + 40 * HOUR, settings)).not.toBeNull();
  });

  it('needs enough history, an active identity, and leaves long silences to dormancy', () => {
    const young = subject({ id, createdAt: T0 }, steady(id, T0, T0 + 20 * HOUR, 1));
    expect(telemetryGapFinding(young, T0 + 40 * HOUR, settings)).toBeNull();
    const suspended = subject({ id, status: 'suspended', createdAt: T0 }, history);
    expect(telemetryGapFinding(suspended, last + 9 * HOUR, settings)).toBeNull();
    const s = subject({ id, createdAt: T0 }, history);
    expect(telemetryGapFinding(s, last + 31 * DAY, settings)).toBeNull();
  });
});

describe('unused privilege sweep', () => {
  const id = 'svc-reports';
  const policy = {
    allowedScopes: ['reports:read:*', 'secrets:write:vault/prod/*'],
    allowedTools: ['pdf.render'],
    resourceSensitivity: [{ pattern: 'secrets:*', sensitivity: 'critical' as const }],
  };
  const events = [
    event({ identityId: id, at: T0 + DAY, scope: 'reports:read:q3' }),
    event({
      identityId: id,
      at: T0 + DAY,
      type: 'tool.invoked',
      attributes: { tool: 'pdf.render' },
    }),
    event({ identityId: id, at: T0 + 50 * DAY, scope: 'reports:read:q4' }),
  ];

  it('flags each grant unused for N days, with its last use, and a never-used one from its declaration', () => {
    const s = subject({ id, policy, createdAt: T0 }, events);
    const findings = unusedPrivilegeFindings(s, T0 + 60 * DAY, settings);
    expect(findings.map((f) => [f.value, f.details.dimension])).toEqual([
      ['secrets:write:vault/prod/*', 'scope'],
      ['pdf.render', 'tool'],
    ]);
    expect(findings[0]).toMatchObject({
      sensitivity: 'critical',
      details: {
        lastUsedAt: null,
        unusedDays: 60,
        thresholdDays: 30,
        declaredAt: new Date(T0).toISOString(),
      },
    });
    expect(findings[1].details).toMatchObject({
      lastUsedAt: new Date(T0 + DAY).toISOString(),
      unusedDays: 59,
    });
  });

  it('reports nothing before N days, nor for inactive identities', () => {
    expect(
      unusedPrivilegeFindings(
        subject({ id, policy, createdAt: T0 }, events),
        T0 + 20 * DAY,
        settings,
      ),
    ).toEqual([]);
    const retired = subject({ id, policy, status: 'retired', createdAt: T0 }, events);
    expect(unusedPrivilegeFindings(retired, T0 + 90 * DAY, settings)).toEqual([]);
  });

  it('proposes revoking the scope or the tool, and never without a human', () => {
    const s = subject({ id, policy, criticality: 'low', createdAt: T0 }, events);
    const [scope, tool] = unusedPrivilegeFindings(s, T0 + 60 * DAY, settings);
    for (const [finding, expected] of [
      [scope, 'revoke-unused-scope'],
      [tool, 'revoke-unused-tool'],
    ] as const) {
      const report = sweepReport(finding, s.identity, {
        reportId: 'r',
        asOf: T0 + 60 * DAY,
        sweepRunId: 'run',
      });
      const playbook = matchPlaybook(
        BUILT_IN_PLAYBOOKS,
        'unused_privilege',
        s.identity.kind,
        report.evidence,
      )!;
      expect(playbook.id).toBe(expected);
      expect(withinCeiling(playbook, 'low', 'low').automatic).toBe(false);
    }
    // An agent's unused tool too: the generic tool playbook, not the agent's novel-tool one.
    const agent = subject({ id, kind: 'ai_agent', policy, createdAt: T0 }, events);
    const agentTool = unusedPrivilegeFindings(agent, T0 + 60 * DAY, settings)[1];
    const report = sweepReport(agentTool, agent.identity, {
      reportId: 'r',
      asOf: 0,
      sweepRunId: 'run',
    });
    expect(
      matchPlaybook(BUILT_IN_PLAYBOOKS, 'unused_privilege', 'ai_agent', report.evidence)?.id,
    ).toBe('revoke-unused-tool');
  });
});

describe('dormant identity sweep', () => {
  const id = 'svc-legacy';
  const history = steady(id, T0, T0 + 5 * DAY, 6);
  const last = Date.parse(history.at(-1)!.time);

  it('marks an identity silent for the dormancy period, once', () => {
    const s = subject({ id, createdAt: T0 }, history);
    expect(dormancyStep(s, null, last + 29 * DAY, settings).mark).toBe('keep');
    const step = dormancyStep(s, null, last + 31 * DAY, settings);
    expect(step).toEqual({
      finding: null,
      mark: 'set',
      markValue: { identityId: id, lastEventAt: last, markedAt: last + 31 * DAY },
    });
    expect(dormancyStep(s, step.markValue, last + 32 * DAY, settings).mark).toBe('keep');
  });

  it('reports a marked identity that acts again, with how long it slept, and clears the mark', () => {
    const mark: DormancyMark = { identityId: id, lastEventAt: last, markedAt: last + 31 * DAY };
    const woke = last + 45 * DAY;
    const s = subject({ id, createdAt: T0 }, [
      ...history,
      event({ identityId: id, at: woke + 10 * 60_000 }),
    ]);
    const step = dormancyStep(s, mark, woke + DAY, settings);
    expect(step.mark).toBe('clear');
    expect(step.finding).toMatchObject({
      kind: 'dormant_identity',
      value: `dormant-since-${new Date(last).toISOString().slice(0, 10)}`,
      details: {
        dormantSince: new Date(last).toISOString(),
        reactivatedAt: new Date(woke).toISOString(),
        dormantDays: 45,
        dormancyThresholdDays: 30,
      },
    });
  });

  it('reports a suspended or retired identity acting after its status changed', () => {
    const retiredAt = T0 + 2 * DAY;
    const s = subject({ id, status: 'retired', createdAt: T0, updatedAt: retiredAt }, history);
    const step = dormancyStep(s, null, last + HOUR, settings);
    expect(step.finding).toMatchObject({
      kind: 'dormant_identity',
      value: `retired-${new Date(retiredAt).toISOString()}`,
      details: { status: 'retired', lastEventAt: new Date(last).toISOString() },
    });
    const quiet = subject(
      { id, status: 'suspended', createdAt: T0, updatedAt: last + HOUR },
      history,
    );
    expect(dormancyStep(quiet, null, last + 2 * HOUR, settings).finding).toBeNull();
  });

  it('leaves identities that never acted alone', () => {
    expect(
      dormancyStep(subject({ id, createdAt: T0 }), null, T0 + 90 * DAY, settings),
    ).toMatchObject({
      finding: null,
      mark: 'keep',
    });
  });
});

describe('sweep reports', () => {
  it('map every sweep kind to OWASP NHI and NIST CSF', () => {
    for (const kind of SWEEP_KINDS)
      expect(SWEEP_META[kind]).toEqual({
        owasp: expect.stringMatching(/^NHI\d+$/),
        nist: expect.any(String),
      });
    expect(SWEEP_META.rotation_overdue).toEqual({ owasp: 'NHI7', nist: 'PR.AA-01' });
    expect(SWEEP_META.telemetry_gap.nist).toMatch(/^DE\.CM/);
    expect(SWEEP_META.unused_privilege.owasp).toBe('NHI5');
    expect(SWEEP_META.dormant_identity.owasp).toBe('NHI1');
  });

  it('carry evidence shaped like ingest’s, with a severity from score and criticality', () => {
    const s = subject(
      { id: 'svc-hourly', criticality: 'high', createdAt: T0 },
      steady('svc-hourly', T0, T0 + 7 * DAY, 1),
    );
    const asOf = T0 + 7 * DAY + 12 * HOUR;
    const finding = telemetryGapFinding(s, asOf, settings)!;
    const report = sweepReport(finding, s.identity, {
      reportId: 'rep-1',
      asOf,
      sweepRunId: 'sweep-1/run',
    });
    expect(report).toMatchObject({
      reportId: 'rep-1',
      identityId: 'svc-hourly',
      kind: 'telemetry_gap',
      fingerprint: `svc-hourly.telemetry_gap.${finding.value}`,
      reportedAt: new Date(asOf).toISOString(),
      evidence: {
        detector: 'telemetry_gap',
        source: 'sweep',
        sweepRunId: 'sweep-1/run',
        owasp: 'NHI1',
        nist: 'DE.CM-03',
        value: finding.value,
        details: finding.details,
        routeTo: 'alice@example.com',
        identity: { criticality: 'high', status: 'active' },
      },
    });
    expect(['low', 'medium', 'high', 'critical']).toContain(report.severity);
  });
});
