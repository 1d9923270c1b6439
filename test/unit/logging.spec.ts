import { loadConfig, scrubSecrets, secretsOf } from '@vigil/config';

describe('log scrubbing', () => {
  it('removes the shapes of secrets and keeps the line valid JSON', () => {
    const line = JSON.stringify({
      msg: 'Bearer vgl_abcdefgh12_SECRETsecretSECRETsecret01 and Basic dXNlcjpwYXNz',
      url: 'postgres://vigil:hunter2hunter2@db:5432/vigil',
      slack: 'https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXX',
      signing: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      headers: { Authorization: 'Token abc.def' },
      nested: 'said "vgl_abcdefgh12_SECRETsecretSECRETsecret01"',
    });
    const out = scrubSecrets(line);
    const parsed = JSON.parse(out) as Record<string, unknown>;
    expect(out).not.toMatch(/SECRETsecret|dXNlcjpwYXNz|hunter2|XXXXXXXXXXXX|MfKQ9r8|abc\.def/);
    expect(parsed.msg).toBe('Bearer [redacted] and Basic [redacted]');
    expect(parsed.url).toBe('postgres://vigil:***@db:5432/vigil');
    expect(parsed.nested).toBe('said "vgl_abcdefgh12_[redacted]"');
  });

  it('removes the process’s own secret values wherever they appear', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://vigil:pa%24%24word-of-db@db:5432/vigil',
      NOTIFY_WEBHOOK_URL: 'https://hooks.example/notify?token=tok-123456789',
      NOTIFY_WEBHOOK_SECRET: 'plain signing "secret" value',
    });
    const secrets = secretsOf(config);
    const line = JSON.stringify({
      msg: `connect pa$$word-of-db failed; posted tok-123456789 signed with plain signing "secret" value`,
    });
    const out = scrubSecrets(line, secrets);
    expect(out).not.toMatch(/pa\$\$word-of-db|tok-123456789|plain signing/);
    expect(() => JSON.parse(out)).not.toThrow();
  });
});
