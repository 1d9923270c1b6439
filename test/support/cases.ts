import { randomUUID } from 'node:crypto';
import type { ExceptionKind, ExceptionReport, Identity, Severity } from '@vigil/contracts';

export function aReport(overrides: Partial<ExceptionReport> = {}): ExceptionReport {
  const identityId = overrides.identityId ?? 'svc-payments';
  const kind: ExceptionKind = overrides.kind ?? 'novel_scope';
  return {
    reportId: randomUUID(),
    identityId,
    kind,
    severity: 'high' satisfies Severity,
    fingerprint: `${identityId}.${kind}.${randomUUID().slice(0, 8)}`,
    evidence: { scope: 'secrets:write:vault/prod/*' },
    reportedAt: new Date().toISOString(),
    ...overrides,
  };
}

/** A declared identity for tests: a medium-criticality production service account. */
export function anIdentity(id: string, overrides: Partial<Identity> = {}): Identity {
  return {
    id,
    kind: 'service_account',
    owner: 'olga@example.com',
    team: 'payments',
    vendor: null,
    criticality: 'medium',
    environment: 'prod',
    policy: {
      rotationPeriodDays: null,
      rotationToleranceDays: null,
      allowedScopes: [],
      allowedTools: [],
      resourceSensitivity: [],
    },
    status: 'active',
    ...overrides,
  };
}
