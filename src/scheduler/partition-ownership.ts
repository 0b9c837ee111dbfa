import { Logger } from '@nestjs/common';
import { LogThrottle } from '../common/log-throttle';
import { isDatabaseUnavailable } from '../common/db-errors';
import { fairShare, type PartitionLeasesRepository } from './partition-leases.repository';
import { ALL_PARTITIONS, partitionOf } from './partitions';

/** How long start-up waits for the first heartbeat (the database may be unavailable). */
const FIRST_BEAT_WAIT_MS = 3_000;

/** What the scheduler does when its partitions change. */
export interface OwnershipListener {
  /** newly owned: load their triggers fresh from the database and catch up */
  acquired(partitions: number[]): void;
  /** no longer owned: stop firing their triggers at once */
  lost(partitions: number[]): void;
}

/** Which partitions of the triggers this instance schedules (docs/scale-out.md). */
export abstract class PartitionOwnership {
  /** true when this instance owns every partition for good (the embedded database) */
  abstract readonly ownsAll: boolean;
  /** starts; resolves after the first heartbeat (at most a few seconds) */
  abstract start(listener: OwnershipListener): Promise<void>;
  /** the partitions owned now, in order */
  abstract owned(): number[];
  /** a heartbeat now (another instance joined, left or released partitions) */
  abstract kick(): void;
  /** releases everything (after the scheduler stopped firing) */
  abstract stop(): Promise<void>;

  owns(triggerId: string): boolean {
    return this.ownsAll || this.ownsPartition(partitionOf(triggerId));
  }

  protected abstract ownsPartition(partition: number): boolean;
}

/** The embedded database: one process, every partition, no leases. */
export class WholeOwnership extends PartitionOwnership {
  readonly ownsAll = true;
  async start(): Promise<void> {}
  owned(): number[] {
    return [...ALL_PARTITIONS];
  }
  kick(): void {}
  async stop(): Promise<void> {}
  protected ownsPartition(): boolean {
    return true;
  }
}

export interface LeasedOwnershipOptions {
  leaseMs: number;
  /** tells the other instances to look at the lease table now (NOTIFY) */
  signal: () => Promise<void>;
  /** the number of partitions owned, after each change */
  onCount?: (owned: number) => void;
}

/**
 * PostgreSQL: partitions leased in `scheduler_partitions`. A heartbeat every lease/3 renews this
 * instance and its leases, then moves towards its fair share (rank among the live instances):
 * releases the excess (after it stopped firing them) or claims free and expired partitions.
 * Without a successful renewal for a whole lease the instance stops firing everything (another
 * instance may own its partitions by then).
 */
export class LeasedOwnership extends PartitionOwnership {
  readonly ownsAll = false;
  private readonly logger = new Logger('SchedulerPartitions');
  private readonly errorLog = new LogThrottle();
  private readonly held = new Set<number>();
  private listener: OwnershipListener | null = null;
  private timer: NodeJS.Timeout | null = null;
  private fence: NodeJS.Timeout | null = null;
  private beating: Promise<void> | null = null;
  private beatAgain = false;
  private joined = false;
  private stopped = false;
  private beats = 0;

  constructor(
    private readonly repo: PartitionLeasesRepository,
    private readonly options: LeasedOwnershipOptions,
  ) {
    super();
  }

  get heartbeatMs(): number {
    return Math.max(200, Math.floor(this.options.leaseMs / 3));
  }

  async start(listener: OwnershipListener): Promise<void> {
    this.listener = listener;
    this.kick();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.beating,
      new Promise((r) => (timer = setTimeout(r, FIRST_BEAT_WAIT_MS))),
    ]);
    clearTimeout(timer);
  }

  owned(): number[] {
    return [...this.held].sort((a, b) => a - b);
  }

  kick(): void {
    if (this.stopped) return;
    if (this.beating) {
      this.beatAgain = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.beating = (async () => {
      do {
        this.beatAgain = false;
        await this.beat();
      } while (this.beatAgain && !this.stopped);
    })().finally(() => {
      this.beating = null;
      if (!this.stopped) {
        this.timer = setTimeout(() => this.kick(), this.heartbeatMs);
        this.timer.unref();
      }
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.fence) clearTimeout(this.fence);
    await this.beating;
    this.drop([...this.held]);
    try {
      await this.repo.leave();
      await this.options.signal();
    } catch (e) {
      this.logError('could not release the partitions (their leases will run out)', e);
    }
  }

  protected ownsPartition(partition: number): boolean {
    return this.held.has(partition);
  }

  private async beat(): Promise<void> {
    const sentAt = performance.now();
    try {
      const view = await this.repo.heartbeat();
      if (this.stopped) return;
      const stillHeld = new Set(view.held);
      this.drop([...this.held].filter((p) => !stillHeld.has(p)));
      this.take(view.held.filter((p) => !this.held.has(p)));
      this.armFence(sentAt);
      const rank = view.instances.indexOf(this.repo.instanceIdOf());
      const share = fairShare(rank, view.instances.length);
      let changed = false;
      if (this.held.size > share) {
        const excess = this.owned().slice(share);
        this.drop(excess);
        await this.repo.release(excess);
        changed = true;
      } else if (this.held.size < share) {
        this.take(await this.repo.claim(share - this.held.size));
      }
      if (!this.joined || changed) await this.options.signal();
      this.joined = true;
      if (++this.beats % 100 === 1) await this.repo.forgetDead();
    } catch (e) {
      this.logError('partition heartbeat failed; retrying', e);
    }
  }

  /** Stops everything when the leases may have run out without a renewal. */
  private armFence(sentAt: number): void {
    if (this.fence) clearTimeout(this.fence);
    const left = sentAt + this.options.leaseMs - performance.now();
    this.fence = setTimeout(
      () => {
        this.fence = null;
        if (this.held.size === 0 || this.stopped) return;
        this.logger.warn(
          `no lease renewal for ${this.options.leaseMs} ms: stopping all partitions`,
        );
        this.drop([...this.held]);
      },
      Math.max(0, left),
    );
    this.fence.unref();
  }

  private take(partitions: number[]): void {
    if (partitions.length === 0) return;
    for (const p of partitions) this.held.add(p);
    this.options.onCount?.(this.held.size);
    this.listener?.acquired(partitions);
  }

  private drop(partitions: number[]): void {
    if (partitions.length === 0) return;
    for (const p of partitions) this.held.delete(p);
    this.options.onCount?.(this.held.size);
    this.listener?.lost(partitions);
  }

  private logError(message: string, e: unknown): void {
    if (!this.errorLog.allow()) return;
    const why = isDatabaseUnavailable(e) ? 'the database is unavailable' : (e as Error).message;
    this.logger.warn(`${message}: ${why}`);
  }
}
