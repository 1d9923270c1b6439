import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';
import type { ErrorBody } from '@vigil/contracts';

export class ErrorBodyDto implements ErrorBody {
  @ApiProperty({ example: 'validation_failed', description: 'Stable, machine-readable code.' })
  code!: string;

  @ApiProperty({ example: 'severity must be one of low, medium, high, critical' })
  message!: string;

  @ApiPropertyOptional({ example: 'severity', description: 'Path of the offending field.' })
  field?: string;

  @ApiProperty({
    description: 'Echoed in the X-Request-Id header; quote it when reporting a problem.',
  })
  requestId!: string;
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request (validation_failed, malformed_json)',
  401: 'No valid API key (unauthenticated): send Authorization: Bearer vgl_<id>_<secret>',
  403: 'The key’s role may not do this (forbidden, role_not_allowed)',
  404: 'No such resource',
  409: 'Conflicts with the current state',
  413: 'Body too large',
  415: 'Body is not JSON',
  422: 'The policy set does not validate (policy_invalid, with Cedar diagnostics)',
  429: 'Over the key’s request rate (rate_limited); retry after Retry-After seconds',
  503: 'A dependency is unavailable (temporal_unavailable, database_unavailable); retry',
};

export function ApiErrorResponses(...statuses: number[]) {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: DESCRIPTIONS[status], type: ErrorBodyDto }),
    ),
  );
}
