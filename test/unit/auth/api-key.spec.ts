import {
  formatApiKey,
  generateApiKey,
  hashSecret,
  keyDigest,
  parseApiKey,
  verifySecret,
} from '../../../apps/api/src/auth/api-key';
import { RateLimiter } from '../../../apps/api/src/auth/rate-limiter';

describe('API keys', () => {
  it('makes keys of the form vgl_<id>_<secret> that parse back', () => {
    const key = generateApiKey();
    const text = formatApiKey(key);
    expect(text).toMatch(/^vgl_[a-z0-9]{12}_[A-Za-z0-9]{40}$/);
    expect(parseApiKey(text)).toEqual(key);
    expect(generateApiKey()).not.toEqual(key);
  });

  it.each([
    '',
    'vgl_',
    'Bearer vgl_abcdefgh_ABCDEFGHIJKLMNOPQRSTUVWX',
    'vgl_abc_ABCDEFGHIJKLMNOPQRSTUVWX',
    'vgl_ABCDEFGH_ABCDEFGHIJKLMNOPQRSTUVWX',
    'vgl_abcdefgh_short',
    'xyz_abcdefgh_ABCDEFGHIJKLMNOPQRSTUVWX',
    'vgl_abcdefgh_ABCDEFGHIJKLMNOPQRSTUVW!',
  ])('does not take %p as a key', (text) => {
    expect(parseApiKey(text)).toBeNull();
  });

  it('stores a salted scrypt hash that verifies the secret and nothing else', async () => {
    const secret = generateApiKey().secret;
    const [a, b] = await Promise.all([hashSecret(secret), hashSecret(secret)]);
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(a).not.toContain(secret);
    expect(a).not.toBe(b);
    expect(await verifySecret(secret, a)).toBe(true);
    expect(await verifySecret(secret, b)).toBe(true);
    expect(await verifySecret(`${secret.slice(0, -1)}x`, a)).toBe(false);
    expect(await verifySecret(secret, 'plain')).toBe(false);
    expect(await verifySecret(secret, 'scrypt$x$8$1$c2FsdA$aGFzaA')).toBe(false);
  });

  it('remembers a key by a digest that does not contain it', () => {
    const text = formatApiKey(generateApiKey());
    expect(keyDigest(text)).toBe(keyDigest(text));
    expect(keyDigest(text)).not.toContain(text.split('_')[2]);
  });
});

describe('RateLimiter', () => {
  it('lets a burst of twice the rate through, then one request per token', () => {
    let now = 0;
    const limiter = new RateLimiter(5, () => now);
    const answers = Array.from({ length: 11 }, () => limiter.take('k'));
    expect(answers.slice(0, 10)).toEqual(Array(10).fill(0));
    expect(answers[10]).toBe(1);
    expect(limiter.take('other')).toBe(0);
    now += 200;
    expect(limiter.take('k')).toBe(0);
    expect(limiter.take('k')).toBeGreaterThan(0);
  });

  it('tells the wait without taking a token', () => {
    let now = 0;
    const limiter = new RateLimiter(1, () => now);
    expect(limiter.waitFor('k')).toBe(0);
    limiter.take('k');
    limiter.take('k');
    expect(limiter.waitFor('k')).toBe(1);
    expect(limiter.waitFor('k')).toBe(1);
    now += 1000;
    expect(limiter.waitFor('k')).toBe(0);
  });
});
