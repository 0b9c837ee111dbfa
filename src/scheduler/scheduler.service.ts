import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { SchedulerRegistry } from '@nestjs/schedule';
import { AppConfig } from '../config/app-config';
import { isDatabaseUnavailable } from '../common/db-errors';
import { MetricsService } from '../metrics/metrics.service';
import { TRIGGER_CHANGED, type TriggerChangedEvent } from '../triggers/trigger-events';
import { TriggerReadsRepository } from '../triggers/trigger-reads.repository';
import { ChangeBus, type TriggerChangeMessage } from './change-bus';
import { Clock } from '../common/clock';
import { FireWindow } from '../runs/retention/fire-window';
import { ScheduledFireExecutor } from './fire-executor';
import { RegistryTimers } from './registry-timers';
import { SchedulerCore } from './scheduler-core';
import { LogThrottle } from '../common/log-throttle';
import { PartitionOwnership } from './partition-ownership';
import { readForPass, type PassStats } from './reconcile-pass';
import { PARTITION_COUNT, partitionOf } from './partitions';
import { Backoff } from './backoff';
import type { FireMode, FirePort, FireResult, SlotToFire } from './scheduler.types';

export type { PassStats } from './reconcile-pass';

/**
 * Runs the scheduler core in the app: reconciliation passes every resyncInterval (all active
 * schedule triggers, paged), immediate updates on this instance's TRIGGER_CHANGED events and on
 * other replicas' notifications, and orderly shutdown. It schedules only the triggers of the
 * partitions it owns (docs/scale-out.md): all of them on the embedded database.
 */
