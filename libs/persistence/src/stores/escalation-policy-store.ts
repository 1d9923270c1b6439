import type { DataSource } from 'typeorm';
import { SEVERITIES, type EscalationPolicy, type Severity } from '@vigil/contracts';
import { DEFAULT_ESCALATION_POLICIES } from '@vigil/domain';
import { EscalationPolicyEntity } from '../entities';
import { AuditLog } from './audit-log';
import { MultiRowInsert, writeTransaction } from './sql';

/** A severity's escalation policy and where it comes from. */
export interface EscalationPolicyRecord {
  readonly policy: EscalationPolicy;
  /** True while nobody has set a policy for the severity: the built-in default applies. */
  readonly isDefault: boolean;
  readonly updatedAt: Date | null;
  readonly updatedBy: string | null;
}

/** Escalation policies by severity: the stored one, or the built-in default when none is. */
export class EscalationPolicyStore {
  private readonly insert: MultiRowInsert<EscalationPolicyEntity>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.insert = new MultiRowInsert(dataSource, EscalationPolicyEntity, [
      'severity',
      'definition',
      'updatedAt',
      'updatedBy',
    ]);
  }

  /** Every severity's policy, lowest severity first. */
  async all(): Promise<EscalationPolicyRecord[]> {
    const rows = await this.dataSource.manager.find(EscalationPolicyEntity);
    const stored = new Map(rows.map((row) => [row.severity, row]));
    return SEVERITIES.map((severity) => recordOf(severity, stored.get(severity)));
  }

  async get(severity: Severity): Promise<EscalationPolicyRecord> {
    const row = await this.dataSource.manager.findOneBy(EscalationPolicyEntity, { severity });
    return recordOf(severity, row ?? undefined);
  }

  /** The policy a case of this severity escalates by. */
  async policyFor(severity: Severity): Promise<EscalationPolicy> {
    return (await this.get(severity)).policy;
  }

  /** Replaces the policy of the policy's severity. */
  async set(policy: EscalationPolicy, actor: string): Promise<EscalationPolicyRecord> {
    const updatedAt = this.now();
    const tail = this.insert.onConflict(
      ['severity'],
      (['definition', 'updatedAt', 'updatedBy'] as const).map((p) => this.insert.replaced(p)),
    );
    await writeTransaction(this.dataSource, async (manager) => {
      await this.insert.run(
        manager,
        [{ severity: policy.severity, definition: policy, updatedAt, updatedBy: actor }],
        tail,
      );
      await new AuditLog(this.dataSource).append(
        {
          actor,
          action: 'escalation_policy.set',
          subjectType: 'escalation_policy',
          subjectId: policy.severity,
          details: { definition: policy },
          at: updatedAt,
        },
        manager,
      );
    });
    return { policy, isDefault: false, updatedAt, updatedBy: actor };
  }

  /** Goes back to the built-in default for the severity. */
  async reset(severity: Severity, actor: string): Promise<EscalationPolicyRecord> {
    await writeTransaction(this.dataSource, async (manager) => {
      await manager.delete(EscalationPolicyEntity, { severity });
      await new AuditLog(this.dataSource).append(
        {
          actor,
          action: 'escalation_policy.reset',
          subjectType: 'escalation_policy',
          subjectId: severity,
          at: this.now(),
        },
        manager,
      );
    });
    return recordOf(severity, undefined);
  }
}

function recordOf(
  severity: Severity,
  row: EscalationPolicyEntity | undefined,
): EscalationPolicyRecord {
  if (!row) {
    return {
      policy: DEFAULT_ESCALATION_POLICIES[severity],
      isDefault: true,
      updatedAt: null,
      updatedBy: null,
    };
  }
  return {
    policy: { ...row.definition, severity },
    isDefault: false,
    updatedAt: row.updatedAt,
    updatedBy: row.updatedBy,
  };
}
