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
import { ScheduledFireExecutor } from './fire-executor';
import { RegistryTimers } from './registry-timers';
import { SchedulerCore } from './scheduler-core';
import { LogThrottle } from '../common/log-throttle';

/** Triggers read per page in a reconciliation pass (no cap on the total). */
const PAGE_SIZE = 10_000;
/** Changed triggers whose details are read per query. */
const DETAIL_BATCH = 2_000;

export interface PassStats {
  /** the reconciliation itself (reading and applying), without the catch-up after it */
  durationMs: number;
  jobs: number;
  groups: number;
  changed: number;
  catchUpCreated: number;
  /** time spent reading ids and revisions, reading changed triggers, and in the core */
  listMs: number;
  detailMs: number;
  applyMs: number;
}

/**
 * Runs the scheduler core in the app: reconciliation passes every resyncInterval (all active
 * schedule triggers, paged), immediate updates on this instance's TRIGGER_CHANGED events and on
 * other replicas' notifications, and orderly shutdown.
 */
@Injectable()
export class SchedulerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Scheduler');
  private core: SchedulerCore | null = null;
  private timers: RegistryTimers | null = null;
  private passing: Promise<PassStats | null> | null = null;
  private passAgain = false;
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
  ) {}

  /** The core (null when the scheduler is disabled); for tests and benchmarks. */
  get state(): SchedulerCore | null {
    return this.core;
  }

  onApplicationBootstrap(): void {
    if (!this.config.scheduler.enabled) return;
    this.timers = new RegistryTimers(this.clock, this.registry);
    this.core = new SchedulerCore(this.clock, this.timers, this.executor, {
      maxCatchupRunsPerLoop: this.config.scheduler.maxCatchupRunsPerLoop,
      misfireThresholdMs: this.config.scheduler.misfireThresholdMs,
      logger: this.logger,
      onStale: (id) => void this.refresh(id, null),
    });
    this.bus.start({
      onChange: (m) => void this.apply(m),
      onReconnect: () => this.resyncSoon(),
    });
    // Start-up catch-up happens in the first pass, in the background: readiness does not wait.
    this.resyncSoon();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.timers?.clear('resync');
    this.core?.stop();
    await this.bus.stop();
    const settled = Promise.allSettled([this.passing, this.core?.drain()]);
    await Promise.race([settled, new Promise((r) => setTimeout(r, 5_000).unref())]);
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
    await this.refresh(change.triggerId, change.revision);
  }

  /** Re-reads one trigger and updates the registry (revision: the change's, when known). */
  async refresh(triggerId: string, revision: number | null): Promise<void> {
    const core = this.core;
    if (!core || this.stopped) return;
    try {
      const row = await this.triggers.findActiveSchedule(triggerId);
      if (row) core.upsert(row, null);
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
    try {
      return await run;
    } finally {
      this.passing = null;
      if (!this.stopped) {
        this.timers?.set('resync', this.config.scheduler.resyncIntervalMs, () => this.resyncSoon());
      }
    }
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
      const changed: string[] = [];
      let changedCount = 0;
      let after: string | null = null;
      let listMs = 0;
      let detailMs = 0;
      let applyMs = 0;
      let mark = performance.now();
      const lap = (): number => {
        const now = performance.now();
        const ms = now - mark;
        mark = now;
        return ms;
      };
      for (;;) {
        const page = await this.triggers.listActiveScheduleRevisions(after, PAGE_SIZE);
        listMs += lap();
        const changedHere: string[] = [];
        for (let i = 0; i < page.ids.length; i++) {
          if (!core.seen(page.ids[i], page.revisions[i], pass)) changedHere.push(page.ids[i]);
        }
        applyMs += lap();
        if (changedHere.length > page.ids.length / 2) {
          // mostly new (start-up): read the page's details by range, not by a long id list
          const rows = await this.triggers.findActiveSchedulesInRange(
            after,
            page.ids[page.ids.length - 1],
          );
          detailMs += lap();
          for (const row of rows)
            if (!core.seen(row.id, row.revision, pass)) core.upsert(row, pass);
          applyMs += lap();
        } else {
          changed.push(...changedHere);
        }
        changedCount += changedHere.length;
        if (page.ids.length < PAGE_SIZE) break;
        after = page.ids[page.ids.length - 1];
      }
      for (let i = 0; i < changed.length; i += DETAIL_BATCH) {
        const rows = await this.triggers.findActiveSchedules(changed.slice(i, i + DETAIL_BATCH));
        detailMs += lap();
        for (const row of rows) core.upsert(row, pass);
        applyMs += lap();
      }
      core.endPass(pass);
      applyMs += lap();
      const reconciledMs = performance.now() - started;
      this.metrics.observeReconcile(reconciledMs / 1000);
      this.metrics.setSchedulerJobs(core.jobCount);
      const catchUp = await core.catchUp();
      this.metrics.setCatchupBacklog(core.backlog());
      return {
        durationMs: reconciledMs,
        jobs: core.jobCount,
        groups: core.groupCount,
        changed: changedCount,
        catchUpCreated: catchUp.created,
        listMs,
        detailMs,
        applyMs,
      };
    } catch (e) {
      this.logError('reconciliation pass failed; retrying at the next one', e);
      return null;
    }
  }

  private logError(message: string, e: unknown): void {
    if (!this.errorLog.allow()) return;
    const why = isDatabaseUnavailable(e) ? 'the database is unavailable' : (e as Error).message;
    this.logger.warn(`${message}: ${why}`);
  }
}
