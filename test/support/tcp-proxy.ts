import { createServer, connect, type Server, type Socket } from 'node:net';

interface Pair {
  client: Socket;
  upstream: Socket;
  frozen: boolean;
}

/**
 * A real TCP proxy in front of a PostgreSQL server, for tests of a network that fails silently:
 * `freezeExisting()` makes the connections open now carry nothing more either way and never
 * close (no FIN, no RST: like a server that failed over to another address, or a firewall that
 * forgot the connection), while new connections pass as usual.
 */
export class TcpProxy {
  private readonly pairs = new Set<Pair>();
  private readonly server: Server;
  port = 0;

  private constructor(target: URL) {
    this.server = createServer((client) => {
      const upstream = connect(Number(target.port || 5432), target.hostname);
      const pair: Pair = { client, upstream, frozen: false };
      this.pairs.add(pair);
      const forward = (from: Socket, to: Socket): void => {
        from.on('data', (chunk) => {
          if (!pair.frozen) to.write(chunk);
        });
        // a frozen connection tells nothing to the other side, not even that it closed
        from.on('close', () => {
          if (pair.frozen) return; // close() ends both sides
          to.destroy();
          this.pairs.delete(pair);
        });
        from.on('error', () => undefined);
      };
      forward(client, upstream);
      forward(upstream, client);
    });
  }

  /** Listens on 127.0.0.1 (a free port) and forwards to the host and port of `databaseUrl`. */
  static async start(databaseUrl: string): Promise<TcpProxy> {
    const proxy = new TcpProxy(new URL(databaseUrl));
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    proxy.port = (proxy.server.address() as { port: number }).port;
    return proxy;
  }

  /** `databaseUrl` with its host and port replaced by the proxy's. */
  urlFor(databaseUrl: string): string {
    const url = new URL(databaseUrl);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  /** Every connection open now goes silent for good; later ones are not affected. */
  freezeExisting(): number {
    let n = 0;
    for (const pair of this.pairs) {
      if (!pair.frozen) n++;
      pair.frozen = true;
    }
    return n;
  }

  async close(): Promise<void> {
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
