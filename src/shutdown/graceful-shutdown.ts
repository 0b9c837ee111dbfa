import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { INestApplication, LoggerService } from '@nestjs/common';

/** SIGTERM must end the process within this long (api.md "Scheduler timing"). */
export const HARD_EXIT_MS = 9_500;

/** How long a connection that has sent nothing may still start its request once draining began. */
const UNUSED_GRACE_MS = 200;

const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms).unref());

/**
 * Tracks the requests in flight on an HTTP server so that shutdown can stop accepting
 * connections, answer what is already in flight (asking keep-alive clients to reconnect
 * elsewhere), and then close every connection.
 */
export class HttpDrain {
  private readonly inFlight = new Set<ServerResponse>();
  private readonly sockets = new Set<Socket>();
  private closing = false;

  constructor(private readonly server: Server) {
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    server.on('request', (_req, res: ServerResponse) => {
      if (this.closing && !res.headersSent) res.setHeader('Connection', 'close');
      this.inFlight.add(res);
      res.once('close', () => {
        this.inFlight.delete(res);
        if (this.closing) setImmediate(() => server.closeIdleConnections());
      });
    });
  }

  get pending(): number {
    return this.inFlight.size;
  }

  /**
   * Closes the connections that never sent a byte (a browser opens some ahead of its requests).
   * Node counts them as busy, not idle, and stops timing out their headers once the server
   * closes, so the server's close would otherwise wait for them until the drain's timeout. It
   * runs UNUSED_GRACE_MS after draining began, so that a request already sent is read first.
   */
  private closeUnused(): void {
    for (const socket of this.sockets) if (socket.bytesRead === 0) socket.destroy();
  }

  /**
   * Stops accepting connections and waits up to `timeoutMs` for the requests in flight; then
   * closes every connection that is left. Resolves true when everything finished in time.
   */
  async drain(timeoutMs: number): Promise<boolean> {
    this.closing = true;
    for (const res of this.inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
    const closed = new Promise<boolean>((resolve) => {
      if (!this.server.listening) return resolve(true);
      this.server.close(() => resolve(true));
    });
    this.server.closeIdleConnections();
    setTimeout(() => this.closeUnused(), UNUSED_GRACE_MS).unref();
    const finished = await Promise.race([closed, sleep(timeoutMs).then(() => false)]);
    if (!finished) this.server.closeAllConnections();
    return finished;
  }
}

export interface ShutdownOptions {
  /** how long requests in flight may take (SHUTDOWN_TIMEOUT) */
  timeoutMs: number;
  logger: LoggerService;
}

/**
 * The shutdown sequence: stop accepting connections at once and let requests in flight finish
 * (bounded by `timeoutMs`) while the app closes — the scheduler stops and lets its fires finish,
 * then Nest waits for the HTTP server to close, and the database closes last, after the last
 * request. Draining and the scheduler's stop share the time budget instead of adding up.
 */
export async function shutDown(
  app: INestApplication,
  drain: HttpDrain,
  options: ShutdownOptions,
): Promise<void> {
  const started = Date.now();
  const pending = drain.pending;
  const draining = drain.drain(options.timeoutMs);
  const closing = app.close();
  const drained = await draining;
  if (!drained) {
    options.logger.warn(
      `requests still in flight after ${options.timeoutMs} ms were cut off`,
      'Shutdown',
    );
  } else if (pending > 0) {
    options.logger.log(`${pending} request(s) in flight finished`, 'Shutdown');
  }
  await closing;
  options.logger.log(`stopped in ${Date.now() - started} ms`, 'Shutdown');
}

/**
 * On SIGTERM or SIGINT, runs `shutDown` once and exits: 0 when it completed, 1 when it failed or
 * when the hard limit (HARD_EXIT_MS) passed first.
 */
export function exitOnSignals(
  app: INestApplication,
  drain: HttpDrain,
  options: ShutdownOptions,
): void {
  let started = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (started) return;
    started = true;
    options.logger.log(`${signal}: shutting down`, 'Shutdown');
    setTimeout(() => {
      options.logger.error(`shutdown took longer than ${HARD_EXIT_MS} ms: exiting`, 'Shutdown');
      process.exit(1);
    }, HARD_EXIT_MS).unref();
    shutDown(app, drain, {
      ...options,
      timeoutMs: Math.min(options.timeoutMs, HARD_EXIT_MS - 1_000),
    }).then(
      () => process.exit(0),
      (e: unknown) => {
        options.logger.error(
          `shutdown failed: ${e instanceof Error ? e.message : String(e)}`,
          e instanceof Error ? e.stack : undefined,
          'Shutdown',
        );
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
