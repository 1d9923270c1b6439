import {
  BaselineEntity,
  BaselineHourEntity,
  BaselineLifecycleEntity,
  BaselineRateBucketEntity,
  BaselineValueEntity,
  BASELINE_VALUE_LENGTH,
} from './baseline.entity';
import { CaseEntity } from './case.entity';
import { CaseOutcomeEntity } from './case-outcome.entity';
import { DetectorThresholdEntity } from './detector-threshold.entity';
import { EventEntity } from './event.entity';
import { IdentityEntity } from './identity.entity';
import { PendingReportEntity } from './pending-report.entity';
import { TimelineEntryEntity } from './timeline-entry.entity';

export {
  BaselineEntity,
  BaselineHourEntity,
  BaselineLifecycleEntity,
  BaselineRateBucketEntity,
  BaselineValueEntity,
  BASELINE_VALUE_LENGTH,
  CaseEntity,
  CaseOutcomeEntity,
  DetectorThresholdEntity,
  EventEntity,
  IdentityEntity,
  PendingReportEntity,
  TimelineEntryEntity,
};

export const ENTITIES = [
  CaseEntity,
  TimelineEntryEntity,
  CaseOutcomeEntity,
  IdentityEntity,
  EventEntity,
  BaselineEntity,
  BaselineHourEntity,
  BaselineValueEntity,
  BaselineRateBucketEntity,
  BaselineLifecycleEntity,
  DetectorThresholdEntity,
  PendingReportEntity,
];
