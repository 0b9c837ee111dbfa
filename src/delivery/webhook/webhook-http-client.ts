import http from 'node:http';
import https from 'node:https';
import {
  AddressPolicy,
  AddressRefusedError,
  BaseLookup,
  checkLiteralHost,
  guardedLookup,
} from './address-guard';
import type { WebhookRequest } from './webhook-request';

/** A response body larger than this is not kept (docs/webhooks.md: a `result` is ≤ 64 KiB). */
export const MAX_RESULT_BYTES = 64 * 1024;

/** What one call came to, before it is mapped to a run outcome (webhook-outcome.ts). */
export type CallResult =
  | {
      kind: 'response';
      status: number;
      headers: http.IncomingHttpHeaders;
      /** null when larger than MAX_RESULT_BYTES */
      body: Buffer | null;
    }
  | { kind: 'timeout'; timeoutMs: number }
  | { kind: 'refused'; message: string }
  | { kind: 'blocked'; message: string }
  | { kind: 'error'; message: string };

/**
 * Calls webhook receivers over kept-alive connections. Every new connection resolves its host
 * through the address guard's lookup, so the address actually connected to is checked; an
 * IP-literal host is checked before the call. Redirects are never followed (node:http does not).
 */
export class WebhookHttpClient {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  /** `resolve` replaces dns.lookup (tests simulate DNS rebinding with it). */
  constructor(
    private readonly policy: AddressPolicy,
    resolve?: BaseLookup,
  ) {
    const common = { keepAlive: true, maxFreeSockets: 256, scheduling: 'lifo' as const };
    const lookup = (tls: boolean) => guardedLookup(policy, tls, resolve) as never;
    this.httpAgent = new http.Agent({ ...common, lookup: lookup(false) });
    this.httpsAgent = new https.Agent({ ...common, lookup: lookup(true) });
  }

  /** One call, ended after `timeoutMs` in total (connect, send, answer and body). */
  call(request: WebhookRequest, timeoutMs: number): Promise<CallResult> {
    let url: URL;
    try {
      url = new URL(request.url);
      checkLiteralHost(url, this.policy);
    } catch (e) {
      return Promise.resolve(
        e instanceof AddressRefusedError
          ? { kind: 'blocked', message: e.message }
          : { kind: 'error', message: `invalid URL: ${(e as Error).message}` },
      );
    }
    const isHttps = url.protocol === 'https:';
    return new Promise<CallResult>((resolve) => {
      let settled = false;
      const finish = (result: CallResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const req = (isHttps ? https : http).request(url, {
        method: request.method,
        headers: request.headers,
        agent: isHttps ? this.httpsAgent : this.httpAgent,
      });
      const timer = setTimeout(() => {
        finish({ kind: 'timeout', timeoutMs });
        req.destroy();
      }, timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => finish(errorResult(err)));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let tooLarge = false;
        res.on('data', (chunk: Buffer) => {
          if (tooLarge) return;
          size += chunk.length;
          if (size > MAX_RESULT_BYTES) {
            tooLarge = true;
            chunks.length = 0;
            // The status is all that matters now: stop reading (the socket is not reused).
            finish({
              kind: 'response',
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: null,
            });
            res.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () =>
          finish({
            kind: 'response',
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', (err: NodeJS.ErrnoException) => finish(errorResult(err)));
      });
      req.end(request.body);
    });
  }

  /** Closes the kept-alive connections (shutdown). */
  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

function errorResult(err: NodeJS.ErrnoException): CallResult {
  if (err instanceof AddressRefusedError) return { kind: 'blocked', message: err.message };
  if (err.code === 'ECONNREFUSED') return { kind: 'refused', message: 'connection refused' };
  return { kind: 'error', message: err.code ? `${err.code}: ${err.message}` : err.message };
}
