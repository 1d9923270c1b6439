import { HttpStatus } from '@nestjs/common';

/** An error the API answers with: a stable `code`, a message a person can act on, the field. */
export class ApiError extends Error {
  constructor(
    readonly status: HttpStatus,
    readonly code: string,
    message: string,
    readonly field?: string,
    /** More of the answer's body, e.g. the diagnostics of a rejected policy set. */
    readonly details?: Readonly<Record<string, unknown>>,
    /** Headers the answer carries, e.g. `Retry-After` on a 429. */
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  static validation(field: string, message: string): ApiError {
    return new ApiError(HttpStatus.BAD_REQUEST, 'validation_failed', message, field);
  }

  static notFound(code: string, message: string): ApiError {
    return new ApiError(HttpStatus.NOT_FOUND, code, message);
  }

  static conflict(code: string, message: string): ApiError {
    return new ApiError(HttpStatus.CONFLICT, code, message);
  }

  static unavailable(code: string, message: string): ApiError {
    return new ApiError(HttpStatus.SERVICE_UNAVAILABLE, code, message);
  }
}
