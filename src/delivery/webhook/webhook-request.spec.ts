import { Webhook } from 'standardwebhooks';
import { parseSigningKeys } from './signing-keys';
import { buildWebhookRequest, headerRefusal, WebhookTarget } from './webhook-request';

const keyA = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
const keyB = `whsec_${Buffer.alloc(40, 2).toString('base64')}`;
const target: WebhookTarget = {
  url: 'https://hooks.example.com/run',
  method: 'POST',
  headers: { authorization: 'Bearer abc', 'x-team': 'data' },
  timeoutMs: 30_000,
};
const run = { id: 'run_01J9', project: 'billing', state: 'RUNNING', attempt: 2 };
const attempt = {
  runId: 'run_01J9',
  scheduledAt: '2026-12-01T09:00:00.000Z',
  attempt: 2,
  run,
  leaseToken: 'lt_123',
};

describe('webhook request (Standard Webhooks)', () => {
  const now = new Date();

  it('is verified by the standardwebhooks library with the project key', () => {
    const keys = parseSigningKeys(`billing=${keyA}`).forProject('billing');
    const req = buildWebhookRequest(target, attempt, keys, now);
    const payload = new Webhook(keyA).verify(req.body, req.headers);
    expect(payload).toEqual({
      type: 'run.due',
      timestamp: now.toISOString(),
      data: { run, leaseToken: 'lt_123' },
    });
    expect(req.headers).toMatchObject({
      'webhook-id': 'run_01J9',
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'sundial-scheduled-at': '2026-12-01T09:00:00.000Z',
      'sundial-attempt': '2',
      'content-type': 'application/json',
      authorization: 'Bearer abc',
      'x-team': 'data',
    });
    expect(req.method).toBe('POST');
    expect(Number(req.headers['content-length'])).toBe(req.body.length);
  });

  it('carries one signature per key during a rotation; either key verifies', () => {
    const keys = parseSigningKeys(`*=${keyA}|${keyB}`).forProject('any');
    const req = buildWebhookRequest(target, attempt, keys, now);
    expect(req.headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(keyA).verify(req.body, req.headers)).not.toThrow();
    expect(() => new Webhook(keyB).verify(req.body, req.headers)).not.toThrow();
    const other = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
    expect(() => new Webhook(other).verify(req.body, req.headers)).toThrow();
  });

  it('fails verification when the body is altered', () => {
    const keys = parseSigningKeys(`*=${keyA}`).forProject('any');
    const req = buildWebhookRequest(target, attempt, keys, now);
    const tampered = Buffer.from(req.body.toString().replace('lt_123', 'lt_999'));
    expect(() => new Webhook(keyA).verify(tampered, req.headers)).toThrow();
  });

  it('refuses to build a call without a key', () => {
    expect(() => buildWebhookRequest(target, attempt, [], now)).toThrow('no signing key');
  });

  it('refuses configured headers that collide with its own or are malformed', () => {
    for (const name of [
      'webhook-id',
      'Webhook-Signature',
      'sundial-attempt',
      'Content-Type',
      'host',
      'Proxy-Authorization',
    ]) {
      expect(headerRefusal(name, 'x')).toBe('is set by Sundial and may not be configured');
    }
    expect(headerRefusal('bad name', 'x')).toBe('is not a valid header name');
    expect(headerRefusal('x-a', 'line\r\nx-evil: 1')).toBe('contains a control character');
    expect(headerRefusal('x-a', 5)).toBe('must be a string');
    expect(headerRefusal('Authorization', 'Bearer t\tok')).toBeNull();
  });
});