@Injectable()
export class SchedulerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Scheduler');
  private core: SchedulerCore | null = null;
  private timers: RegistryTimers | null = null;
  private passing: Promise<PassStats | null> | null = null;
  private passAgain = false;
  /** the wait after a failed pass, started over by a good one */
  private readonly passBackoff: Backoff;
  private stopped = false;
  private readonly errorLog = new LogThrottle();

  constructor(
    private readonly config: AppConfig,
    private readonly triggers: TriggerReadsRepository,
    private readonly executor: ScheduledFireExecutor,
    private readonly clock: Clock,
    private readonly registry: SchedulerRegistry,
    @Inject(ChangeBus) private readonly bus: ChangeBus,
    private readonly metrics: MetricsService,
    @Inject(PartitionOwnership) private readonly ownership: PartitionOwnership,
    private readonly fireWindow: FireWindow,
  ) {
    this.passBackoff = new Backoff(config.scheduler.resyncIntervalMs);
  }

  /** The partitions this instance schedules now (every one on the embedded database). */
  get partitions(): number[] {
    return this.ownership.owned();
  }

  /** The core (null when the scheduler is disabled); for tests and benchmarks. */
  get state(): SchedulerCore | null {
    return this.core;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.scheduler.enabled) return;
    this.timers = new RegistryTimers(this.clock, this.registry);
    this.core = new SchedulerCore(this.clock, this.timers, this.ownedOnly(), {
      maxCatchupRunsPerLoop: this.config.scheduler.maxCatchupRunsPerLoop,
      misfireThresholdMs: this.config.scheduler.misfireThresholdMs,
      retryMaxMs: this.config.scheduler.resyncIntervalMs,
      logger: this.logger,
      onStale: (id) => void this.refresh(id, null),
    });
    const core = this.core;
    this.fireWindow.follow(() => core.nextFireMs());
    this.bus.start({
      onChange: (m) => void this.apply(m),
      onReconnect: () => {
        this.ownership.kick();
        this.resyncSoon();
      },
      onPartitions: () => this.ownership.kick(),
    });
    // The first heartbeat (bounded: the database may be down) takes this instance's share, so a
    // lone instance schedules from its first pass.
    await this.ownership.start({
      acquired: (partitions) => this.takeOver(partitions),
      lost: (partitions) => this.letGo(partitions),
    });
    // Start-up catch-up happens in the first pass, in the background: readiness does not wait.
    if (!this.passing) this.resyncSoon();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.timers?.clear('resync');
    this.core?.stop();
    const settled = Promise.allSettled([this.passing, this.core?.drain()]);
    await Promise.race([settled, new Promise((r) => setTimeout(r, 5_000).unref())]);
    // Nothing fires any more: hand the partitions over at once, then stop listening.
    if (this.core) await this.ownership.stop();
    await this.bus.stop();
  }

  /** The executor, refusing slots of partitions no longer owned (a batch prepared before). */
  private ownedOnly(): FirePort {
    return {
      fire: async (slots: SlotToFire[], mode: FireMode): Promise<FireResult[]> => {
        if (this.ownership.ownsAll) return this.executor.fire(slots, mode);
        const mine = slots.filter((s) => this.ownership.owns(s.triggerId));
        if (mine.length === slots.length) return this.executor.fire(slots, mode);
        const fired = await this.executor.fire(mine, mode);
        const byIndex = new Map<SlotToFire, FireResult>(mine.map((s, i) => [s, fired[i]]));
        return slots.map((s) => byIndex.get(s) ?? { outcome: 'STALE', cursorRow: null });
      },
    };
  }

  /**
   * New partitions: a pass now reads their triggers from the database (cursors included: they
   * have no job here, so nothing cached is used) and catches up their gap.
   */
  private takeOver(partitions: number[]): void {
    if (!this.core || this.stopped) return;
    this.logger.log(`took over ${partitions.length} partition(s)`);
    this.resyncSoon();
  }

  /** Partitions gone to another instance: their jobs stop at once. */
  private letGo(partitions: number[]): void {
    const core = this.core;
    if (!core) return;
    const gone = new Set(partitions);
    core.evict((id) => gone.has(partitionOf(id)));
    this.metrics.setSchedulerJobs(core.jobCount);
  }

  private mine(triggerId: string): boolean {
    return this.ownership.owns(triggerId);
  }

  /** This instance's trigger changes: apply at once, then tell the other replicas. */
  @OnEvent(TRIGGER_CHANGED)
  async onTriggerChanged(event: TriggerChangedEvent): Promise<void> {
    const message = { triggerId: event.triggerId, revision: event.revision, action: event.action };
    try {
      await this.apply(message);
      await this.bus.publish(message);
    } catch (e) {
      this.logger.error(`handling a trigger change failed: ${(e as Error).message}`);
    }
  }

  /**
   * Applies a committed change. A deactivation or delete removes the job synchronously (before
   * the request that made it is answered); otherwise the old job is suspended at once and the
   * trigger re-read.
   */
  private async apply(change: TriggerChangeMessage): Promise<void> {
    const core = this.core;
    if (!core || this.stopped) return;
    if (change.action === 'DEACTIVATE' || change.action === 'DELETE') {
      core.remove(change.triggerId, change.revision);
      this.metrics.setSchedulerJobs(core.jobCount);
      return;
    }
    core.supersede(change.triggerId, change.revision);
    if (!this.mine(change.triggerId)) return; // its partition's owner applies it
    await this.refresh(change.triggerId, change.revision);
  }

  /** Re-reads one trigger and updates the registry (revision: the change's, when known). */
  async refresh(triggerId: string, revision: number | null): Promise<void> {
    const core = this.core;
    if (!core || this.stopped) return;
    try {
      const row = await this.triggers.findActiveSchedule(triggerId);
      if (row && this.mine(triggerId)) core.upsert(row, null);
      else core.remove(triggerId, revision);
      this.metrics.setSchedulerJobs(core.jobCount);
    } catch (e) {
      this.logError(`could not refresh trigger ${triggerId} (the next pass will)`, e);
    }
  }

  /** Runs a pass now (or right after the one in progress); resolves when it is done. */
  async resyncNow(): Promise<PassStats | null> {
    if (!this.core || this.stopped) return null;
    if (this.passing) {
      // the pass in progress may have read the triggers before the caller's change: go again
      this.passAgain = true;
      return this.passing;
    }
    this.timers?.clear('resync');
    const run = (async () => {
      let stats: PassStats | null;
      do {
        this.passAgain = false;
        stats = await this.pass();
      } while (this.passAgain && !this.stopped);
      return stats;
    })();
    this.passing = run;
    let stats: PassStats | null = null;
    try {
      stats = await run;
      return stats;
    } finally {
      this.passing = null;
      if (!this.stopped)
        this.timers?.set('resync', this.nextPassIn(stats), () => this.resyncSoon());
    }
  }

  /**
   * When the next pass runs: after the resync interval, or sooner after a failed pass (1 s,
   * doubling up to the interval; docs/scheduler.md "When a pass fails"), so that triggers taken
   * over, deployed elsewhere or missed meanwhile are not left for a whole interval.
   */
  private nextPassIn(stats: PassStats | null): number {
    if (!stats) return this.passBackoff.next();
    this.passBackoff.reset();
    return this.config.scheduler.resyncIntervalMs;
  }

  private resyncSoon(): void {
    void this.resyncNow();
  }

  /**
   * One reconciliation pass: reads the ids and revisions of all active schedule triggers, page by
   * page; reads the details only of those new or changed; drops the jobs not seen; then catches
   * up due slots. A pass that fails part-way removes nothing.
   */
  private async pass(): Promise<PassStats | null> {
    const core = this.core!;
    const started = performance.now();
    try {
      const pass = core.beginPass();
      // owning every partition (a lone instance), one walk of all triggers is cheaper than 64
      const owned = this.ownership.owned();
      const scopes = this.ownership.ownsAll || owned.length === PARTITION_COUNT ? [null] : owned;
      const read = await readForPass(core, this.triggers, pass, scopes, (id) => this.mine(id));
      const mark = performance.now();
      core.endPass(pass);
      const applyMs = read.applyMs + (performance.now() - mark);
      const reconciledMs = performance.now() - started;
      this.metrics.observeReconcile(reconciledMs / 1000);
      this.metrics.setSchedulerJobs(core.jobCount);
      const catchUp = await core.catchUp();
      this.metrics.setCatchupBacklog(core.backlog());
      return {
        durationMs: reconciledMs,
        jobs: core.jobCount,
        groups: core.groupCount,
        changed: read.changed,
        catchUpCreated: catchUp.created,
        listMs: read.listMs,
        detailMs: read.detailMs,
        applyMs,
      };
    } catch (e) {
      this.logError('reconciliation pass failed; retrying it soon', e);
      return null;
    }
  }

  private logError(message: string, e: unknown): void {
    if (!this.errorLog.allow()) return;
    const why = isDatabaseUnavailable(e) ? 'the database is unavailable' : (e as Error).message;
    this.logger.warn(`${message}: ${why}`);
  }
}
