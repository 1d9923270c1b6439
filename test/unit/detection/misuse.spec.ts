import type { TelemetryEvent } from '@vigil/contracts';
import {
  Baseline,
  DEFAULT_THRESHOLDS,
  RECORD_VOLUME_RULE,
  humanUse,
  unusualRecordSet,
} from '@vigil/domain';
import {
  AFTER_HISTORY,
  DAY,
  HOUR,
  absorbAll,
  ctx,
  event,
  identity,
  learned,
  pick,
} from './support';

const at = AFTER_HISTORY + 10 * HOUR;
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

describe('human_use', () => {
  const b = learned();

  it('fires for a service account used from a browser', () => {
    const d = humanUse(ctx(event({ at, source: { userAgent: CHROME } }), identity(), b))!;
    expect(d.kind).toBe('human_use');
    expect(d.value).toMatch(/^browser:mozilla\//);
    expect(d.owasp).toBe('NHI10');
    expect(d.score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLDS.human_use);
    expect(d.evidence).toMatchObject({ userAgent: CHROME });
  });

  it('fires for an interactive session and a console login', () => {
    expect(
      humanUse(ctx(event({ at, attributes: { interactive: true } }), identity(), b))?.value,
    ).toBe('interactive');
    expect(
      humanUse(ctx(event({ at, type: 'auth.login', attributes: { mfa: 'totp' } }), identity(), b))
        ?.value,
    ).toBe('console-login');
    expect(
      humanUse(
        ctx(
          event({ at, type: 'auth.failed', attributes: { loginType: 'console' } }),
          identity(),
          b,
        ),
      )?.value,
    ).toBe('console-login');
  });

  it('is silent for SDKs, CLIs and headless automation', () => {
    for (const userAgent of [
      'aws-sdk-go/1.44.12 (go1.20; linux; amd64)',
      'aws-cli/2.13.0 Python/3.11.4',
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/120.0.0.0 Safari/537.36',
    ]) {
      expect(humanUse(ctx(event({ at, source: { userAgent } }), identity(), b))).toBeNull();
    }
    expect(humanUse(ctx(event({ at, attributes: { mfa: true } }), identity(), b))).toBeNull();
  });

  it('lets OAuth apps act from their users’ browsers', () => {
    const app = identity({ kind: 'oauth_app', vendor: 'Acme' });
    expect(humanUse(ctx(event({ at, source: { userAgent: CHROME } }), app, b))).toBeNull();
  });

  it('reports browser use once a day per user agent', () => {
    const seen = learned();
    const first = event({ at, source: { userAgent: CHROME } });
    seen.absorb(first, Date.parse(first.time));
    expect(
      humanUse(ctx(event({ at: at + HOUR, source: { userAgent: CHROME } }), identity(), seen)),
    ).toBeNull();
    expect(
      humanUse(ctx(event({ at: at + DAY, source: { userAgent: CHROME } }), identity(), seen)),
    ).not.toBeNull();
  });
});

describe('unusual_record_set', () => {
  const app = identity({
    id: 'oauth-acme',
    kind: 'oauth_app',
    vendor: 'Acme CRM',
    owner: 'sales-ops@example.com',
  });
  const reads = learned({
    identityId: 'oauth-acme',
    make: (r) => ({
      type: 'record.accessed',
      action: 'read',
      resource: `crm:${pick(r, ['contacts', 'accounts'])}/${Math.floor(r() * 1e6)}`,
      attributes: { recordCount: 1 + Math.floor(r() * 20) },
    }),
  });
  const read = (resource: string, recordCount = 10, when = at): TelemetryEvent =>
    event({
      at: when,
      identityId: 'oauth-acme',
      type: 'record.accessed',
      action: 'read',
      resource,
      attributes: { recordCount },
    });

  it('fires for a record set the vendor app never read, naming the vendor and its owner', () => {
    const d = unusualRecordSet(ctx(read('crm:payroll/1'), app, reads))!;
    expect(d).toMatchObject({
      kind: 'unusual_record_set',
      value: 'crm:payroll',
      owasp: 'NHI3',
      nist: 'DE.CM-06',
    });
    expect(d.score).toBeGreaterThanOrEqual(DEFAULT_THRESHOLDS.unusual_record_set);
    expect(d.evidence).toMatchObject({
      vendor: 'Acme CRM',
      owner: 'sales-ops@example.com',
      recordSet: 'crm:payroll',
      knownRecordSets: expect.arrayContaining(['crm:contacts', 'crm:accounts']),
    });
    expect(d.reason).toContain('Acme CRM');
  });

  it('is silent for its usual record sets and usual volumes', () => {
    expect(unusualRecordSet(ctx(read('crm:contacts/77'), app, reads))).toBeNull();
  });

  it('fires when the hourly record volume bursts', () => {
    const b = learned({
      identityId: 'oauth-acme',
      make: (r) => ({
        type: 'record.accessed',
        resource: `crm:contacts/${Math.floor(r() * 1e6)}`,
        attributes: { recordCount: 1 + Math.floor(r() * 20) },
      }),
    });
    const d = unusualRecordSet(ctx(read('crm:contacts/1', 50_000), app, b))!;
    expect(d.value).toMatch(/^volume-/);
    expect(d.evidence.recordsThisHour).toBe(50_000);
    expect(d.evidence.recordsThisHour as number).toBeGreaterThanOrEqual(
      RECORD_VOLUME_RULE.minCount,
    );
  });

  it('covers any identity with a vendor, and no first-party identity', () => {
    const vendored = identity({ id: 'oauth-acme', kind: 'service_account', vendor: 'Acme CRM' });
    expect(unusualRecordSet(ctx(read('crm:payroll/1'), vendored, reads))).not.toBeNull();
    expect(
      unusualRecordSet(ctx(read('crm:payroll/1'), identity({ id: 'oauth-acme' }), reads)),
    ).toBeNull();
  });

  it('needs a record history, and only applies to record reads', () => {
    expect(
      unusualRecordSet(ctx(read('crm:payroll/1'), app, new Baseline('oauth-acme'))),
    ).toBeNull();
    const other = absorbAll(new Baseline('oauth-acme'), []);
    expect(
      unusualRecordSet(
        ctx(event({ at, identityId: 'oauth-acme', resource: 'crm:payroll/1' }), app, other),
      ),
    ).toBeNull();
  });
});
