import { createHash } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { PolicyActivationEntity, PolicySetEntity } from '../entities';
import { AuditLog, type AuditEntry } from './audit-log';
import { MultiRowInsert, writeTransaction } from './sql';

/** The slot of the one activation row. */
const ACTIVE_SLOT = 'active';
/** Concurrent publishers that keep taking the same version number give up after this. */
const PUBLISH_ATTEMPTS = 5;

/** A Cedar schema and the policies checked against it. */
export interface PolicySetSource {
  readonly schema: string;
  readonly policies: string;
}

/** A stored version of the policy set. */
export interface PolicySetRecord extends PolicySetSource {
  readonly version: number;
  readonly digest: string;
  readonly comment: string;
  readonly createdAt: Date;
  readonly createdBy: string;
}

/** Which version is active, since when and by whom. */
export interface PolicyActivation {
  readonly version: number;
  readonly activatedAt: Date;
  readonly activatedBy: string;
}

/** Activation of a version that was never published. */
export class PolicyVersionNotFoundError extends Error {
  readonly code = 'policy_version_not_found';

  constructor(readonly version: number) {
    super(`no policy set version ${version}`);
    this.name = 'PolicyVersionNotFoundError';
  }
}

/** The same content hash the store records, for callers that compare sets. */
export function policySetDigest(source: PolicySetSource): string {
  return createHash('sha256')
    .update(source.schema)
    .update('\u0000')
    .update(source.policies)
    .digest('hex');
}

/**
 * Versioned Cedar policy sets for the guardrail. Publishing adds a version (never changes
 * one) and, when asked, moves the activation pointer in the same transaction, so a set is
 * never active before it is stored and the switch is a single row update. Any earlier
 * version can be activated again (a rollback).
 */
export class PolicyStore {
  private readonly insertSet: MultiRowInsert<PolicySetEntity>;
  private readonly insertActivation: MultiRowInsert<PolicyActivationEntity>;
  private readonly audit: AuditLog;

  constructor(
    private readonly dataSource: DataSource,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.audit = new AuditLog(dataSource, { now });
    this.insertSet = new MultiRowInsert(dataSource, PolicySetEntity, [
      'version',
      'schema',
      'policies',
      'digest',
      'comment',
      'createdAt',
      'createdBy',
    ]);
    this.insertActivation = new MultiRowInsert(dataSource, PolicyActivationEntity, [
      'slot',
      'version',
      'activatedAt',
      'activatedBy',
    ]);
  }

  /** The activation pointer alone: one primary-key read, cheap enough to poll. */
  async activation(): Promise<PolicyActivation | null> {
    const row = await this.dataSource.manager.findOneBy(PolicyActivationEntity, {
      slot: ACTIVE_SLOT,
    });
    return row ? activationOf(row) : null;
  }

  /** The active version with its content, or null before anything was published. */
  async active(): Promise<{ set: PolicySetRecord; activation: PolicyActivation } | null> {
    const activation = await this.activation();
    if (!activation) return null;
    const set = await this.get(activation.version);
    return set ? { set, activation } : null;
  }

  async get(version: number): Promise<PolicySetRecord | null> {
    const row = await this.dataSource.manager.findOneBy(PolicySetEntity, { version });
    return row ? recordOf(row) : null;
  }

  /** Every version without its content, newest first. */
  async list(): Promise<Array<Omit<PolicySetRecord, 'schema' | 'policies'>>> {
    const rows = await this.dataSource.manager.find(PolicySetEntity, {
      select: {
        version: true,
        digest: true,
        comment: true,
        createdAt: true,
        createdBy: true,
      },
      order: { version: 'DESC' },
    });
    return rows.map((row) => ({
      version: row.version,
      digest: row.digest,
      comment: row.comment,
      createdAt: row.createdAt,
      createdBy: row.createdBy,
    }));
  }

  /**
   * Stores the set as the next version and, with `activate`, makes it the active one in the
   * same transaction. Callers validate the set first: the store keeps whatever it is given.
   */
  async publish(
    source: PolicySetSource,
    { actor, comment, activate }: { actor: string; comment: string; activate: boolean },
  ): Promise<{ set: PolicySetRecord; activation: PolicyActivation | null }> {
    for (let attempt = 1; ; attempt += 1) {
      const createdAt = this.now();
      const published = await writeTransaction(this.dataSource, async (manager) => {
        const version = (await this.latestVersion(manager)) + 1;
        const row: PolicySetEntity = {
          version,
          schema: source.schema,
          policies: source.policies,
          digest: policySetDigest(source),
          comment,
          createdAt,
          createdBy: actor,
        };
        const inserted = await this.insertSet.run(
          manager,
          [row],
          `${this.insertSet.onConflict(['version'])} ${this.insertSet.returning('version')}`,
        );
        // Another publisher took this number between our read and our insert.
        if (inserted.length === 0) return null;
        await this.audit.append(publishedEntry(row), manager);
        const activation = activate ? await this.point(manager, version, actor, createdAt) : null;
        return { set: recordOf(row), activation };
      });
      if (published) return published;
      if (attempt >= PUBLISH_ATTEMPTS) {
        throw new Error(`could not take a policy set version after ${attempt} attempts`);
      }
    }
  }

