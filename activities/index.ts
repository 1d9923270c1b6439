import type { CaseActivities } from '@vigil/contracts';
import { createCaseRecordActivities, type CaseRecordDeps } from './case-records';

export type ActivityDeps = CaseRecordDeps;

/** Every activity the worker registers, built from its dependencies. */
export function createActivities(deps: ActivityDeps): CaseActivities {
  return { ...createCaseRecordActivities(deps) };
}

export { createCaseRecordActivities };
