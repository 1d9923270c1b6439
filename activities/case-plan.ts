import type { DataSource } from 'typeorm';
import type { CaseActivities, CasePlan, CasePlanInput, Playbook } from '@vigil/contracts';
import { containmentFor, matchPlaybook } from '@vigil/domain';
import { EscalationPolicyStore, PlaybookStore } from '@vigil/persistence';

export interface CasePlanDeps {
  readonly dataSource: DataSource;
}

export type PlanActivities = Pick<CaseActivities, 'planCase' | 'loadPlaybook'>;

/**
 * Planning a case: the active playbook that matches it, the containment for its identity
 * and the escalation policy of its severity, each as stored now (built-in defaults where
 * nothing is stored). Reads only: safe to retry.
 */
export function createPlanActivities(deps: CasePlanDeps): PlanActivities {
  const playbooks = new PlaybookStore(deps.dataSource);
  const policies = new EscalationPolicyStore(deps.dataSource);

  return {
    async planCase({ report, severity, identityKind }: CasePlanInput): Promise<CasePlan> {
      const [active, escalation] = await Promise.all([
        playbooks.active(),
        policies.policyFor(severity),
      ]);
      return {
        playbook: matchPlaybook(active, report.kind, identityKind, report.evidence),
        containment: containmentFor(active, identityKind),
        escalation,
      };
    },

    async loadPlaybook({ id, version }): Promise<Playbook | null> {
      const record = await playbooks.get(id, version ?? undefined);
      return record?.playbook ?? null;
    },
  };
}
