import type { IncomingHttpHeaders } from 'node:http';
import type { CallResult } from './webhook-http-client';
import { mapOutcome, outcomeLabel, retryAfterMs } from './webhook-outcome';

const now = new Date('2026-12-01T09:00:00Z');
const response = (
  status: number,
  headers: IncomingHttpHeaders = {},
  body?: string,
): CallResult => ({
  kind: 'response',
  status,
  headers,
  body: body === undefined ? Buffer.alloc(0) : Buffer.from(body),
});

describe('webhook outcome', () => {
  it('completes on 2xx with a JSON body as the result', () => {
    expect(
      mapOutcome(response(200, { 'content-type': 'application/json' }, '{"rows":3}'), now),
    ).toEqual({
      action: 'complete',
      result: { rows: 3 },
    });
    expect(mapOutcome(response(204), now)).toEqual({ action: 'complete', result: undefined });
    expect(mapOutcome(response(200, { 'content-type': 'text/plain' }, 'ok'), now)).toEqual({
      action: 'complete',
      result: undefined,
    });
    expect(mapOutcome(response(200, { 'content-type': 'application/json' }, '{bad'), now)).toEqual({
      action: 'complete',
      result: undefined,
    });
    const big: CallResult = {
      kind: 'response',
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: null,
    };
    expect(mapOutcome(big, now)).toEqual({ action: 'complete', result: undefined });
  });

  it('leaves a 202 to the receiver', () => {
    expect(mapOutcome(response(202), now)).toEqual({ action: 'await' });
  });

  it('fails 410 for good', () => {
    expect(mapOutcome(response(410), now)).toMatchObject({
      action: 'fail',
      retryable: false,
      error: { type: 'GONE' },
    });
  });

  it('honours Retry-After on 429 and 503 only', () => {
    expect(mapOutcome(response(429, { 'retry-after': '7' }), now)).toMatchObject({
      retryable: true,
      retryAfterMs: 7000,
    });
    expect(
      mapOutcome(response(503, { 'retry-after': 'Tue, 01 Dec 2026 09:01:00 GMT' }), now),
    ).toMatchObject({
      retryAfterMs: 60_000,
    });
    expect(mapOutcome(response(500, { 'retry-after': '7' }), now)).not.toHaveProperty(
      'retryAfterMs',
    );
    expect(mapOutcome(response(429), now)).not.toHaveProperty('retryAfterMs');
  });

  it('retries other statuses, redirects, timeouts and connection failures', () => {
    const cases: [CallResult, string, string][] = [
      [response(500), 'HTTP_STATUS', '5xx'],
      [response(404), 'HTTP_STATUS', '4xx'],
      [response(302, { location: 'http://10.0.0.1/' }), 'REDIRECT', '3xx'],
      [{ kind: 'timeout', timeoutMs: 1000 }, 'TIMEOUT', 'timeout'],
      [{ kind: 'refused', message: 'connection refused' }, 'CONNECTION_REFUSED', 'refused'],
      [{ kind: 'blocked', message: '10.0.0.1 is private' }, 'ADDRESS_REFUSED', 'blocked'],
      [{ kind: 'error', message: 'ECONNRESET' }, 'NETWORK', 'error'],
    ];
    for (const [result, type, label] of cases) {
      expect(mapOutcome(result, now)).toMatchObject({
        action: 'fail',
        retryable: true,
        error: { type },
      });
      expect(outcomeLabel(result)).toBe(label);
    }
    expect(outcomeLabel(response(201))).toBe('2xx');
  });

  it('reads Retry-After as seconds or a date, never negative, at most a day', () => {
    expect(retryAfterMs('0', now)).toBe(0);
    expect(retryAfterMs('Tue, 01 Dec 2026 08:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('999999', now)).toBe(24 * 3_600_000);
    expect(retryAfterMs('soon', now)).toBeNull();
    expect(retryAfterMs('-5', now)).toBeNull();
    expect(retryAfterMs(undefined, now)).toBeNull();
  });
});
