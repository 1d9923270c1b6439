import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { Principal, Role } from '@vigil/contracts';
import { AccessControl } from './access-control';
import { PUBLIC_METADATA, ROLES_METADATA } from './roles';

/**
 * Every route needs a key unless it is `@Public`; AccessControl decides whether the key may
 * call the route with the roles its `@Roles` allows. The principal is then on the request for
 * the route to record as actor.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly access: AccessControl,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_METADATA, targets)) return true;
    const req = context.switchToHttp().getRequest<Request & { principal?: Principal }>();
    const allowed = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_METADATA, targets);
    req.principal = await this.access.admit(
      {
        authorization: req.header('authorization'),
        address: req.ip ?? 'unknown',
        method: req.method,
        route: routeOf(req),
      },
      allowed ?? [],
    );
    return true;
  }
}

function routeOf(req: Request): string {
  const route = (req as { route?: { path?: unknown } }).route?.path;
  return typeof route === 'string' ? route : req.path;
}
