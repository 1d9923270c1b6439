import { ApiKeyEntity } from './api-key.entity';
import { AuditHeadEntity, AuditLogEntity } from './audit.entity';
import {
  BaselineEntity,
  BaselineHourEntity,
  BaselineLifecycleEntity,
  BaselineRateBucketEntity,
  BaselineValueEntity,
  BASELINE_VALUE_LENGTH,
} from './baseline.entity';
import { CaseEntity, type CaseRemediationRecord } from './case.entity';
import { CaseOutcomeEntity } from './case-outcome.entity';
import { DetectorFeedbackEntity } from './detector-feedback.entity';
import { DetectorThresholdEntity } from './detector-threshold.entity';
import { DormancyMarkEntity } from './dormancy-mark.entity';
import { EventEntity } from './event.entity';
import { IdentityEntity } from './identity.entity';
import { PendingReportEntity } from './pending-report.entity';
import { PolicyActivationEntity, PolicySetEntity } from './policy.entity';
import {
  EscalationPolicyEntity,
  IDEMPOTENCY_KEY_LENGTH,
  IdentityRestrictionEntity,
  PlaybookEntity,
  RemediationActionEntity,
  RESTRICTION_VALUE_LENGTH,
  type RemediationActionStatus,
  type RemediationPhase,
  type RestrictionKind,
} from './remediation.entity';
import { TimelineEntryEntity } from './timeline-entry.entity';
import {
  ALLOWANCE_VALUE_LENGTH,
  BaselineAllowanceEntity,
  IdentityKindThresholdEntity,
  TuningReplayEntity,
  TuningRunEntity,
} from './tuning.entity';

export type { CaseRemediationRecord };
export type { RemediationActionStatus, RemediationPhase, RestrictionKind };

export {
  ApiKeyEntity,
  AuditHeadEntity,
  AuditLogEntity,
  BaselineEntity,
  BaselineHourEntity,
  BaselineLifecycleEntity,
  BaselineRateBucketEntity,
  BaselineValueEntity,
  BASELINE_VALUE_LENGTH,
  CaseEntity,
  CaseOutcomeEntity,
  DetectorFeedbackEntity,
  DetectorThresholdEntity,
  DormancyMarkEntity,
  EventEntity,
  IdentityEntity,
  PendingReportEntity,
  PolicyActivationEntity,
  PolicySetEntity,
  TimelineEntryEntity,
  EscalationPolicyEntity,
  IDEMPOTENCY_KEY_LENGTH,
  IdentityRestrictionEntity,
  PlaybookEntity,
  RemediationActionEntity,
  RESTRICTION_VALUE_LENGTH,
  ALLOWANCE_VALUE_LENGTH,
  BaselineAllowanceEntity,
  IdentityKindThresholdEntity,
  TuningReplayEntity,
  TuningRunEntity,
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
  DetectorFeedbackEntity,
  PlaybookEntity,
  EscalationPolicyEntity,
  IdentityRestrictionEntity,
  RemediationActionEntity,
  IdentityKindThresholdEntity,
  BaselineAllowanceEntity,
  TuningRunEntity,
  TuningReplayEntity,
  DormancyMarkEntity,
  PolicySetEntity,
  PolicyActivationEntity,
  ApiKeyEntity,
  AuditLogEntity,
  AuditHeadEntity,
];
