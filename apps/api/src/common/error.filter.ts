import {
  ArgumentsHost,
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ExceptionFilter,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import type { ErrorBody } from '@vigil/contracts';
import { ApiError } from './api-error';
import { databaseUnavailableCause } from './database-errors';
import { requestIdOf } from './request-id';
import type { RouteTable } from './route-table';

/** Errors body-parser raises before a route runs, by their `type`. */
const BODY_PARSER_ERRORS: Record<string, { status: HttpStatus; code: string; message: string }> = {
  'entity.parse.failed': {
    status: HttpStatus.BAD_REQUEST,
    code: 'malformed_json',
    message: 'request body is not valid JSON',
  },
  'entity.too.large': {
    status: HttpStatus.PAYLOAD_TOO_LARGE,
    code: 'payload_too_large',
    message: 'request body is too large',
  },
  'encoding.unsupported': {
    status: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    code: 'unsupported_encoding',
    message: 'request body encoding is not supported',
  },
  'charset.unsupported': {
    status: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    code: 'unsupported_charset',
    message: 'request body charset is not supported',
  },
};

const logger = new Logger('http');

/** The error a JSON body that does not parse is answered with, wherever it was parsed. */
export function malformedJsonError(): ApiError {
  const { status, code, message } = BODY_PARSER_ERRORS['entity.parse.failed']!;
  return new ApiError(status, code, message);
}

/**
 * Every error leaves the API as `{ code, message, field?, requestId }`. A path the API
 * serves, asked with a method it does not answer, is a 405 with `Allow`, not a 404.
 */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  constructor(private readonly routes?: RouteTable) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const res = http.getResponse<Response>();
    const req = http.getRequest<Request>();
    const route = this.routes?.match(req.path);
    if (
      route &&
      error instanceof HttpException &&
      error.getStatus() === HttpStatus.NOT_FOUND &&
      !route.methods.includes(req.method)
    ) {
      res.setHeader('Allow', route.methods.join(', '));
      sendError(
        res,
        new ApiError(
          HttpStatus.METHOD_NOT_ALLOWED,
          'method_not_allowed',
          `${req.method} is not supported on ${route.template}; use ${route.methods.join(', ')}`,
        ),
      );
      return;
    }
    sendError(res, error);
  }
}

/** Answers with the error body; also used by middleware that runs outside Nest's filters. */
export function sendError(res: Response, error: unknown): void {
  const answer = errorAnswer(error, requestIdOf(res));
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
  res.status(answer.status).json(answer.body);
}

/**
 * The answer to a request that failed with `error`: status, the error body and the error's
 * headers. A failure of the API itself (a 5xx) is logged here, once.
 */
export function errorAnswer(
  error: unknown,
  requestId: string,
): { status: number; body: ErrorBody; headers: Readonly<Record<string, string>> } {
  const { status, body } = describeError(error);
  // A dependency that is down is expected and already named in the body; a stack is not.
  const databaseCause = databaseUnavailableCause(error);
  if (databaseCause) {
    logger.warn(`${body.code} (request ${requestId}): ${databaseCause.message}`);
  } else if (error instanceof ApiError && status >= 500) {
    logger.warn(`${body.code} (request ${requestId}): ${body.message}`);
  } else if (status >= 500) {
    logger.error(
      `${body.code} (request ${requestId}): ${error instanceof Error ? error.stack : String(error)}`,
    );
  }
  return {
    status,
    body: { ...body, requestId } satisfies ErrorBody,
    headers: (error instanceof ApiError && error.headers) || {},
  };
}

export function describeError(error: unknown): {
  status: number;
  body: Omit<ErrorBody, 'requestId'> & Readonly<Record<string, unknown>>;
} {
  if (error instanceof ApiError) {
    return {
      status: error.status,
      body: {
        code: error.code,
        message: error.message,
        ...(error.field ? { field: error.field } : {}),
        ...error.details,
      },
    };
  }
  const parserError = bodyParserError(error);
  if (parserError) {
    const { status, code, message } = parserError;
    const limit = (error as { limit?: unknown }).limit;
    const detail =
      code === 'payload_too_large' && typeof limit === 'number' ? ` (limit ${limit} bytes)` : '';
    return { status, body: { code, message: `${message}${detail}` } };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    return { status, body: { code: codeForStatus(status), message: messageOf(error) } };
  }
  if (databaseUnavailableCause(error)) {
    return {
      status: HttpStatus.SERVICE_UNAVAILABLE,
      body: {
        code: 'database_unavailable',
        message: 'the database is unavailable; retry the request',
      },
    };
  }
  return {
    status: HttpStatus.INTERNAL_SERVER_ERROR,
    body: { code: 'internal_error', message: 'unexpected error; see the server log' },
  };
}

function bodyParserError(error: unknown) {
  if (typeof error !== 'object' || error === null) return undefined;
  const type = (error as { type?: unknown }).type;
  return typeof type === 'string' ? BODY_PARSER_ERRORS[type] : undefined;
}

function messageOf(error: HttpException): string {
  const response = error.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : error.message;
}

function codeForStatus(status: number): string {
  switch (status) {
    case HttpStatus.NOT_FOUND:
      return 'not_found';
    case HttpStatus.METHOD_NOT_ALLOWED:
      return 'method_not_allowed';
    case HttpStatus.UNSUPPORTED_MEDIA_TYPE:
      return 'unsupported_media_type';
    case HttpStatus.PAYLOAD_TOO_LARGE:
      return 'payload_too_large';
    case HttpStatus.BAD_REQUEST:
      return 'bad_request';
    default:
      return status >= 500 ? 'internal_error' : 'request_failed';
  }
}
