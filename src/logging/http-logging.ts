import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import { routeTemplate } from '../metrics/route-template';

function summary(req: IncomingMessage, res: ServerResponse, durationMs: unknown) {
  const r = req as Request;
  const path = typeof r.path === 'string' ? r.path : (req.url ?? '').split('?')[0];
  return {
    method: req.method,
    route: routeTemplate(r) ?? 'unmatched',
    path: path.length > 256 ? `${path.slice(0, 256)}…` : path,
    statusCode: res.statusCode,
    durationMs,
  };
}

/**
 * One line per request once it is answered: request id, method, route template, path, status and
 * duration. Never headers (so never an Authorization header), the query string or a body.
 */
export function httpLoggingMiddleware(
  logger: Logger,
): (req: Request, res: Response, next: NextFunction) => void {
  const middleware = pinoHttp({
    logger,
    genReqId: (req) => (req as Request).id,
    quietReqLogger: true,
    quietResLogger: true,
    customAttributeKeys: { reqId: 'requestId', responseTime: 'durationMs' },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
    customSuccessMessage: () => 'request completed',
    customErrorMessage: () => 'request failed',
    customSuccessObject: (req, res, val: { durationMs?: unknown }) =>
      summary(req, res, val.durationMs),
    customErrorObject: (req, res, _err, val: { durationMs?: unknown }) =>
      summary(req, res, val.durationMs),
  });
  return (req, res, next) => middleware(req, res, next);
}
