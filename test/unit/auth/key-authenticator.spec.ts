import type { ApiKeyStore, StoredApiKey } from '@vigil/persistence';
import { formatApiKey, generateApiKey, hashSecret } from '../../../apps/api/src/auth/api-key';
import {
  KeyAuthenticator,
  VERIFIED_KEY_TTL_MS,
} from '../../../apps/api/src/auth/key-authenticator';

/** A key store of one key whose row the test changes; counts the reads. */
function storeOf(row: () => StoredApiKey | null) {
  const store = {
    finds: 0,
    async find(id: string) {
      store.finds += 1;
      const current = row();
      return current && current.id === id ? current : null;
    },
    async touch() {},
  };
  return store;
}

describe('KeyAuthenticator', () => {
  const T0 = 1_000_000;
  let text: string;
  let row: StoredApiKey;
  /** The key's row as the store holds it now; tests revoke it or change its hash. */
  let current: { -readonly [K in keyof StoredApiKey]: StoredApiKey[K] };
  let store: ReturnType<typeof storeOf>;
  let authenticator: KeyAuthenticator;
  const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

  beforeAll(async () => {
    const key = generateApiKey();
    text = formatApiKey(key);
    row = {
      id: key.id,
      name: 'runtime@example.com',
      role: 'ingest',
      secretHash: await hashSecret(key.secret),
      createdAt: new Date(T0).toISOString(),
      createdBy: 'admin',
      revokedAt: null,
      revokedBy: null,
      lastUsedAt: null,
    } as unknown as StoredApiKey;
  });

  beforeEach(() => {
    current = { ...row };
    store = storeOf(() => current);
    authenticator = new KeyAuthenticator(store as unknown as ApiKeyStore);
  });

  it('checks a key once, then answers from memory until half its time', async () => {
    const principal = await authenticator.authenticate(text, T0);
    expect(principal).toEqual({ keyId: row.id, actor: 'runtime@example.com', role: 'ingest' });
    await authenticator.authenticate(text, T0 + VERIFIED_KEY_TTL_MS / 2 - 1);
    await settle();
    expect(store.finds).toBe(1);
  });

  it('checks a key in use again in the background, without making the caller wait', async () => {
    await authenticator.authenticate(text, T0);
    current.revokedAt = new Date(T0 + 1).toISOString();
    // Still served while the background check runs; refused once it has seen the revocation.
    const half = T0 + VERIFIED_KEY_TTL_MS / 2;
    expect(await authenticator.authenticate(text, half)).not.toBeNull();
    await settle();
    expect(store.finds).toBe(2);
    expect(await authenticator.authenticate(text, half + 1)).toBeNull();
  });

  it('runs scrypt again only when the stored hash changed', async () => {
    await authenticator.authenticate(text, T0);
    const half = T0 + VERIFIED_KEY_TTL_MS / 2;
    await authenticator.authenticate(text, half);
    await settle();
    expect(await authenticator.authenticate(text, half + 1)).not.toBeNull();
    expect([store.finds, authenticator.secretChecks]).toEqual([2, 1]);

    // The same id with another secret's hash: the presented secret no longer matches.
    current.secretHash = await hashSecret(generateApiKey().secret);
    await authenticator.authenticate(text, half + VERIFIED_KEY_TTL_MS / 2 + 2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await authenticator.authenticate(text, half + VERIFIED_KEY_TTL_MS / 2 + 3)).toBeNull();
    expect(authenticator.secretChecks).toBe(2);
  });

  it('never serves a key past its time', async () => {
    await authenticator.authenticate(text, T0);
    current.revokedAt = new Date(T0 + 1).toISOString();
    expect(await authenticator.authenticate(text, T0 + VERIFIED_KEY_TTL_MS)).toBeNull();
  });

  it('voids a check that read the store before the key was revoked here', async () => {
    const checking = authenticator.authenticate(text, T0);
    authenticator.forget(row.id);
    expect(await checking).toBeNull();
    expect(authenticator.trusts(text, T0 + 1)).toBe(false);
  });
});
