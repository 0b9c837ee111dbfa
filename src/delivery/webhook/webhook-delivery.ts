import { parseDuration } from '../../config/duration';
import type { WebhookTarget } from './webhook-request';

/**
 * The internal queue of every WEBHOOK trigger's runs, leased only by the dispatcher. Its name is
 * outside the queue-name pattern (`[a-z0-9-]`), so no worker can lease it over HTTP.
 */
export const WEBHOOK_QUEUE = '_webhooks';

export const DEFAULT_WEBHOOK_TIMEOUT = '30s';
export const MIN_WEBHOOK_TIMEOUT_MS = 1_000;
export const MAX_WEBHOOK_TIMEOUT_MS = 30 * 60_000;

/** The call target of a stored `spec.delivery`, or null when it is not a WEBHOOK delivery. */
export function webhookTargetOf(stored: unknown): WebhookTarget | null {
  if (typeof stored !== 'object' || stored === null) return null;
  const d = stored as Record<string, unknown>;
  if (d.type !== 'WEBHOOK' || typeof d.url !== 'string') return null;
  const timeoutMs = parseDuration(
    typeof d.timeout === 'string' ? d.timeout : DEFAULT_WEBHOOK_TIMEOUT,
  );
  const headers: Record<string, string> = {};
  if (typeof d.headers === 'object' && d.headers !== null) {
    for (const [k, v] of Object.entries(d.headers)) if (typeof v === 'string') headers[k] = v;
  }
  return {
    url: d.url,
    method: d.method === 'PUT' ? 'PUT' : 'POST',
    headers,
    timeoutMs: Math.min(
      MAX_WEBHOOK_TIMEOUT_MS,
      Math.max(MIN_WEBHOOK_TIMEOUT_MS, timeoutMs ?? 30_000),
    ),
  };
}
