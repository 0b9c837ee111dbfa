import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { SessionDeadlines } from '../database/pg-sessions';
import { ListenConnection } from '../database/listen-connection';

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

export class PgChangeBus extends ChangeBus {
  private readonly logger = new Logger('SchedulerChangeBus');
  private readonly instanceId = randomUUID();
  private readonly listener: ListenConnection;
  private handlers: ChangeHandlers | null = null;

  constructor(
    url: string,
    deadlines: SessionDeadlines | null,
    private readonly dataSource: DataSource,
  ) {
    super();
    this.listener = new ListenConnection({
      url,
      deadlines,
      channels: [CHANGE_CHANNEL, PARTITIONS_CHANNEL],
      logger: this.logger,
      onNotification: (channel, payload) => this.onNotification(channel, payload),
      onRestored: () => this.handlers?.onReconnect(),
    });
  }

  start(handlers: ChangeHandlers): void {
    this.handlers = handlers;
    this.listener.start();
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

  stop(): Promise<void> {
    return this.listener.stop();
  }

  private onNotification(channel: string, payload: string | undefined): void {
    if (channel === PARTITIONS_CHANNEL) {
      if (payload !== this.instanceId) this.handlers?.onPartitions?.();
      return;
    }
    if (channel !== CHANGE_CHANNEL || !payload) return;
    try {
      const body = JSON.parse(payload) as Partial<TriggerChangeMessage> & { from?: string };
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
  }
}
