import {
  HttpStatus,
  Inject,
  Injectable,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { VIGIL_CONFIG, type VigilConfig } from '@vigil/config';
import type { Principal, Role } from '@vigil/contracts';
import { ApiError } from '../common/api-error';
import { KeyAuthenticator } from './key-authenticator';
import { RateLimiter } from './rate-limiter';
import { PUBLIC_METADATA, ROLES_METADATA } from './roles';

/** Wrong keys one client address may present per second before it is slowed down. */
const REFUSALS_PER_SECOND = 10;

/**
 * Every route needs a key unless it is `@Public`: the key must be valid and not revoked, its
 * role must be one the route allows (`admin` is allowed everywhere), and it must be within
 * its request rate. The principal is then on the request for the route to record as actor.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly limiter: RateLimiter | null;
  private readonly refusals = new RateLimiter(REFUSALS_PER_SECOND);

  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: KeyAuthenticator,
    @Inject(VIGIL_CONFIG) config: VigilConfig,
  ) {
    this.limiter =
      config.auth.ratePerSecond === null ? null : new RateLimiter(config.auth.ratePerSecond);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_METADATA, targets)) return true;
    const http = context.switchToHttp();
    const req = http.getRequest<Request & { principal?: Principal }>();
    const res = http.getResponse<Response>();

    const presented = bearerOf(req.header('authorization'));
    if (presented === null) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="vigil"');
      throw new ApiError(
        HttpStatus.UNAUTHORIZED,
        'unauthenticated',
        'send an API key: Authorization: Bearer vgl_<id>_<secret>',
        'authorization',
      );
    }
    // An address that keeps presenting wrong keys is slowed down before any hashing.
    const address = req.ip ?? 'unknown';
    const cooling = this.authenticator.trusts(presented) ? 0 : this.refusals.waitFor(address);
    if (cooling > 0) {
      throw this.tooMany(res, cooling, 'too many requests with invalid keys from this address');
    }
    const principal = await this.authenticator.authenticate(presented);
    if (!principal) {
      this.refusals.take(address);
      res.setHeader('WWW-Authenticate', 'Bearer realm="vigil", error="invalid_token"');
      throw new ApiError(
        HttpStatus.UNAUTHORIZED,
        'invalid_key',
        'the API key is unknown, revoked or malformed',
        'authorization',
      );
    }
    const retryAfter = this.limiter?.take(principal.keyId) ?? 0;
    if (retryAfter > 0) {
      throw this.tooMany(res, retryAfter, `key ${principal.keyId} is over its request rate`);
    }
    const allowed = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_METADATA, targets);
    if (principal.role !== 'admin' && !(allowed ?? []).includes(principal.role)) {
      throw new ApiError(
        HttpStatus.FORBIDDEN,
        'forbidden',
        `role ${principal.role} may not ${req.method} ${routeOf(req)}; ` +
          `allowed: ${['admin', ...(allowed ?? [])].join(', ')}`,
      );
    }
    req.principal = principal;
    return true;
  }

  private tooMany(res: Response, seconds: number, message: string): ApiError {
    res.setHeader('Retry-After', String(seconds));
    return new ApiError(HttpStatus.TOO_MANY_REQUESTS, 'rate_limited', message);
  }
}

function bearerOf(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}

function routeOf(req: Request): string {
  const route = (req as { route?: { path?: unknown } }).route?.path;
  return typeof route === 'string' ? route : req.path;
}
