import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One call a receiver got. */
export interface ReceivedCall {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Date.now() when the request's body had arrived */
  receivedAt: number;
}

/** What the receiver answers; return 'hang' to never answer. */
export type Reply =
  { status: number; headers?: Record<string, string>; body?: string; delayMs?: number } | 'hang';

export type Handler = (call: ReceivedCall, index: number) => Reply;

/**
 * A real HTTP server on 127.0.0.1 (a free port) that records every call and answers as its
 * handler says; `connections` counts TCP connections (keep-alive reuse).
 */
export class WebhookReceiver {
  readonly calls: ReceivedCall[] = [];
  connections = 0;
  private readonly hanging = new Set<http.ServerResponse>();
  private server!: http.Server;

  private constructor(public handler: Handler) {}

  static async start(
    handler: Handler = () => ({ status: 200 }),
    host = '127.0.0.1',
    port = 0,
  ): Promise<WebhookReceiver> {
    const r = new WebhookReceiver(handler);
    r.server = http.createServer((req, res) => r.onRequest(req, res));
    r.server.keepAliveTimeout = 60_000;
    r.server.on('connection', () => r.connections++);
    await new Promise<void>((resolve, reject) => {
      r.server.once('error', reject);
      r.server.listen(port, host, () => resolve());
    });
    return r;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path = '/hook'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const call: ReceivedCall = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        receivedAt: Date.now(),
      };
      const index = this.calls.push(call) - 1;
      const reply = this.handler(call, index);
      if (reply === 'hang') {
        this.hanging.add(res);
        res.on('close', () => this.hanging.delete(res));
        return;
      }
      const send = (): void => {
        res.writeHead(reply.status, reply.headers ?? {});
        res.end(reply.body ?? '');
      };
      // a delayed answer does not keep the test process alive after the receiver is closed
      if (reply.delayMs) setTimeout(send, reply.delayMs).unref();
      else send();
    });
  }

  /** Resolves once `n` calls have arrived (or rejects after `timeoutMs`). */
  async waitForCalls(n: number, timeoutMs = 20_000): Promise<ReceivedCall[]> {
    const until = Date.now() + timeoutMs;
    while (this.calls.length < n) {
      if (Date.now() > until) {
        throw new Error(`receiver got ${this.calls.length} calls, expected ${n}`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.calls;
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
