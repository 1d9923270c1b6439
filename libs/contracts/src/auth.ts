import type { Role } from './vocabulary';

/** Every API key reads `vgl_<id>_<secret>`; only a hash of the secret is stored. */
export const API_KEY_PREFIX = 'vgl';

/** Who is calling: the key they presented, the person or service it names, and its role. */
export interface Principal {
  readonly keyId: string;
  /** The key's name (a person's e-mail, or a service's name): recorded as the actor. */
  readonly actor: string;
  readonly role: Role;
}

/** An API key as the API shows it: never the secret or its hash. */
export interface ApiKeyView {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
  readonly revokedBy: string | null;
}
