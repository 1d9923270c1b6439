import { HttpStatus } from '@nestjs/common';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { BatchFormat } from '@vigil/domain';
import { ApiError } from './api-error';
import { sendError } from './error.filter';
import { continueInRequestContext } from './request-id';

/** Largest batch body: 5 MiB. */
export const BATCH_BODY_LIMIT_BYTES = 5 * 1024 * 1024;

const FORMATS: ReadonlyArray<[string, BatchFormat]> = [
  ['application/json', 'json'],
  ['application/x-ndjson', 'ndjson'],
  ['application/ndjson', 'ndjson'],
  ['application/jsonl', 'ndjson'],
];

/** A batch request's raw body and its format, for the route to parse item by item. */
export interface BatchBody {
  readonly format: BatchFormat;
  readonly text: string;
}

/**
 * Batch routes take a JSON array or NDJSON up to 5 MiB. The body is kept as text so that one
 * bad NDJSON line is refused on its own instead of failing the whole request.
 */
export function batchBodyMiddleware(limitBytes: number = BATCH_BODY_LIMIT_BYTES) {
  const read = express.text({ type: () => true, limit: limitBytes });
  return (req: Request, res: Response, next: NextFunction): void => {
    const format = FORMATS.find(([type]) => req.is(type))?.[1];
    if (!format) {
      sendError(
        res,
        new ApiError(
          HttpStatus.UNSUPPORTED_MEDIA_TYPE,
          'unsupported_media_type',
          `Content-Type must be application/json (an array) or application/x-ndjson, got ${req.header('content-type') ?? 'none'}`,
        ),
      );
      return;
    }
    read(req, res, (error?: unknown) => {
      if (error) {
        sendError(res, error);
        return;
      }
      const text = typeof req.body === 'string' ? req.body : '';
      req.body = { format, text } satisfies BatchBody;
      continueInRequestContext(res, next);
    });
  };
}
