import type { CallResult } from './webhook-http-client';

/** What the dispatcher does with a run after its call (docs/webhooks.md "Outcome"). */
export type WebhookOutcome =
  | { action: 'complete'; result: unknown }
  /** 202: the receiver finishes the run itself with the lease token */
  | { action: 'await' }
  | {
      action: 'fail';
      retryable: boolean;
      error: { message: string; type: string };
      retryAfterMs?: number;
    };

/** `sundial_webhook_requests_total{outcome}` labels. */
export type RequestOutcomeLabel =
  '2xx' | '3xx' | '4xx' | '5xx' | 'timeout' | 'refused' | 'blocked' | 'error';

export const REQUEST_OUTCOME_LABELS: RequestOutcomeLabel[] = [
  '2xx',
  '3xx',
  '4xx',
  '5xx',
  'timeout',
  'refused',
  'blocked',
  'error',
];

/** The longest Retry-After honoured; a larger one is cut to this. */
export const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

export function outcomeLabel(result: CallResult): RequestOutcomeLabel {
  if (result.kind !== 'response') return result.kind;
  if (result.status >= 200 && result.status < 300) return '2xx';
  if (result.status >= 300 && result.status < 400) return '3xx';
  if (result.status >= 400 && result.status < 500) return '4xx';
  return '5xx';
}

/**
 * Maps a call's result to the run's outcome: 2xx completes (a JSON body of at most 64 KiB is
 * the result), 202 leaves the run to the receiver, 410 fails it for good, 429/503 with
 * Retry-After retry after that, and any other status, a redirect, a timeout, a refused or
 * blocked connection is a retryable failure.
 */
export function mapOutcome(result: CallResult, now: Date): WebhookOutcome {
  switch (result.kind) {
    case 'timeout':
      return fail('TIMEOUT', `no answer within ${result.timeoutMs} ms`);
    case 'refused':
      return fail('CONNECTION_REFUSED', result.message);
    case 'blocked':
      return fail('ADDRESS_REFUSED', result.message);
    case 'error':
      return fail('NETWORK', result.message);
    case 'response':
      return mapResponse(result, now);
  }
}

function mapResponse(result: Extract<CallResult, { kind: 'response' }>, now: Date): WebhookOutcome {
  const { status } = result;
  if (status === 202) return { action: 'await' };
  if (status >= 200 && status < 300) return { action: 'complete', result: jsonResult(result) };
  if (status === 410) {
    return { action: 'fail', retryable: false, error: { type: 'GONE', message: 'HTTP 410 Gone' } };
  }
  if (status >= 300 && status < 400) {
    return fail('REDIRECT', `HTTP ${status}: redirects are not followed`);
  }
  const failure = fail('HTTP_STATUS', `HTTP ${status}`);
  if (status === 429 || status === 503) {
    const after = retryAfterMs(result.headers['retry-after'], now);
    if (after !== null) return { ...failure, retryAfterMs: after };
  }
  return failure;
}

type Failure = Extract<WebhookOutcome, { action: 'fail' }>;

function fail(type: string, message: string): Failure {
  return { action: 'fail', retryable: true, error: { type, message } };
}

function jsonResult(result: Extract<CallResult, { kind: 'response' }>): unknown {
  const type = result.headers['content-type'] ?? '';
  if (result.body === null || result.body.length === 0 || !/\bjson\b/i.test(type)) {
    return undefined;
  }
  try {
    return JSON.parse(result.body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** Retry-After as delay-seconds or an HTTP date (RFC 9110 §10.2.3), in ms from `now`. */
export function retryAfterMs(value: string | undefined, now: Date): number | null {
  if (value === undefined) return null;
  const t = value.trim();
  let ms: number;
  if (/^\d+$/.test(t)) ms = Number(t) * 1000;
  else {
    const at = Date.parse(t);
    if (Number.isNaN(at) || !/[a-z]/i.test(t)) return null;
    ms = at - now.getTime();
  }
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}
