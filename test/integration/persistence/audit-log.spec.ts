import {
  AuditLog,
  AuditLogEntity,
  GENESIS_HASH,
  PolicyStore,
  ThresholdStore,
  createDataSource,
  writeTransaction,
} from '@vigil/persistence';
import type { DataSource } from 'typeorm';
import { createTestDatabase, testingPostgres, type TestDatabase } from '../../support/database';

const database = testingPostgres ? 'PostgreSQL' : 'SQLite';

describe(`audit log on ${database}`, () => {
  let db: TestDatabase;
  let second: DataSource;
  let log: AuditLog;

  beforeAll(async () => {
    db = await createTestDatabase();
    // A second process's connection to the same database.
    second = createDataSource(db.settings);
    await second.initialize();
    log = new AuditLog(db.dataSource);
  });

  afterAll(async () => {
    await second?.destroy();
    await db?.drop();
  });

  async function rows(): Promise<AuditLogEntity[]> {
    return db.dataSource.manager.find(AuditLogEntity, { order: { seq: 'ASC' } });
  }

  it('starts empty and verifies, with the genesis hash as head', async () => {
    expect(await log.verify()).toEqual({ ok: true, rows: 0, headHash: GENESIS_HASH, headSeq: 0 });
  });

  it('chains rows, records a keyed change once, and stores what it hashed', async () => {
    const first = await log.append({
      actor: 'alice@example.com',
      action: 'identity.updated',
      subjectType: 'identity',
      subjectId: 'svc-payments',
      details: { b: 2, a: { z: [1, 'x\u0000y'], y: null }, dropped: undefined },
      key: 'test:1',
    });
    expect(first).toMatchObject({ seq: 1, prevHash: GENESIS_HASH });
    expect(first!.details).toEqual({ a: { y: null, z: [1, 'x\ufffdy'] }, b: 2 });
    const again = await log.append({
      actor: 'alice@example.com',
      action: 'identity.updated',
      subjectType: 'identity',
      subjectId: 'svc-payments',
      key: 'test:1',
    });
    expect(again).toBeNull();
    const [second] = await log.appendMany([
      { actor: 'bob', action: 'threshold.set', subjectType: 'detector', subjectId: 'rate_spike' },
    ]);
    expect(second).toMatchObject({ seq: 2, prevHash: first!.hash });
    const stored = await rows();
    expect(stored.map((r) => r.hash)).toEqual([first!.hash, second!.hash]);
    expect(stored[0]!.details).toEqual(first!.details);
    expect(await log.verify()).toMatchObject({ ok: true, rows: 2, headHash: second!.hash });
  });

  it('appends nothing when the change it records rolls back', async () => {
    await expect(
      writeTransaction(db.dataSource, async (manager) => {
        await log.append(
          { actor: 'x', action: 'threshold.set', subjectType: 'detector', subjectId: 'off_hours' },
          manager,
        );
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect((await rows()).map((r) => r.seq)).toEqual([1, 2]);
    expect((await log.verify()).ok).toBe(true);
  });

  it('keeps the chain gapless with writers on two connections at once', async () => {
    const other = new AuditLog(second);
    const thresholds = [new ThresholdStore(db.dataSource), new ThresholdStore(second)];
    const before = (await log.head()).seq;
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => {
        const writer = i % 2 === 0 ? log : other;
        if (i % 5 === 0) return thresholds[i % 2]!.set('rate_spike', (i + 1) / 100, `w${i}`);
        return writer.append({
          actor: `w${i}`,
          action: 'test.concurrent',
          subjectType: 'test',
          subjectId: String(i),
          key: `concurrent:${i}`,
        });
      }),
    );
    const all = await rows();
    expect(all.map((r) => r.seq)).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
    expect(all.length - before).toBe(40);
    expect(await log.verify({ pageSize: 7 })).toMatchObject({ ok: true, rows: all.length });
  });

  it('records policy changes in the transaction that makes them', async () => {
    const policies = new PolicyStore(db.dataSource);
    await policies.seed({ schema: 'namespace Vigil {}', policies: '' }, 'vigil:examples');
    await policies.publish(
      { schema: 'namespace Vigil {}', policies: '// v2' },
      { actor: 'carol', comment: 'v2', activate: true },
    );
    const recorded = (await rows()).filter((r) => r.subjectType === 'policy_set');
    expect(recorded.map((r) => [r.action, r.subjectId, r.actor])).toEqual([
      ['policy.published', '1', 'vigil:examples'],
      ['policy.activated', '1', 'vigil:examples'],
      ['policy.published', '2', 'carol'],
      ['policy.activated', '2', 'carol'],
    ]);
    expect(recorded[3]!.details).toEqual({ version: 2, previousVersion: 1 });
  });

  describe('detects tampering', () => {
    const table = () => db.dataSource.getMetadata(AuditLogEntity).tableName;

    it('an edited row', async () => {
      const [row] = await db.dataSource.query(`SELECT details FROM ${table()} WHERE seq = 3`);
      const original = typeof row.details === 'string' ? row.details : JSON.stringify(row.details);
      await db.dataSource.query(
        `UPDATE ${table()} SET details = '{"tampered":true}' WHERE seq = 3`,
      );
      const result = await log.verify({ pageSize: 2 });
      expect(result).toMatchObject({
        ok: false,
        firstBrokenLink: { seq: 3, reason: 'hash_mismatch', expectedHash: expect.any(String) },
      });
      expect(result.firstBrokenLink!.actualHash).toBe((await rows())[2]!.hash);
      expect(result.firstBrokenLink!.expectedHash).not.toBe(result.firstBrokenLink!.actualHash);
      await db.dataSource.query(
        `UPDATE ${table()} SET details = ${testingPostgres ? '$1::jsonb' : '?'} WHERE seq = 3`,
        [original],
      );
      expect((await log.verify()).ok).toBe(true);
    });

    it('a removed row, and removed newest rows', async () => {
      const all = await rows();
      await db.dataSource.query(`DELETE FROM ${table()} WHERE seq = 5`);
      expect(await log.verify()).toMatchObject({
        ok: false,
        rows: 5,
        firstBrokenLink: {
          seq: 5,
          reason: 'missing_row',
          expectedHash: all[3]!.hash,
          actualHash: all[5]!.prevHash,
        },
      });
      await db.dataSource.query(`DELETE FROM ${table()} WHERE seq >= 5`);
      expect(await log.verify()).toMatchObject({
        ok: false,
        rows: 4,
        firstBrokenLink: { seq: 5, reason: 'head_mismatch', actualHash: null },
      });
    });
  });
});
