import { ApplicationFailure } from '@temporalio/common';
import {
  REMEDIATION_FAILURES,
  type CaseActivities,
  type ConnectorKind,
  type RemediationStepRequest,
} from '@vigil/contracts';
import type { RemediationConnector } from './connectors';

export interface RemediationDeps {
  /** One connector per kind; a step for a kind not listed fails as not configured. */
  readonly connectors: readonly RemediationConnector[];
}

export type RemediationActivities = Pick<
  CaseActivities,
  'executeRemediationStep' | 'verifyRemediationStep' | 'compensateRemediationStep'
>;

/**
 * The remediation step activities: each hands the step to the connector its `connector`
 * names. The connectors make every call idempotent by the step's key, so the activities
 * may be retried freely.
 */
export function createRemediationActivities(deps: RemediationDeps): RemediationActivities {
  const byKind = new Map<ConnectorKind, RemediationConnector>();
  for (const connector of deps.connectors) {
    if (byKind.has(connector.kind)) {
      throw new Error(`two remediation connectors for ${connector.kind}`);
    }
    byKind.set(connector.kind, connector);
  }

  const connectorFor = (request: RemediationStepRequest): RemediationConnector => {
    const connector = byKind.get(request.connector);
    if (!connector) {
      throw ApplicationFailure.create({
        message:
          `no ${request.connector} connector is configured for step ${request.step} ` +
          `(${request.action}) of playbook ${request.playbookId}`,
        type: REMEDIATION_FAILURES.notConfigured,
        nonRetryable: true,
      });
    }
    return connector;
  };

  return {
    async executeRemediationStep(request) {
      return connectorFor(request).execute(request);
    },
    async verifyRemediationStep(request) {
      return connectorFor(request).verify(request);
    },
    async compensateRemediationStep(request) {
      return connectorFor(request).compensate(request);
    },
  };
}
