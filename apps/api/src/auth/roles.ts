import {
  SetMetadata,
  applyDecorators,
  createParamDecorator,
  type ExecutionContext,
} from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import type { Principal, Role } from '@vigil/contracts';
import { ApiErrorResponses } from '../common/openapi';

export const ROLES_METADATA = 'vigil:roles';
export const PUBLIC_METADATA = 'vigil:public';

/**
 * The roles that may call a route (on a handler, or on a controller for all its handlers);
 * `admin` may always. A route with no `@Roles` is for `admin` only.
 */
export function Roles(...roles: Role[]) {
  return applyDecorators(
    SetMetadata(ROLES_METADATA, roles),
    ApiBearerAuth(),
    ApiErrorResponses(401, 403, 429, 503),
  );
}

/** A route anyone may call without a key (health probes, the API's own documentation). */
export function Public() {
  return SetMetadata(PUBLIC_METADATA, true);
}

/** Reads on cases and their evidence. */
export const CASE_READERS: Role[] = ['analyst', 'auditor'];
/** Reads of configuration: identities, baselines, detectors, playbooks, policies, tuning. */
export const CONFIG_READERS: Role[] = ['analyst', 'auditor'];

/** The caller the auth guard established; every authenticated route has one. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => {
    const principal = context.switchToHttp().getRequest<{ principal?: Principal }>().principal;
    if (!principal) throw new Error('route has no authenticated principal; is it @Public?');
    return principal;
  },
);
