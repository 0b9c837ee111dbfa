import { DynamicModule, Module, Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import type { AppConfig } from '../config/app-config';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { Authenticator } from './authenticator';
import { CallerRateLimitGuard } from './rate-limit.guard';

/**
 * API-key authentication and authorization, and the per-caller rate limit, as global guards.
 * The rate limit runs first, so failed authentication attempts are limited too (per IP).
 */
@Module({})
export class AuthModule {
  static forRoot(config: AppConfig): DynamicModule {
    const limit = config.httpRateLimit;
    const guards: Provider[] = [];
    if (limit) guards.push({ provide: APP_GUARD, useClass: CallerRateLimitGuard });
    guards.push({ provide: APP_GUARD, useClass: AuthGuard });
    return {
      module: AuthModule,
      imports: limit
        ? [ThrottlerModule.forRoot({ throttlers: [{ ttl: limit.windowMs, limit: limit.limit }] })]
        : [],
      controllers: [AuthController],
      providers: [Authenticator, ...guards],
      exports: [Authenticator],
    };
  }
}
