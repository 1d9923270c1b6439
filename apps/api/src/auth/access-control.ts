import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { VIGIL_CONFIG, type VigilConfig } from '@vigil/config';
import type { Principal, Role } from '@vigil/contracts';
import { ApiError } from '../common/api-error';
import { KeyAuthenticator } from './key-authenticator';
import { RateLimiter } from './rate-limiter';

/** Wrong keys one client address may present per second before it is slowed down. */
const REFUSALS_PER_SECOND = 10;

/** What access control reads of a request. */
export interface AccessRequest {
  /** The `Authorization` header as sent. */
  readonly authorization: string | undefined;
  /** The client's address, for slowing down one that keeps presenting wrong keys. */
  readonly address: string;
  readonly method: string;
  /** The route as the API documents it, for the message of a 403. */
  readonly route: string;
}

/**
 * Who may call what: the key must be valid and not revoked, its role must be one the route
 * allows (`admin` is allowed everywhere), and it must be within its request rate. One
 * instance serves every way a request reaches a route, so a key's rate is one budget.
 */
@Injectable()
export class AccessControl {
  private readonly limiter: RateLimiter | null;
  private readonly refusals = new RateLimiter(REFUSALS_PER_SECOND);

  constructor(
    private readonly authenticator: KeyAuthenticator,
    @Inject(VIGIL_CONFIG) config: VigilConfig,
  ) {
    this.limiter =
      config.auth.ratePerSecond === null ? null : new RateLimiter(config.auth.ratePerSecond);
  }

  /**
   * The principal the request's key names, when it may call a route open to `allowed`;
   * otherwise throws the 401, 403 or 429 to answer with (headers included).
   */
  async admit(request: AccessRequest, allowed: readonly Role[]): Promise<Principal> {
    const presented = bearerOf(request.authorization);
    if (presented === null) {
      throw new ApiError(
        HttpStatus.UNAUTHORIZED,
        'unauthenticated',
        'send an API key: Authorization: Bearer vgl_<id>_<secret>',
        'authorization',
        undefined,
        { 'WWW-Authenticate': 'Bearer realm="vigil"' },
      );
    }
    // An address that keeps presenting wrong keys is slowed down before any hashing.
    const cooling = this.authenticator.trusts(presented)
      ? 0
      : this.refusals.waitFor(request.address);
    if (cooling > 0) {
      throw tooMany(cooling, 'too many requests with invalid keys from this address');
    }
    const principal = await this.authenticator.authenticate(presented);
    if (!principal) {
      this.refusals.take(request.address);
      throw new ApiError(
        HttpStatus.UNAUTHORIZED,
        'invalid_key',
        'the API key is unknown, revoked or malformed',
        'authorization',
        undefined,
        { 'WWW-Authenticate': 'Bearer realm="vigil", error="invalid_token"' },
      );
    }
    const retryAfter = this.limiter?.take(principal.keyId) ?? 0;
    if (retryAfter > 0) {
      throw tooMany(retryAfter, `key ${principal.keyId} is over its request rate`);
    }
    if (principal.role !== 'admin' && !allowed.includes(principal.role)) {
      throw new ApiError(
        HttpStatus.FORBIDDEN,
        'forbidden',
        `role ${principal.role} may not ${request.method} ${request.route}; ` +
          `allowed: ${['admin', ...allowed].join(', ')}`,
      );
    }
    return principal;
  }
}

function tooMany(seconds: number, message: string): ApiError {
  return new ApiError(HttpStatus.TOO_MANY_REQUESTS, 'rate_limited', message, undefined, undefined, {
    'Retry-After': String(seconds),
  });
}

function bearerOf(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}
