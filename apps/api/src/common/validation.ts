import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { ApiError } from './api-error';

/**
 * Request validation: unknown fields are refused, types are converted only where declared,
 * and the first problem is reported with the path of the field that has it.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: true,
    exceptionFactory: (errors) => {
      const first = firstProblem(errors);
      return first
        ? ApiError.validation(first.field, first.message)
        : ApiError.validation('body', 'request is invalid');
    },
  });
}

export function firstProblem(
  errors: ValidationError[],
  parent = '',
): { field: string; message: string } | undefined {
  for (const error of errors) {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const constraints = Object.entries(error.constraints ?? {});
    if (constraints.length > 0) {
      const [kind, message] = constraints[0]!;
      return {
        field,
        message: kind === 'whitelistValidation' ? `${field} is not a known field` : message,
      };
    }
    const nested = firstProblem(error.children ?? [], field);
    if (nested) return nested;
  }
  return undefined;
}
