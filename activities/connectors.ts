import type {
  ConnectorKind,
  RemediationStepRequest,
  RemediationStepResult,
  VerificationResult,
} from '@vigil/contracts';

/**
 * Carries out remediation steps for one connector kind. Every method is idempotent by the
 * request's idempotency key: a retry after a crash applies nothing twice. Permanent
 * failures are thrown as non-retryable ApplicationFailures of a REMEDIATION_FAILURES type;
 * anything else is retried by the activity's retry policy.
 */
export interface RemediationConnector {
  readonly kind: ConnectorKind;
  execute(request: RemediationStepRequest): Promise<RemediationStepResult>;
  verify(request: RemediationStepRequest): Promise<VerificationResult>;
  compensate(request: RemediationStepRequest): Promise<RemediationStepResult>;
}
