import { PolicyStore, PolicyVersionNotFoundError } from '@vigil/persistence';
import { createTestDatabase, testingPostgres, type TestDatabase } from '../../support/database';

const database = testingPostgres ? 'PostgreSQL' : 'SQLite';
const source = { schema: 'namespace Vigil {}', policies: '' };

describe(`policy store on ${database}`, () => {
  let db: TestDatabase;
  let store: PolicyStore;

  beforeAll(async () => {
    db = await createTestDatabase();
    store = new PolicyStore(db.dataSource);
  });

  afterAll(() => db.drop());

  it('seeds version 1 once, however many instances start together', async () => {
    const other = new PolicyStore(db.dataSource);
    const seeded = await Promise.all([
      store.seed(source, 'vigil:examples'),
      other.seed(source, 'vigil:examples'),
      store.seed(source, 'vigil:examples'),
    ]);
    expect(seeded.filter(Boolean)).toHaveLength(1);
    expect((await store.list()).map((v) => v.version)).toEqual([1]);
    expect(await store.activation()).toMatchObject({ version: 1, activatedBy: 'vigil:examples' });
    expect(await store.seed({ ...source, policies: 'x' }, 'vigil:examples')).toBe(false);
  });

  it('gives concurrent publishes distinct versions and activates with the insert', async () => {
    const published = await Promise.all(
      ['a', 'b', 'c'].map((comment) =>
        store.publish(source, { actor: 'alice', comment, activate: false }),
      ),
    );
    expect(published.map((p) => p.set.version).sort()).toEqual([2, 3, 4]);
    expect((await store.activation())?.version).toBe(1);

    const active = await store.publish(
      { ...source, policies: '// v5' },
      { actor: 'bob', comment: 'v5', activate: true },
    );
    expect(active.activation).toMatchObject({ version: 5, activatedBy: 'bob' });
    expect(await store.active()).toMatchObject({
      set: { version: 5, policies: '// v5', createdBy: 'bob', comment: 'v5' },
      activation: { version: 5 },
    });
  });

  it('activates an earlier version, and refuses one that does not exist', async () => {
    await store.activate(2, 'carol');
    expect(await store.activation()).toMatchObject({ version: 2, activatedBy: 'carol' });
    await expect(store.activate(99, 'carol')).rejects.toBeInstanceOf(PolicyVersionNotFoundError);
    expect((await store.list()).map((v) => v.version)).toEqual([5, 4, 3, 2, 1]);
  });
});
