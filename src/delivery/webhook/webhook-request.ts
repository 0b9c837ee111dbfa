import type { SigningKey } from './signing-keys';

/** A WEBHOOK delivery as stored in a trigger's spec (docs/webhooks.md). */
export interface WebhookTarget {
  url: string;
  method: 'POST' | 'PUT';
  headers: Record<string, string>;
  timeoutMs: number;
}

/** What one attempt is about: the run as the API shows it, plus the fields the headers use. */
export interface WebhookAttempt {
  runId: string;
  /** the slot, ISO 8601 (the same on every attempt) */
  scheduledAt: string;
  /** the number of this attempt (1 for the first) */
  attempt: number;
  /** the run as `GET /runs/{id}` answers it */
  run: unknown;
  leaseToken: string;
}

export interface WebhookRequest {
  url: string;
  method: 'POST' | 'PUT';
  headers: Record<string, string>;
  body: Buffer;
}

/**
 * The Standard Webhooks `webhook-signature` value: `v1,<base64 HMAC-SHA256>` for each key over
 * `{id}.{timestamp}.{body}`, space-separated, so a receiver holding either key of a rotation can
 * verify the call.
 */
export function signatureHeader(
  keys: readonly SigningKey[],
  id: string,
  timestampSeconds: number,
  body: Buffer | string,
): string {
  const content = `${id}.${timestampSeconds}.${body.toString()}`;
  return keys.map((k) => `v1,${k.sign(content)}`).join(' ');
}

/**
 * Builds one attempt's call: the body `{ type: "run.due", timestamp, data: { run, leaseToken } }`
 * and the headers of docs/webhooks.md (the configured ones first; deploy refuses any that
 * would collide with Sundial's own). `now` is this attempt's time.
 */
export function buildWebhookRequest(
  target: WebhookTarget,
  attempt: WebhookAttempt,
  keys: readonly SigningKey[],
  now: Date,
): WebhookRequest {
  if (keys.length === 0) throw new Error('no signing key for this run (WEBHOOK_SIGNING_KEYS)');
  const timestampSeconds = Math.floor(now.getTime() / 1000);
  const body = Buffer.from(
    JSON.stringify({
      type: 'run.due',
      timestamp: now.toISOString(),
      data: { run: attempt.run, leaseToken: attempt.leaseToken },
    }),
  );
  return {
    url: target.url,
    method: target.method,
    headers: {
      ...target.headers,
      'content-type': 'application/json',
      'content-length': String(body.length),
      'user-agent': 'Sundial-Webhooks/1',
      'webhook-id': attempt.runId,
      'webhook-timestamp': String(timestampSeconds),
      'webhook-signature': signatureHeader(keys, attempt.runId, timestampSeconds, body),
      'sundial-scheduled-at': attempt.scheduledAt,
      'sundial-attempt': String(attempt.attempt),
    },
    body,
  };
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,256}$/;
const RESERVED = new Set([
  'content-type',
  'content-length',
  'host',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'expect',
  'te',
  'trailer',
  'user-agent',
]);

/** Why a configured header may not be sent (null when it may): names and values per RFC 9110. */
export function headerRefusal(name: string, value: unknown): string | null {
  if (!TOKEN.test(name)) return 'is not a valid header name';
  const lower = name.toLowerCase();
  if (RESERVED.has(lower) || /^(webhook-|sundial-|proxy-)/.test(lower)) {
    return 'is set by Sundial and may not be configured';
  }
  if (typeof value !== 'string') return 'must be a string';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) return 'contains a control character';
  if (value.length > 8192) return 'is longer than 8,192 characters';
  return null;
}
