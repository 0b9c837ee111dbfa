import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';

/** A committed trigger change, as replicas tell each other. */
export interface TriggerChangeMessage {
  triggerId: string;
  revision: number;
  /** DEPLOY, ACTIVATE, DEACTIVATE or DELETE */
  action: string;
}

export interface ChangeHandlers {
  onChange(message: TriggerChangeMessage): void;
  /** the listener was down for a while: changes may have been missed */
  onReconnect(): void;
  /** another instance joined, left or released partitions (docs/scale-out.md) */
  onPartitions?(): void;
}

/**
 * How replicas learn of each other's trigger changes. On PostgreSQL: NOTIFY through the pool and
 * LISTEN on a dedicated connection. Embedded: a single process, so the in-process event is all.
 */
export abstract class ChangeBus {
  abstract start(handlers: ChangeHandlers): void;
  abstract publish(message: TriggerChangeMessage): Promise<void>;
  /** tells the other instances to look at the partition leases now */
  abstract signalPartitions(): Promise<void>;
  abstract stop(): Promise<void>;
}

export class InProcessChangeBus extends ChangeBus {
  start(): void {}
  async publish(): Promise<void> {}
  async signalPartitions(): Promise<void> {}
  async stop(): Promise<void> {}
}

export const CHANGE_CHANNEL = 'sundial_trigger_changed';
export const PARTITIONS_CHANNEL = 'sundial_scheduler_partitions';
const MAX_BACKOFF_MS = 5_000;

export class PgChangeBus extends ChangeBus {
  private readonly logger = new Logger('SchedulerChangeBus');
  private readonly instanceId = randomUUID();
  private client: Client | null = null;
  private handlers: ChangeHandlers | null = null;
  private stopped = false;
  private backoffMs = 250;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private everConnected = false;
  private downSince: number | null = null;

  constructor(
    private readonly url: string,
    private readonly dataSource: DataSource,
  ) {
    super();
  }

  start(handlers: ChangeHandlers): void {
    this.handlers = handlers;
    void this.connect();
  }

  async publish(message: TriggerChangeMessage): Promise<void> {
    try {
      await this.dataSource.query('SELECT pg_notify($1, $2)', [
        CHANGE_CHANNEL,
        JSON.stringify({ ...message, from: this.instanceId }),
      ]);
    } catch (e) {
      // Other replicas still pick the change up on their next pass.
      this.logger.warn(`could not notify other replicas: ${(e as Error).message}`);
    }
  }

  async signalPartitions(): Promise<void> {
    try {
      await this.dataSource.query('SELECT pg_notify($1, $2)', [
        PARTITIONS_CHANNEL,
        this.instanceId,
      ]);
    } catch (e) {
      // The others see the change at their next heartbeat.
      this.logger.warn(`could not signal the partition change: ${(e as Error).message}`);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({ connectionString: this.url, connectionTimeoutMillis: 5_000 });
    let lost = false;
    const onLost = (reason: string): void => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = null;
      client.removeAllListeners('notification');
      void client.end().catch(() => undefined);
      if (this.stopped) return;
      this.downSince ??= Date.now();
      if (this.everConnected) this.logger.warn(`LISTEN connection lost (${reason}); reconnecting`);
      this.scheduleReconnect();
    };
    client.on('error', (e: Error) => onLost(e.message));
    client.on('end', () => onLost('connection ended'));
    client.on('notification', (msg) => {
      if (msg.channel === PARTITIONS_CHANNEL) {
        if (msg.payload !== this.instanceId) this.handlers?.onPartitions?.();
        return;
      }
      if (msg.channel !== CHANGE_CHANNEL || !msg.payload) return;
      try {
        const body = JSON.parse(msg.payload) as Partial<TriggerChangeMessage> & { from?: string };
        if (body.from === this.instanceId) return;
        if (typeof body.triggerId !== 'string' || typeof body.revision !== 'number') return;
        this.handlers?.onChange({
          triggerId: body.triggerId,
          revision: body.revision,
          action: typeof body.action === 'string' ? body.action : 'DEPLOY',
        });
      } catch {
        // not ours
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGE_CHANNEL}; LISTEN ${PARTITIONS_CHANNEL}`);
    } catch (e) {
      onLost((e as Error).message);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.backoffMs = 250;
    const wasDown = this.downSince !== null;
    this.everConnected = true;
    this.downSince = null;
    if (wasDown) {
      this.logger.log('LISTEN connection restored');
      this.handlers?.onReconnect();
    }
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
