import { CaseEntity } from './case.entity';
import { CaseOutcomeEntity } from './case-outcome.entity';
import { TimelineEntryEntity } from './timeline-entry.entity';

export { CaseEntity, CaseOutcomeEntity, TimelineEntryEntity };

export const ENTITIES = [CaseEntity, TimelineEntryEntity, CaseOutcomeEntity];
