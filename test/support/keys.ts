import type { DataSource } from 'typeorm';
import type { Role } from '@vigil/contracts';
import { ApiKeyStore } from '@vigil/persistence';
import { formatApiKey, generateApiKey, hashSecret } from '../../apps/api/src/auth/api-key';

export interface IssuedKey {
  readonly id: string;
  readonly key: string;
  readonly actor: string;
  readonly role: Role;
}

/** Puts a key in the store directly, for tests that drive workflows without the API. */
export async function issueKey(
  dataSource: DataSource,
  actor: string,
  role: Role,
): Promise<IssuedKey> {
  const key = generateApiKey();
  await new ApiKeyStore(dataSource).create({
    id: key.id,
    name: actor,
    role,
    secretHash: await hashSecret(key.secret),
    createdBy: 'test',
  });
  return { id: key.id, key: formatApiKey(key), actor, role };
}

/** The actor fields of a decision or proposal made with the key. */
export function actorOf(issued: IssuedKey): { actor: string; role: Role; keyId: string } {
  return { actor: issued.actor, role: issued.role, keyId: issued.id };
}
