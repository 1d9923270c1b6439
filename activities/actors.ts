import type { ActorClaim } from '@vigil/contracts';
import { ApiKeyStore } from '@vigil/persistence';
import type { ActivityDeps } from './index';

/**
 * The check a decision's actor must pass, wherever the decision came from: over the API
 * (which already checked the key) or straight through Temporal (`temporal workflow update`),
 * which bypasses the API. Read-only, so retrying it is harmless.
 */
export function createActorActivities(deps: Pick<ActivityDeps, 'dataSource'>) {
  const keys = new ApiKeyStore(deps.dataSource);
  return {
    async verifyActor(claim: ActorClaim): Promise<string | null> {
      const key = await keys.find(claim.keyId);
      if (!key) return `no API key ${claim.keyId}`;
      if (key.revokedAt !== null) return `API key ${claim.keyId} was revoked at ${key.revokedAt}`;
      if (key.name !== claim.actor) {
        return `API key ${claim.keyId} belongs to ${key.name}, not ${claim.actor}`;
      }
      if (key.role !== claim.role) {
        return `API key ${claim.keyId} holds the role ${key.role}, not ${claim.role}`;
      }
      return null;
    },
  };
}