  /** Makes an existing version the active one. */
  async activate(version: number, actor: string): Promise<PolicyActivation> {
    return writeTransaction(this.dataSource, async (manager) => {
      const exists = await manager.exists(PolicySetEntity, { where: { version } });
      if (!exists) throw new PolicyVersionNotFoundError(version);
      return this.point(manager, version, actor, this.now());
    });
  }

  /**
   * On an empty store, stores `source` as version 1 and activates it; otherwise does
   * nothing. Safe to run from several processes at once: each inserts the same version 1
   * and the same activation only if absent, so one of them wins and the rest change nothing.
   */
  async seed(source: PolicySetSource, actor: string): Promise<boolean> {
    return writeTransaction(this.dataSource, async (manager) => {
      if ((await this.latestVersion(manager)) > 0) return false;
      const createdAt = this.now();
      const row: PolicySetEntity = {
        version: 1,
        schema: source.schema,
        policies: source.policies,
        digest: policySetDigest(source),
        comment: 'example policies loaded on first start',
        createdAt,
        createdBy: actor,
      };
      const inserted = await this.insertSet.run(
        manager,
        [row],
        `${this.insertSet.onConflict(['version'])} ${this.insertSet.returning('version')}`,
      );
      const activated = await this.insertActivation.run(
        manager,
        [{ slot: ACTIVE_SLOT, version: 1, activatedAt: createdAt, activatedBy: actor }],
        `${this.insertActivation.onConflict(['slot'])} ${this.insertActivation.returning('slot')}`,
      );
      if (inserted.length > 0) {
        await this.audit.appendMany(
          [
            { ...publishedEntry(row), key: 'policy-set:1:published' },
            ...(activated.length > 0
              ? [
                  {
                    actor,
                    action: 'policy.activated',
                    subjectType: 'policy_set',
                    subjectId: '1',
                    details: { version: 1, previousVersion: null },
                    key: 'policy-set:1:seed-activation',
                    at: createdAt,
                  },
                ]
              : []),
          ],
          manager,
        );
      }
      return inserted.length > 0;
    });
  }

  private async point(
    manager: EntityManager,
    version: number,
    actor: string,
    at: Date,
  ): Promise<PolicyActivation> {
    const previous = await manager.findOneBy(PolicyActivationEntity, { slot: ACTIVE_SLOT });
    const row: PolicyActivationEntity = {
      slot: ACTIVE_SLOT,
      version,
      activatedAt: at,
      activatedBy: actor,
    };
    await this.insertActivation.run(
      manager,
      [row],
      this.insertActivation.onConflict(
        ['slot'],
        [
          this.insertActivation.replaced('version'),
          this.insertActivation.replaced('activatedAt'),
          this.insertActivation.replaced('activatedBy'),
        ],
      ),
    );
    await this.audit.append(
      {
        actor,
        action: 'policy.activated',
        subjectType: 'policy_set',
        subjectId: String(version),
        details: { version, previousVersion: previous?.version ?? null },
        at,
      },
      manager,
    );
    return activationOf(row);
  }

  private async latestVersion(manager: EntityManager): Promise<number> {
    const raw = await manager
      .createQueryBuilder(PolicySetEntity, 'p')
      .select('MAX(p.version)', 'latest')
      .getRawOne<{ latest: number | string | null }>();
    return raw?.latest === null || raw?.latest === undefined ? 0 : Number(raw.latest);
  }
}

/** A published version as an audit row: its digest identifies the content, which never changes. */
function publishedEntry(row: PolicySetEntity): AuditEntry {
  return {
    actor: row.createdBy,
    action: 'policy.published',
    subjectType: 'policy_set',
    subjectId: String(row.version),
    details: { version: row.version, digest: row.digest, comment: row.comment },
    at: row.createdAt,
  };
}

function recordOf(row: PolicySetEntity): PolicySetRecord {
  return {
    version: row.version,
    schema: row.schema,
    policies: row.policies,
    digest: row.digest,
    comment: row.comment,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
  };
}

function activationOf(row: PolicyActivationEntity): PolicyActivation {
  return { version: row.version, activatedAt: row.activatedAt, activatedBy: row.activatedBy };
}
