import type { Logger } from '@nestjs/common';
import { Client } from 'pg';
import {
  connectionConfig,
  guardStatements,
  listenChecks,
  type SessionDeadlines,
} from './pg-sessions';

const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 5_000;

export interface ListenOptions {
  url: string;
  /** channel names (plain identifiers: they are written into the LISTEN statement) */
  channels: string[];
  logger: Logger;
  /**
   * DATABASE_STATEMENT_TIMEOUT: the connection is checked every min(10 s, it) and replaced when
   * the check has no answer within min(5 s, it); null: never checked (tests of the reconnect)
   */
  deadlines: SessionDeadlines | null;
  onNotification(channel: string, payload: string | undefined): void;
  /**
   * The connection is up again after it was lost or could not be made: notifications sent
   * meanwhile were missed, so whoever relies on them looks again.
   */
  onRestored(): void;
}

/**
 * One dedicated PostgreSQL connection that LISTENs on some channels (the pool's connections
 * cannot: a LISTEN lasts as long as its session). When it is lost it reconnects, after 250 ms
 * and then twice as long each time up to 5 s, and says so once per outage in the log. An idle
 * connection never learns by itself that a silent network lost it (docs/deployment.md "When the
 * network to PostgreSQL fails"), so it is checked with `SELECT 1` and replaced when that gets no
 * answer in time.
 */
export class ListenConnection {
  private client: Client | null = null;
  private stopped = false;
  private backoffMs = FIRST_BACKOFF_MS;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private checkTimer: NodeJS.Timeout | null = null;
  private everConnected = false;
  /** a connection was lost or could not be made since the last one: the next tells onRestored */
  private down = false;

  constructor(private readonly options: ListenOptions) {}

  start(): void {
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.stopChecks();
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const { url, channels, logger, deadlines } = this.options;
    const client = new Client({ connectionString: url, ...connectionConfig(deadlines) });
    if (deadlines) guardStatements(client, listenChecks(deadlines).deadlineMs);
    let lost = false;
    const onLost = (reason: string): void => {
      if (lost) return;
      lost = true;
      if (this.client === client) {
        this.client = null;
        this.stopChecks();
      }
      client.removeAllListeners('notification');
      void client.end().catch(() => undefined);
      if (this.stopped) return;
      this.down = true;
      if (this.everConnected) logger.warn(`LISTEN connection lost (${reason}); reconnecting`);
      this.scheduleReconnect();
    };
    client.on('error', (e: Error) => onLost(e.message));
    client.on('end', () => onLost('connection ended'));
    client.on('notification', (msg) => this.options.onNotification(msg.channel, msg.payload));
    try {
      await client.connect();
      await client.query(channels.map((c) => `LISTEN ${c}`).join('; '));
    } catch (e) {
      onLost((e as Error).message);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.startChecks(client);
    this.backoffMs = FIRST_BACKOFF_MS;
    const wasDown = this.down;
    this.everConnected = true;
    this.down = false;
    if (wasDown) {
      logger.log('LISTEN connection restored');
      this.options.onRestored();
    }
  }

  /** `SELECT 1` every listenChecks().everyMs; the guard destroys a silent connection. */
  private startChecks(client: Client): void {
    const deadlines = this.options.deadlines;
    if (!deadlines) return;
    this.checkTimer = setInterval(
      () => void client.query('SELECT 1').catch(() => undefined),
      listenChecks(deadlines).everyMs,
    );
    this.checkTimer.unref();
  }

  private stopChecks(): void {
    if (this.checkTimer) clearInterval(this.checkTimer);
    this.checkTimer = null;
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer || this.stopped) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, delay);
    this.reconnectTimer.unref();
  }
}
