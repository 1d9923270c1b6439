import { SETTINGS, loadConfig, webhooksFromEnv, type SettingName } from '@vigil/config';
import { WEBHOOK_SETTINGS, configErrorOf } from '../support/config';

describe('webhook settings', () => {
  it('leave every channel unconfigured with a 10 s timeout by default', () => {
    expect(loadConfig({}).webhooks).toEqual({
      remediation: { url: null, secret: null },
      notify: { url: null, secret: null },
      notifyFormat: 'vigil',
      slackUrl: null,
      timeoutMs: 10_000,
    });
  });

  it('are read by the worker only, and the secrets are described as secrets', () => {
    for (const name of WEBHOOK_SETTINGS) {
      const spec = SETTINGS.find((setting) => setting.name === name);
      expect({ name, usedBy: spec?.usedBy }).toEqual({ name, usedBy: ['worker'] });
    }
    for (const name of [
      'REMEDIATION_WEBHOOK_SECRET',
      'NOTIFY_WEBHOOK_SECRET',
      'SLACK_WEBHOOK_URL',
    ]) {
      expect(SETTINGS.find((setting) => setting.name === name)?.description).toMatch(/^Secret:/);
    }
  });

  it('take URLs, secrets and the timeout as given', () => {
    const webhooks = webhooksFromEnv({
      REMEDIATION_WEBHOOK_URL: 'https://remediate.example.com/hooks',
      REMEDIATION_WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      NOTIFY_WEBHOOK_URL: 'http://notify.internal:8080/vigil',
      NOTIFY_WEBHOOK_SECRET: 'a plain passphrase',
      SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/XXXX',
      WEBHOOK_TIMEOUT_MS: ' 2500 ',
    });
    expect(webhooks).toEqual({
      remediation: {
        url: 'https://remediate.example.com/hooks',
        secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      },
      notify: { url: 'http://notify.internal:8080/vigil', secret: 'a plain passphrase' },
      notifyFormat: 'vigil',
      slackUrl: 'https://hooks.slack.com/services/T0/B0/XXXX',
      timeoutMs: 2500,
    });
  });

  it.each([
    ['REMEDIATION_WEBHOOK_URL', 'REMEDIATION_WEBHOOK_SECRET'],
    ['NOTIFY_WEBHOOK_URL', 'NOTIFY_WEBHOOK_SECRET'],
  ] as Array<[SettingName, SettingName]>)('%s needs %s', (url, secret) => {
    const error = configErrorOf(() => loadConfig({ [url]: 'https://example.com/hook' }));
    expect(error.setting).toBe(secret);
    expect(error.message).toBe(`${secret}: is required when ${url} is set`);
  });

  it('accepts a secret without a URL (the channel stays unconfigured)', () => {
    expect(webhooksFromEnv({ NOTIFY_WEBHOOK_SECRET: 's' }).notify).toEqual({
      url: null,
      secret: 's',
    });
  });

  it.each([
    ['REMEDIATION_WEBHOOK_URL', 'ftp://example.com/hook'],
    ['NOTIFY_WEBHOOK_URL', 'example.com/hook'],
    ['SLACK_WEBHOOK_URL', 'not a url with T0/B0/hunter2'],
    ['SLACK_WEBHOOK_URL', 'file:///etc/hunter2'],
  ] as Array<[SettingName, string]>)('%s=%s is not an http(s) URL', (name, value) => {
    const error = configErrorOf(() =>
      loadConfig({
        [name]: value,
        REMEDIATION_WEBHOOK_SECRET: 's',
        NOTIFY_WEBHOOK_SECRET: 's',
      }),
    );
    expect(error.setting).toBe(name);
    expect(error.message).toBe(`${name}: must be an http:// or https:// URL`);
    expect(error.message).not.toContain('hunter2');
  });

  it.each(['whsec_', 'whsec_not base64!', 'whsec_hunter2*'])(
    'a malformed whsec_ secret (%s) is rejected without echoing it',
    (secret) => {
      const error = configErrorOf(() => loadConfig({ REMEDIATION_WEBHOOK_SECRET: secret }));
      expect(error.setting).toBe('REMEDIATION_WEBHOOK_SECRET');
      expect(error.message).toBe(
        'REMEDIATION_WEBHOOK_SECRET: must be "whsec_" followed by base64, or a plain string',
      );
    },
  );

  it.each(['0', '-5', '1.5', 'ten', '300001', '99999999999'])(
    'WEBHOOK_TIMEOUT_MS=%s is rejected',
    (value) => {
      const error = configErrorOf(() => loadConfig({ WEBHOOK_TIMEOUT_MS: value }));
      expect(error.setting).toBe('WEBHOOK_TIMEOUT_MS');
      expect(error.message).toBe(
        `WEBHOOK_TIMEOUT_MS: must be a whole number of milliseconds (1-300000), got "${value}"`,
      );
    },
  );

  it.each(WEBHOOK_SETTINGS)('%s="" behaves as unset', (name) => {
    expect(loadConfig({ [name]: ' ' }).webhooks).toEqual(loadConfig({}).webhooks);
  });

  it('take NOTIFY_WEBHOOK_FORMAT=ocsf, and refuse a format they do not know', () => {
    expect(webhooksFromEnv({ NOTIFY_WEBHOOK_FORMAT: ' ocsf ' }).notifyFormat).toBe('ocsf');
    const error = configErrorOf(() => loadConfig({ NOTIFY_WEBHOOK_FORMAT: 'xml' }));
    expect(error.setting).toBe('NOTIFY_WEBHOOK_FORMAT');
    expect(error.message).toBe('NOTIFY_WEBHOOK_FORMAT: must be one of vigil, ocsf, got "xml"');
  });
});
