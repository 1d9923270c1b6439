export { BaselineStore, type BaselineStoreOptions } from './baseline-store';
export { EventLedger } from './event-ledger';
export { EventArchive, eventOf, type EventCursor } from './event-archive';
export {
  DEFAULT_IDENTITY_PAGE_SIZE,
  EMPTY_POLICY,
  IdentityStore,
  InvalidCursorError,
  MAX_IDENTITY_PAGE_SIZE,
  TELEMETRY_ACTOR,
  UNCLASSIFIED_DEFAULTS,
  type IdentityFilter,
  type IdentityPage,
  type StoredIdentity,
} from './identity-store';
export { InvalidThresholdError, ThresholdStore } from './threshold-store';
export { ReportOutbox } from './report-outbox';
export {
  BUILT_IN_ACTOR,
  PlaybookStore,
  PlaybookVersionConflictError,
  type PlaybookRecord,
} from './playbook-store';
export { EscalationPolicyStore, type EscalationPolicyRecord } from './escalation-policy-store';
export { RestrictionStore, type IdentityRestriction } from './restriction-store';
export { RemediationLedger } from './remediation-ledger';
export {
  ReplayStore,
  TuningRunAlreadyRevertedError,
  TuningRunNotFoundError,
  TuningStore,
  allowanceOf,
  type StoredThresholds,
  type TuningRunWrite,
  type VerdictWindow,
} from './tuning-store';
export {
  PolicyStore,
  PolicyVersionNotFoundError,
  policySetDigest,
  type PolicyActivation,
  type PolicySetRecord,
  type PolicySetSource,
} from './policy-store';
export { caseViewOf } from './case-view';
export { STORE_PROVIDERS } from './stores.providers';
export { storedBaselineValue } from './stored-value';
export { writeTransaction } from './sql';
export { EventRetention, RETENTION_BATCH } from './event-retention';
export { DormancyMarkStore, recentlyResolved, type StoredDormancyMark } from './sweep-stores';
export {
  ApiKeyNotFoundError,
  ApiKeyRevokedError,
  ApiKeyStore,
  LastAdminKeyError,
  type NewApiKey,
  type StoredApiKey,
} from './api-key-store';
export { AuditLog, type AuditEntry, type AuditRecord, type AuditVerification } from './audit-log';
export {
  CASE_SYSTEM_ACTOR,
  CaseStatistics,
  type CaseStatisticsSnapshot,
  type DecidedBy,
  type LatencyDistribution,
} from './case-statistics';
