import type { Playbook } from '@vigil/contracts';
import { BUILT_IN_PLAYBOOKS, DEFAULT_ESCALATION_POLICIES } from '@vigil/domain';
import {
  BUILT_IN_ACTOR,
  EscalationPolicyStore,
  PlaybookEntity,
  PlaybookStore,
  PlaybookVersionConflictError,
  RestrictionStore,
  writeTransaction,
} from '@vigil/persistence';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { databaseName, secondDataSource } from './fixtures';

describe(`remediation stores on ${databaseName}`, () => {
  let db: TestDatabase;
  const now = new Date('2026-11-24T12:00:00.000Z');

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(() => db.drop());

  describe('PlaybookStore', () => {
    let store: PlaybookStore;
    const revokeScope = BUILT_IN_PLAYBOOKS.find((p) => p.id === 'revoke-scope')!;

    beforeAll(() => {
      store = new PlaybookStore(db.dataSource, () => now);
    });

    it('answers with the built-ins on a fresh database, without writing them', async () => {
      const listed = await store.list();
      expect(listed.map((r) => r.playbook)).toEqual(
        [...BUILT_IN_PLAYBOOKS].sort((a, b) => (a.id < b.id ? -1 : 1)),
      );
      expect(listed.every((r) => r.builtIn && r.createdBy === BUILT_IN_ACTOR)).toBe(true);
      expect(await db.dataSource.getRepository(PlaybookEntity).count()).toBe(0);
      expect((await store.get('revoke-scope'))?.playbook).toEqual(revokeScope);
      expect((await store.get('revoke-scope', 1))?.playbook).toEqual(revokeScope);
      expect(await store.get('revoke-scope', 2)).toBeNull();
      expect(await store.get('nope')).toBeNull();
      expect(await store.versions('revoke-scope')).toEqual([1]);
      expect(await store.versions('nope')).toEqual([]);
      expect(await store.nextVersion('revoke-scope')).toBe(2);
      expect(await store.nextVersion('nope')).toBe(1);
    });

    it('stores an edit as the next version, which becomes the active one', async () => {
      const edited: Playbook = {
        ...revokeScope,
        version: 2,
        autoCeiling: { maxSeverity: 'low', maxCriticality: 'low' },
      };
      const saved = await store.save(edited, 'alice');
      expect(saved).toEqual({
        playbook: edited,
        builtIn: false,
        createdAt: now,
        createdBy: 'alice',
      });

      expect((await store.get('revoke-scope'))?.playbook).toEqual(edited);
      expect(await store.get('revoke-scope', 1)).toEqual({
        playbook: revokeScope,
        builtIn: true,
        createdAt: now,
        createdBy: BUILT_IN_ACTOR,
      });
      expect(await store.versions('revoke-scope')).toEqual([1, 2]);
      const active = await store.active();
      expect(active.find((p) => p.id === 'revoke-scope')).toEqual(edited);
      expect(active).toHaveLength(BUILT_IN_PLAYBOOKS.length);
    });

    it('refuses a version that is not the next one', async () => {
      const stale: Playbook = { ...revokeScope, version: 2, title: 'stale' };
      await expect(store.save(stale, 'bob')).rejects.toBeInstanceOf(PlaybookVersionConflictError);
      await expect(store.save({ ...stale, version: 7 }, 'bob')).rejects.toMatchObject({
        code: 'playbook_version_conflict',
        next: 3,
      });
      expect((await store.get('revoke-scope'))?.playbook.title).toBe(revokeScope.title);
    });

    it('creates new playbooks at version 1, listed with the built-ins', async () => {
      const custom: Playbook = { ...revokeScope, id: 'custom-revoke', version: 1 };
      await store.save(custom, 'carol');
      expect(await store.versions('custom-revoke')).toEqual([1]);
      expect((await store.list()).map((r) => r.playbook.id)).toContain('custom-revoke');
    });

    it('lets exactly one of two concurrent saves of a version win', async () => {
      const other = await secondDataSource(db);
      try {
        const second = new PlaybookStore(other, () => now);
        const base: Playbook = { ...revokeScope, id: 'raced', version: 1 };
        const results = await Promise.allSettled([
          store.save({ ...base, title: 'first' }, 'a'),
          second.save({ ...base, title: 'second' }, 'b'),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        expect(failed.reason).toBeInstanceOf(PlaybookVersionConflictError);
        expect(await store.versions('raced')).toEqual([1]);
      } finally {
        await other.destroy();
      }
    });
  });

  describe('EscalationPolicyStore', () => {
    let store: EscalationPolicyStore;

    beforeAll(() => {
      store = new EscalationPolicyStore(db.dataSource, () => now);
    });

    it('answers with the defaults until a policy is set, and back after a reset', async () => {
      const all = await store.all();
      expect(all.map((r) => r.policy.severity)).toEqual(['low', 'medium', 'high', 'critical']);
      expect(all.every((r) => r.isDefault && r.updatedAt === null)).toBe(true);
      expect(await store.policyFor('critical')).toEqual(DEFAULT_ESCALATION_POLICIES.critical);

      const medium = {
        ...DEFAULT_ESCALATION_POLICIES.medium,
        tier1: { route: 'team' as const, deadlineMinutes: 60, reminderMinutes: null },
      };
      expect(await store.set(medium, 'alice')).toEqual({
        policy: medium,
        isDefault: false,
        updatedAt: now,
        updatedBy: 'alice',
      });
      await store.set({ ...medium, failSafe: { decision: 'reject', acceptRiskDays: null } }, 'bob');
      expect(await store.get('medium')).toEqual({
        policy: { ...medium, failSafe: { decision: 'reject', acceptRiskDays: null } },
        isDefault: false,
        updatedAt: now,
        updatedBy: 'bob',
      });
      expect((await store.get('low')).isDefault).toBe(true);

      expect((await store.reset('medium', 'ana@example.com')).policy).toEqual(
        DEFAULT_ESCALATION_POLICIES.medium,
      );
      expect(await store.policyFor('medium')).toEqual(DEFAULT_ESCALATION_POLICIES.medium);
    });
  });

  describe('RestrictionStore', () => {
    let store: RestrictionStore;

    beforeAll(() => {
      store = new RestrictionStore(db.dataSource);
    });

    it('keeps a value restricted while any step restricts it', async () => {
      const row = {
        identityId: 'agent-1',
        kind: 'tool' as const,
        value: 'payments.refund',
        caseId: 'case-a',
        idempotencyKey: 'case-a:block-tool',
        createdAt: now,
      };
      await writeTransaction(db.dataSource, async (manager) => {
        expect(await store.add(manager, row)).toBe(true);
        expect(await store.add(manager, row)).toBe(false);
        expect(
          await store.add(manager, {
            ...row,
            caseId: 'case-b',
            idempotencyKey: 'case-b:block-tool',
          }),
        ).toBe(true);
        expect(
          await store.add(manager, {
            ...row,
            kind: 'scope',
            value: 'secrets:write',
            idempotencyKey: 'case-a:restrict-scope',
          }),
        ).toBe(true);
      });
      expect(await store.list('agent-1')).toHaveLength(3);
      expect(await store.restricted('agent-1')).toEqual({
        scopes: ['secrets:write'],
        tools: ['payments.refund'],
      });
      expect(await store.byKey('case-a:block-tool')).toEqual(row);

      await writeTransaction(db.dataSource, async (manager) => {
        expect(await store.remove(manager, 'case-a:block-tool')).toBe(true);
        expect(await store.remove(manager, 'case-a:block-tool')).toBe(false);
      });
      expect(await store.isRestricted('agent-1', 'tool', 'payments.refund')).toBe(true);
      await writeTransaction(db.dataSource, (manager) =>
        store.remove(manager, 'case-b:block-tool'),
      );
      expect(await store.isRestricted('agent-1', 'tool', 'payments.refund')).toBe(false);
      expect(await store.list('someone-else')).toEqual([]);
    });
  });
});
