import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { AppConfig } from '../config/app-config';
import { AuthGuard } from './auth.guard';
import { Authenticator } from './authenticator';
import { CallerRateLimiter } from './rate-limit.guard';

/**
 * API-key authentication and authorization as a global guard. The per-caller rate limit is a
 * middleware (CallerRateLimiter, installed by app.setup.ts) that runs before routing and body
 * parsing, so failed authentication attempts and unknown routes are limited too (per IP).
 */
@Module({})
export class AuthModule {
  static forRoot(_config: AppConfig): DynamicModule {
    return {
      module: AuthModule,
      providers: [Authenticator, CallerRateLimiter, { provide: APP_GUARD, useClass: AuthGuard }],
      exports: [Authenticator, CallerRateLimiter],
    };
  }
}
