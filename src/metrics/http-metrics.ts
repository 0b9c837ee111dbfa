import type { NextFunction, Request, Response } from 'express';
import type { MetricsService } from './metrics.service';
import { routeTemplate } from './route-template';

/**
 * Times every request, labelled by its route template (`unmatched` when no route matched, e.g.
 * a 404 or a body rejected before routing), never by the raw path.
 */
export function httpMetricsMiddleware(
  metrics: MetricsService,
): (req: Request, res: Response, next: NextFunction) => void {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    let done = false;
    const record = (): void => {
      if (done) return;
      done = true;
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      metrics.observeHttp(req.method, routeTemplate(req) ?? 'unmatched', res.statusCode, seconds);
    };
    res.once('finish', record);
    res.once('close', record);
    next();
  };
}
