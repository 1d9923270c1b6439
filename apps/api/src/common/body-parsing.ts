import { HttpStatus } from '@nestjs/common';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ApiError } from './api-error';
import { sendError } from './error.filter';
import { continueInRequestContext } from './request-id';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

export const JSON_BODY_LIMIT = '1mb';

/**
 * JSON bodies only: a request that carries a body must say it is JSON, and a body that does
 * not parse is a 400 with the error body, not a stack trace.
 */
export function jsonBodyMiddleware(limit: string = JSON_BODY_LIMIT) {
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
    parse(req, res, (error?: unknown) =>
      error ? sendError(res, error) : continueInRequestContext(res, next),
    );
  };
}
