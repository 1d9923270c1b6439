import type { INestApplication } from '@nestjs/common';
import { ApiKeyStore } from '@vigil/persistence';
import { KeysService } from '../../apps/api/src/auth/keys.service';
import { createTestDatabase, testingPostgres, type TestDatabase } from '../support/database';
import { TEST_ADMIN_KEY, apiClient, clientFor } from '../support/http';
import { startApi, testConfig } from '../support/system';

const database = testingPostgres ? 'PostgreSQL' : 'SQLite';

/** API keys: bootstrap, create, list, revoke, the last admin, and the per-key rate. */
describe(`API keys on ${database}`, () => {
  let db: TestDatabase;
  let api: INestApplication;
  const config = () =>
    testConfig({ address: '127.0.0.1:1', taskQueue: `keys-${process.pid}`, database: db.settings });

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startApi(config());
  });

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('bootstraps the admin key once, from VIGIL_ADMIN_KEY, and never again', async () => {
    const keys = await new ApiKeyStore(db.dataSource).list();
    expect(keys).toEqual([
      expect.objectContaining({ name: 'bootstrap-admin', role: 'admin', createdBy: 'vigil' }),
    ]);
    const again = await api.get(KeysService).bootstrap(null);
    expect(again).toEqual({ created: false });
    const current = await apiClient(api).get('/v1/keys/current').expect(200);
    expect(current.body).toMatchObject({ id: TEST_ADMIN_KEY.split('_')[1], role: 'admin' });
  });

  it('generates an admin key when none is given, once between instances starting together', async () => {
    const other = await createTestDatabase();
    try {
      const instances = [new KeysService(new ApiKeyStore(other.dataSource), null as never)];
      instances.push(new KeysService(new ApiKeyStore(other.dataSource), null as never));
      const results = await Promise.all(instances.map((keys) => keys.bootstrap(null)));
      const made = results.filter((r) => r.created);
      expect(made).toHaveLength(1);
      const generated = made[0]!.created ? made[0]!.generatedKey : null;
      expect(generated).toMatch(/^vgl_[a-z0-9]{12}_[A-Za-z0-9]{40}$/);
      const stored = await new ApiKeyStore(other.dataSource).list();
      expect(stored).toHaveLength(1);
      expect(JSON.stringify(stored)).not.toContain(generated!.split('_')[2]);
    } finally {
      await other.drop();
    }
  });

  it('creates a key shown once, lists it without its secret, and revokes it', async () => {
    const admin = apiClient(api);
    const ana = await clientFor(api, 'ana@example.com', 'analyst');
    const me = await ana.get('/v1/keys/current').expect(200);
    expect(me.body).toMatchObject({ id: ana.keyId, name: 'ana@example.com', role: 'analyst' });
    await ana.get('/v1/keys').expect(403);
    await ana.post('/v1/keys').send({ name: 'ana2', role: 'admin' }).expect(403);

    const listed = await admin.get('/v1/keys').expect(200);
    expect(listed.body.keys.map((k: { id: string }) => k.id)).toContain(ana.keyId);
    expect(JSON.stringify(listed.body)).not.toContain(ana.key.split('_')[2]);
    expect(listed.body.keys.find((k: { id: string }) => k.id === ana.keyId)).toMatchObject({
      createdBy: 'bootstrap-admin',
      revokedAt: null,
    });

    const revoked = await admin.delete(`/v1/keys/${ana.keyId}`).expect(200);
    expect(revoked.body).toMatchObject({ id: ana.keyId, revokedBy: 'bootstrap-admin' });
    expect(revoked.body.revokedAt).toEqual(expect.any(String));
    expect((await ana.get('/v1/cases').expect(401)).body.code).toBe('invalid_key');
    expect((await admin.delete(`/v1/keys/${ana.keyId}`).expect(409)).body.code).toBe(
      'key_already_revoked',
    );
    expect((await admin.delete('/v1/keys/nosuchkey1').expect(404)).body.code).toBe('key_not_found');
    const active = await admin.get('/v1/keys').expect(200);
    expect(active.body.keys.map((k: { id: string }) => k.id)).not.toContain(ana.keyId);
    const all = await admin.get('/v1/keys?includeRevoked=true').expect(200);
    expect(all.body.keys.map((k: { id: string }) => k.id)).toContain(ana.keyId);

    // Both changes are in the audit log, with who made them, and without the secret.
    const log = await admin.get('/v1/audit/log?limit=1000').expect(200);
    const entries = JSON.stringify(log.body);
    expect(entries).not.toContain(ana.key.split('_')[2]);
    const ofKey = log.body.items.filter((e: { subjectId: string }) => e.subjectId === ana.keyId);
    expect(ofKey).toEqual([
      expect.objectContaining({ action: 'key.created', actor: 'bootstrap-admin' }),
      expect.objectContaining({ action: 'key.revoked', actor: 'bootstrap-admin' }),
    ]);
    expect((await admin.get('/v1/audit/verify').expect(200)).body).toMatchObject({ ok: true });
  });

  it('refuses bad key requests with the field at fault', async () => {
    const admin = apiClient(api);
    const cases: [Record<string, unknown>, string][] = [
      [{ role: 'analyst' }, 'name'],
      [{ name: '', role: 'analyst' }, 'name'],
      [{ name: 'x\u0000y', role: 'analyst' }, 'name'],
      [{ name: 'x', role: 'root' }, 'role'],
      [{ name: 'x', role: 'analyst', secret: 'mine' }, 'secret'],
    ];
    for (const [body, field] of cases) {
      const res = await admin.post('/v1/keys').send(body).expect(400);
      expect(res.body).toMatchObject({ code: 'validation_failed', field });
    }
    await admin.delete('/v1/keys/NOT-AN-ID').expect(400);
  });

  it('limits each key to its rate, with Retry-After, without slowing other keys', async () => {
    const limited = await startApi({ ...config(), auth: { ...config().auth, ratePerSecond: 3 } });
    try {
      const [noisy, quiet] = await Promise.all([
        clientFor(limited, 'noisy', 'ingest'),
        clientFor(limited, 'quiet', 'ingest'),
      ]);
      const statuses: number[] = [];
      let refused: { headers: Record<string, string>; body: { code: string } } | undefined;
      for (let i = 0; i < 12; i += 1) {
        const res = await noisy.get('/v1/keys/current');
        statuses.push(res.status);
        if (res.status === 429) refused ??= res;
      }
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(6);
      expect(statuses).toContain(429);
      expect(refused!.body.code).toBe('rate_limited');
      expect(Number(refused!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      await quiet.get('/v1/keys/current').expect(200);
    } finally {
      await limited.close();
    }
  });

  it('keeps the last active admin key', async () => {
    const admin = apiClient(api);
    const adminId = TEST_ADMIN_KEY.split('_')[1]!;
    expect((await admin.delete(`/v1/keys/${adminId}`).expect(409)).body.code).toBe(
      'last_admin_key',
    );
    const second = await clientFor(api, 'root2@example.com', 'admin');
    await second.delete(`/v1/keys/${adminId}`).expect(200);
    await admin.get('/v1/keys').expect(401);
    expect((await second.delete(`/v1/keys/${second.keyId}`).expect(409)).body.code).toBe(
      'last_admin_key',
    );
  });
});
