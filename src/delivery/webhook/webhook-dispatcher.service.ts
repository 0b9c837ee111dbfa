import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { Clock } from '../../common/clock';
import { AppConfig } from '../../config/app-config';
import { MetricsService } from '../../metrics/metrics.service';
import { OriginLimiter } from './origin-limiter';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookHttpClient } from './webhook-http-client';
import { WebhookLeaseAdapter } from './webhook-lease.adapter';
import { WebhookMetrics } from './webhook-metrics';

/** A lease outlasts the call's timeout by this much (docs/webhooks.md "Outcomes"). */
export const LEASE_MARGIN_MS = 5_000;

/**
 * The built-in webhook worker of every instance (docs/webhooks.md "Load"): started with the app
 * when WEBHOOK_DISPATCHER_ENABLED, stopped before the database closes.
 */
@Injectable()
export class WebhookDispatcherService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Webhooks');
  private readonly dispatcher: WebhookDispatcher;

  constructor(
    private readonly config: AppConfig,
    port: WebhookLeaseAdapter,
    metrics: MetricsService,
    clock: Clock,
  ) {
    const w = config.webhooks;
    const webhookMetrics = new WebhookMetrics(metrics);
    this.dispatcher = new WebhookDispatcher(
      port,
      new WebhookHttpClient({ allowedCidrs: w.allowedCidrs, requireHttps: w.requireHttps }),
      new OriginLimiter(w.concurrency, w.concurrencyPerOrigin),
      w.signingKeys,
      {
        request: (outcome, seconds) => webhookMetrics.request(outcome, seconds),
        problem: (message) => this.logger.warn(message),
      },
      {
        leaseMs: 30_000 + LEASE_MARGIN_MS,
        leaseMarginMs: LEASE_MARGIN_MS,
        waitMs: 1_000,
        maxParked: Math.max(1_000, w.concurrency * 10),
        now: () => clock.now(),
      },
    );
  }

  onApplicationBootstrap(): void {
    if (!this.config.webhooks.dispatcherEnabled) return;
    this.dispatcher.start();
    this.logger.log(
      `dispatching webhooks: ${this.config.webhooks.concurrency} calls in flight, ${this.config.webhooks.concurrencyPerOrigin} per origin; signing keys: ${this.config.webhooks.signingKeys.describe()}`,
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.dispatcher.stop(this.config.shutdownTimeoutMs);
  }
}
