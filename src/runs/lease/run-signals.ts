import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { SessionDeadlines } from '../../database/pg-sessions';
import { ListenConnection } from '../../database/listen-connection';

export const RUNS_CHANNEL = 'sundial_runs';

/**
 * Wakes long-polling leases when runs become available in a queue (created, or PENDING again).
 * In-process listeners always hear this process's own signals at once; on PostgreSQL, a NOTIFY
 * (payload: the queue) reaches every replica through one LISTEN connection per process.
 */
export abstract class RunSignals {
  private readonly listeners = new Map<string, Set<() => void>>();

  /** Tell waiters (here and, on PostgreSQL, on every replica) that these queues have runs. */
  abstract publish(queues: Iterable<string>): Promise<void>;
  /**
   * The channel on which a statement that creates runs may send the NOTIFY itself, committed
   * with its runs (one round trip and one transaction fewer than publish): null when no other
   * process listens (the embedded database). The caller then calls notified().
   */
  abstract readonly channel: string | null;
  abstract start(): void;
  abstract stop(): Promise<void>;

  /** Calls fn on the next signals for queue until the returned function is called. */
  subscribe(queue: string, fn: () => void): () => void {
    let set = this.listeners.get(queue);
    if (!set) {
      set = new Set();
      this.listeners.set(queue, set);
    }
    set.add(fn);
    return () => {
      const s = this.listeners.get(queue);
      if (!s) return;
      s.delete(fn);
      if (s.size === 0) this.listeners.delete(queue);
    };
  }

  /** The statement that created runs in these queues sent the NOTIFY (channel): wakes this process. */
  notified(queues: Iterable<string>): void {
    for (const q of new Set(queues)) this.wakeLocal(q);
  }

  /** Wakes this process's waiters on `queue` (every queue when null). */
  protected wakeLocal(queue: string | null): void {
    const sets = queue === null ? [...this.listeners.values()] : [this.listeners.get(queue)];
    for (const set of sets) if (set) for (const fn of [...set]) fn();
  }

  /** Wakes every waiter (shutdown: they answer at once with what they have). */
  wakeAll(): void {
    this.wakeLocal(null);
  }
}

/** The embedded database: one process, so the in-process listeners are all there is. */
export class InProcessRunSignals extends RunSignals {
  readonly channel = null;
  start(): void {}
  async stop(): Promise<void> {
    this.wakeAll();
  }
  async publish(queues: Iterable<string>): Promise<void> {
    for (const q of new Set(queues)) this.wakeLocal(q);
  }
}

/** PostgreSQL: NOTIFY through the pool, LISTEN on one dedicated connection (reconnecting). */
export class PgRunSignals extends RunSignals {
  readonly channel = RUNS_CHANNEL;
  private readonly logger = new Logger('RunSignals');
  private readonly listener: ListenConnection;

  constructor(
    url: string,
    deadlines: SessionDeadlines | null,
    private readonly dataSource: DataSource,
  ) {
    super();
    this.listener = new ListenConnection({
      url,
      deadlines,
      channels: [RUNS_CHANNEL],
      logger: this.logger,
      onNotification: (channel, payload) => {
        if (channel === RUNS_CHANNEL && payload) this.wakeLocal(payload);
      },
      // signals may have been missed while down: every waiter looks again
      onRestored: () => this.wakeAll(),
    });
  }

  start(): void {
    this.listener.start();
  }

  async publish(queues: Iterable<string>): Promise<void> {
    const list = [...new Set(queues)];
    if (list.length === 0) return;
    for (const q of list) this.wakeLocal(q);
    try {
      await this.dataSource.query(`SELECT pg_notify($1, q) FROM unnest($2::text[]) AS q`, [
        RUNS_CHANNEL,
        list,
      ]);
    } catch (e) {
      // Other replicas' waiters still poll the queue within a second.
      this.logger.warn(`could not notify other replicas: ${(e as Error).message}`);
    }
  }

  async stop(): Promise<void> {
    this.wakeAll();
    await this.listener.stop();
  }
}
