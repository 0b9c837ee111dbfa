import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorageService } from '@nestjs/throttler';
import type { NextFunction, Request, Response } from 'express';
import { refuseUnread } from '../common/body-parsing';
import { DomainError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { Authenticator } from './authenticator';

const THROTTLER = 'default';

/** Health and metrics are never limited (matched like Express routes: any case, one trailing slash). */
function isExempt(path: string): boolean {
  const p = path.toLowerCase().replace(/\/$/, '');
  return p === '/metrics' || p === '/health' || p.startsWith('/health/');
}

/**
 * The per-caller rate limit (HTTP_RATE_LIMIT): one budget per API key name (else per client IP)
 * across all routes, counted by a middleware before routing and before any body is read, so
 * unknown routes (404), /docs and refused credentials count too, and a caller over the limit
 * never has a body parsed. Over the limit: 429 RATE_LIMITED with Retry-After, in the API's
 * error shape. Health and metrics are never limited. See docs/api-limits.md.
 */
@Injectable()
export class CallerRateLimiter implements OnApplicationShutdown {
  private readonly storage = new ThrottlerStorageService();
  private readonly logger = new Logger('RateLimit');

  constructor(
    private readonly config: AppConfig,
    private readonly authenticator: Authenticator,
  ) {}

  onApplicationShutdown(): void {
    this.storage.onApplicationShutdown();
  }

  /** The middleware; a no-op when HTTP_RATE_LIMIT is off. */
  middleware(): (req: Request, res: Response, next: NextFunction) => void {
    return (req, res, next) => {
      const limit = this.config.httpRateLimit;
      if (!limit || isExempt(req.path)) return next();
      const caller = this.authenticator.identify(req);
      const tracker = caller ? `key:${caller.name}` : `ip:${req.ip ?? 'unknown'}`;
      this.storage
        .increment(
          `${THROTTLER}:${tracker}`,
          limit.windowMs,
          limit.limit,
          limit.windowMs,
          THROTTLER,
        )
        .then((record) => {
          if (!record.isBlocked) return next();
          const seconds = Math.max(1, Math.ceil(record.timeToBlockExpire));
          refuseUnread(
            new DomainError(
              'RATE_LIMITED',
              `too many requests: at most ${limit.limit} per ${limit.windowMs / 1000}s; retry in ${seconds}s`,
              undefined,
              { 'Retry-After': String(seconds) },
            ),
            req,
            res,
          );
        })
        .catch((e: unknown) => {
          this.logger.error(e instanceof Error ? e.stack : String(e));
          next();
        });
    };
  }
}
