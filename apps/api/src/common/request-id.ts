import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { logContext } from '@vigil/config';

export const REQUEST_ID_HEADER = 'x-request-id';

const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * Reuses the caller's request id when it is sane, otherwise makes one; echoes it back, and
 * handles the rest of the request with it in the log context.
 */
export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  const id = requestIdFor(req.header(REQUEST_ID_HEADER));
  res.locals.requestId = id;
  res.setHeader(REQUEST_ID_HEADER, id);
  continueInRequestContext(res, next);
}

/** The caller's `X-Request-Id` when it is sane, otherwise a new one. */
export function requestIdFor(given: string | undefined): string {
  return given && ACCEPTABLE_REQUEST_ID.test(given) ? given : randomUUID();
}

export function requestIdOf(res: Response): string {
  return typeof res.locals.requestId === 'string' ? res.locals.requestId : 'unknown';
}

/**
 * Calls `next` with the request's log context. Middleware that reads the body resumes in
 * the socket's context, not the request's, so it hands over through this.
 */
export function continueInRequestContext(res: Response, next: () => void): void {
  logContext.run({ requestId: requestIdOf(res) }, next);
}
