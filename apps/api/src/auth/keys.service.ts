import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import type { ApiKeyView, Principal, Role } from '@vigil/contracts';
import {
  ApiKeyNotFoundError,
  ApiKeyRevokedError,
  ApiKeyStore,
  LastAdminKeyError,
} from '@vigil/persistence';
import { ApiError } from '../common/api-error';
import { formatApiKey, generateApiKey, hashSecret, parseApiKey } from './api-key';
import { KeyAuthenticator } from './key-authenticator';

/** The name of the admin key Vigil makes (or takes from VIGIL_ADMIN_KEY) on first start. */
export const BOOTSTRAP_KEY_NAME = 'bootstrap-admin';
/** Recorded as the creator of the bootstrap key. */
const SYSTEM_ACTOR = 'vigil';

export type BootstrapResult =
  | { readonly created: false }
  | { readonly created: true; readonly id: string; readonly generatedKey: string | null };

@Injectable()
export class KeysService {
  private readonly logger = new Logger('keys');

  constructor(
    private readonly store: ApiKeyStore,
    private readonly authenticator: KeyAuthenticator,
  ) {}

  async create(
    input: { readonly name: string; readonly role: Role },
    by: Principal,
  ): Promise<ApiKeyView & { key: string }> {
    const key = generateApiKey();
    const view = await this.store.create({
      id: key.id,
      name: input.name,
      role: input.role,
      secretHash: await hashSecret(key.secret),
      createdBy: by.actor,
    });
    this.logger.log(`key ${view.id} (${view.role}) created for ${view.name} by ${by.actor}`);
    return { ...view, key: formatApiKey(key) };
  }

  list(includeRevoked: boolean): Promise<ApiKeyView[]> {
    return this.store.list({ includeRevoked });
  }

  async get(id: string): Promise<ApiKeyView> {
    const key = await this.store.find(id);
    if (!key) throw ApiError.notFound('key_not_found', `no API key ${id}`);
    const { secretHash: _hash, ...view } = key;
    return view;
  }

  async revoke(id: string, by: Principal): Promise<ApiKeyView> {
    try {
      const view = await this.store.revoke(id, by.actor);
      this.authenticator.forget(id);
      this.logger.log(`key ${id} (${view.role}, ${view.name}) revoked by ${by.actor}`);
      return view;
    } catch (error) {
      if (error instanceof ApiKeyNotFoundError) throw ApiError.notFound(error.code, error.message);
      if (error instanceof ApiKeyRevokedError || error instanceof LastAdminKeyError) {
        throw new ApiError(HttpStatus.CONFLICT, error.code, error.message);
      }
      throw error;
    }
  }

  /**
   * On a key store with no key at all, makes the admin key: `adminKey` when given
   * (VIGIL_ADMIN_KEY), otherwise a new one, which the caller shows once. Several instances
   * starting together make one key between them.
   */
  async bootstrap(adminKey: string | null): Promise<BootstrapResult> {
    const key = adminKey === null ? generateApiKey() : parseApiKey(adminKey);
    if (!key) throw new Error('VIGIL_ADMIN_KEY must look like vgl_<id>_<secret>');
    const created = await this.store.createIfEmpty({
      id: key.id,
      name: BOOTSTRAP_KEY_NAME,
      role: 'admin',
      secretHash: await hashSecret(key.secret),
      createdBy: SYSTEM_ACTOR,
    });
    if (!created) return { created: false };
    return {
      created: true,
      id: key.id,
      generatedKey: adminKey === null ? formatApiKey(key) : null,
    };
  }
}
