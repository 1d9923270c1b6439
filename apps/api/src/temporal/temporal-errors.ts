import { status as GrpcStatus } from '@grpc/grpc-js';
import { isGrpcServiceError } from '@temporalio/client';
import { ApiError } from '../common/api-error';

const UNAVAILABLE = new Set<number>([
  GrpcStatus.UNAVAILABLE,
  GrpcStatus.DEADLINE_EXCEEDED,
  GrpcStatus.CANCELLED,
  GrpcStatus.RESOURCE_EXHAUSTED,
]);

export function isNotFound(error: unknown): boolean {
  return isGrpcServiceError(error) && error.code === GrpcStatus.NOT_FOUND;
}

/** Temporal being down or slow is a 503 the client may retry, never a 500. */
export function asUnavailable(error: unknown): ApiError | undefined {
  const grpc = isGrpcServiceError(error) ? error : findGrpcCause(error);
  if (grpc && UNAVAILABLE.has(grpc.code)) {
    return ApiError.unavailable(
      'temporal_unavailable',
      'the workflow service is unavailable; retry the request',
    );
  }
  return undefined;
}

function findGrpcCause(error: unknown) {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    current = (current as { cause?: unknown }).cause;
    if (isGrpcServiceError(current)) return current;
  }
  return undefined;
}
