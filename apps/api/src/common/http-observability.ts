import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '@vigil/config';
import type { ApiMetrics } from '../metrics/api-metrics';
import { requestIdOf } from './request-id';
import type { RouteTable } from './route-table';

/** The route label of a path the API does not serve (a bounded label for metrics). */
export const UNMATCHED_ROUTE = 'unmatched';

/** One answered (or abandoned) request, as logs and metrics record it. */
export interface RequestRecord {
  readonly requestId: string;
  readonly method: string;
  /** The route template, or UNMATCHED_ROUTE. */
  readonly route: string;
  readonly path: string;
  readonly status: number;
  readonly seconds: number;
}

/**
 * One JSON log line and one duration sample per request once its answer is sent (or the
 * client went away): request id, method, route template, path, status, duration.
 * Headers, query strings and bodies are not logged.
 */
export function httpObservability(logger: Logger, metrics: ApiMetrics, routes: RouteTable) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      recordRequest(logger, metrics, {
        requestId: requestIdOf(res),
        method: req.method,
        route: routes.match(req.path)?.template ?? UNMATCHED_ROUTE,
        path: req.path,
        // A client that hung up before the answer was sent: 499, as proxies record it.
        status: res.writableFinished ? res.statusCode : 499,
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
      });
    };
    res.once('finish', finish);
    res.once('close', finish);
    next();
  };
}

export function recordRequest(logger: Logger, metrics: ApiMetrics, record: RequestRecord): void {
  const { requestId, method, route, path, status, seconds } = record;
  metrics.httpRequest(method, route, status, seconds);
  logger.info(
    { requestId, method, route, path, status, durationMs: Math.round(seconds * 1e6) / 1e3 },
    'request',
  );
}
