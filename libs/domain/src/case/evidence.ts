import type { Identity } from '../../../contracts/src/telemetry';

/** The identity in brief, as every exception report's evidence carries it. */
export function identityBrief(
  identity: Identity,
): Pick<Identity, 'kind' | 'owner' | 'team' | 'vendor' | 'criticality' | 'environment'> {
  return {
    kind: identity.kind,
    owner: identity.owner,
    team: identity.team,
    vendor: identity.vendor,
    criticality: identity.criticality,
    environment: identity.environment,
  };
}
