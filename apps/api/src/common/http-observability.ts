import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '@vigil/config';
import type { ApiMetrics } from '../metrics/api-metrics';
import { requestIdOf } from './request-id';
import type { RouteTable } from './route-table';

/** The route label of a path the API does not serve (a bounded label for metrics). */
export const UNMATCHED_ROUTE = 'unmatched';

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
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routes.match(req.path)?.template ?? UNMATCHED_ROUTE;
      // A client that hung up before the answer was sent: 499, as proxies record it.
      const status = res.writableFinished ? res.statusCode : 499;
      metrics.httpRequest(req.method, route, status, seconds);
      logger.info(
        {
          requestId: requestIdOf(res),
          method: req.method,
          route,
          path: req.path,
          status,
          durationMs: Math.round(seconds * 1e6) / 1e3,
        },
        'request',
      );
    };
    res.once('finish', finish);
    res.once('close', finish);
    next();
  };
}
