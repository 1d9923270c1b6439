import { HttpStatus } from '@nestjs/common';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ApiError } from './api-error';
import { sendError } from './error.filter';
import { continueInRequestContext } from './request-id';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** The largest JSON body a route takes, in bytes (1 MiB). */
export const JSON_BODY_LIMIT = 1_048_576;

/**
 * JSON bodies only: a request that carries a body must say it is JSON, and a body that does
 * not parse is a 400 with the error body, not a stack trace.
 */
export function jsonBodyMiddleware(limit: number = JSON_BODY_LIMIT) {
  const parse = express.json({ limit, strict: true });
  return (req: Request, res: Response, next: NextFunction): void => {
    const hasBody =
      Number(req.header('content-length') ?? 0) > 0 ||
      req.header('transfer-encoding') !== undefined;
    if (BODY_METHODS.has(req.method) && hasBody && !req.is('application/json')) {
      sendError(
        res,
        new ApiError(
          HttpStatus.UNSUPPORTED_MEDIA_TYPE,
          'unsupported_media_type',
          `Content-Type must be application/json, got ${req.header('content-type') ?? 'none'}`,
        ),
      );
      return;
    }
    parse(req, res, (error?: unknown) => {
      if (error) return sendError(res, error);
      const unstorable = unstorableError(req.body);
      if (unstorable) return sendError(res, unstorable);
      continueInRequestContext(res, next);
    });
  };
}

/** The 400 for a parsed body that holds text the databases cannot store, if it does. */
export function unstorableError(body: unknown): ApiError | undefined {
  const field = unstorableField(body);
  return field === undefined
    ? undefined
    : ApiError.validation(
        field,
        `${field} contains a NUL character or an unpaired UTF-16 surrogate, which cannot be stored`,
      );
}

/** NUL, or a surrogate without its pair: text the databases cannot store as it is. */
// eslint-disable-next-line no-control-regex -- NUL is exactly what is looked for
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * The path of the first string (or key) in a parsed body that holds unstorable text;
 * refusing it here keeps it from failing a write later, after the request was accepted.
 */
export function unstorableField(value: unknown, path = 'body'): string | undefined {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? path : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = unstorableField(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const at = path === 'body' ? key : `${path}.${key}`;
      if (UNSTORABLE.test(key)) return at;
      const found = unstorableField(item, at);
      if (found) return found;
    }
  }
  return undefined;
}
