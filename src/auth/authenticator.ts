import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Request } from 'express';
import { AppConfig } from '../config/app-config';
import type { ApiKeyConfig } from '../config/app-config';
import { bearerToken, KeyRing } from './api-keys';
import type { Caller } from './caller';

/** Who sent a request: the configured API key matching its bearer token, if any. */
@Injectable()
export class Authenticator implements OnModuleInit {
  private readonly logger = new Logger('Auth');
  private readonly keys: KeyRing<ApiKeyConfig>;
  private readonly metricsKey: KeyRing<{ sha256: string }> | null;
  private readonly seen = new WeakMap<Request, Caller | null>();
  /** false: no keys configured, or AUTH_DISABLED=true; every request is anonymous */
  readonly enabled: boolean;

  constructor(private readonly config: AppConfig) {
    this.keys = new KeyRing(config.apiKeys);
    this.enabled = !config.authDisabled && config.apiKeys.length > 0;
    this.metricsKey = config.metricsKeySha256
      ? new KeyRing([{ sha256: config.metricsKeySha256 }])
      : null;
  }

  onModuleInit(): void {
    if (this.config.authDisabled) {
      this.logger.warn(
        'authentication is disabled (AUTH_DISABLED=true): every caller is anonymous',
      );
    } else if (!this.enabled) {
      this.logger.warn(
        'authentication is off: no API keys are configured (API_KEYS); every caller is anonymous',
      );
    }
  }

  /** The caller behind the request's bearer token, or null (no token, unknown key, auth off). */
  identify(req: Request): Caller | null {
    if (!this.enabled) return null;
    const known = this.seen.get(req);
    if (known !== undefined) return known;
    const token = bearerToken(req.headers);
    const key = token === null ? null : this.keys.match(token);
    const caller = key ? { name: key.name, role: key.role, projects: [...key.projects] } : null;
    this.seen.set(req, caller);
    return caller;
  }

  /** Whether /metrics may be read: open unless a metrics key is configured. */
  mayReadMetrics(req: Request): boolean {
    if (!this.metricsKey) return true;
    const token = bearerToken(req.headers);
    return token !== null && this.metricsKey.match(token) !== null;
  }
}
