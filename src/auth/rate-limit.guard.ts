import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { Request } from 'express';
import { DomainError } from '../common/errors';
import { routeTemplate } from '../metrics/route-template';
import { Authenticator } from './authenticator';

/**
 * @nestjs/throttler per caller: one budget per API key name (else per client IP) across all
 * routes, rather than the library's default of one per route. Health and metrics are never
 * limited. Over the limit: 429 RATE_LIMITED with Retry-After in the API's error shape.
 */
@Injectable()
export class CallerRateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly authenticator: Authenticator,
  ) {
    super(options, storage, reflector);
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<Request>();
    const template = routeTemplate(req) ?? req.path;
    return template === '/metrics' || template === '/health' || template.startsWith('/health/');
  }

  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const caller = this.authenticator.identify(req as unknown as Request);
    if (caller) return `key:${caller.name}`;
    return `ip:${await super.getTracker(req)}`;
  }

  protected override generateKey(
    _context: ExecutionContext,
    tracker: string,
    name: string,
  ): string {
    return `${name}:${tracker}`;
  }

  protected override async throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const seconds = Math.max(1, Math.ceil(detail.timeToBlockExpire));
    throw new DomainError(
      'RATE_LIMITED',
      `too many requests: at most ${detail.limit} per ${detail.ttl / 1000}s; retry in ${seconds}s`,
      undefined,
      { 'Retry-After': String(seconds) },
    );
  }
}
