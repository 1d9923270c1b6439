import { randomUUID } from 'node:crypto';
import type { ExceptionKind, ExceptionReport, Severity } from '@vigil/contracts';

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
