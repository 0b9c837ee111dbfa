import { Counter, Histogram } from 'prom-client';
import type { MetricsService } from '../../metrics/metrics.service';
import { REQUEST_OUTCOME_LABELS, type RequestOutcomeLabel } from './webhook-outcome';

/**
 * `sundial_webhook_requests_total{outcome}` and `sundial_webhook_duration_seconds`
 * (docs/webhooks.md "Metrics"), registered in the app's own registry.
 */
export class WebhookMetrics {
  private readonly requests: Counter<'outcome'>;
  private readonly duration: Histogram;

  constructor(metrics: MetricsService) {
    this.requests = new Counter({
      name: 'sundial_webhook_requests_total',
      help: 'Webhook calls by outcome (2xx, 3xx, 4xx, 5xx, timeout, refused, blocked, error)',
      labelNames: ['outcome'] as const,
      registers: [metrics.registry],
    });
    this.duration = new Histogram({
      name: 'sundial_webhook_duration_seconds',
      help: 'Duration of webhook calls, from the request to the answer (or its end)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800],
      registers: [metrics.registry],
    });
    for (const outcome of REQUEST_OUTCOME_LABELS) this.requests.inc({ outcome }, 0);
  }

  /** One call ended with `outcome` after `seconds`. */
  request(outcome: RequestOutcomeLabel, seconds: number): void {
    this.requests.inc({ outcome });
    this.duration.observe(Math.max(0, seconds));
  }
}
