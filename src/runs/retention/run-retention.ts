import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { setImmediate as yieldToEvents } from 'node:timers/promises';
import { Clock, type TimerHandle } from '../../common/clock';
import { isDatabaseUnavailable } from '../../common/db-errors';
import { LogThrottle } from '../../common/log-throttle';
import { AppConfig } from '../../config/app-config';
import { DatabaseHandle, EMBEDDED_DATABASE } from '../../database/database.module';
import { MetricsService } from '../../metrics/metrics.service';
import { FireWindow } from './fire-window';
import { RunRetentionRepository } from './run-retention.repository';

/** How often a pass starts (a run is deleted at most this long after it became due). */
const PASS_INTERVAL_MS = 10_000;

export interface RetentionPass {
  deleted: number;
  batches: number;
  /** another instance was deleting: this pass did nothing */
  skipped: boolean;
}

/**
 * Deletes final runs older than RUNS_RETENTION (docs/runs.md "Retention"): every 10 s (sooner
 * for a short retention), batch after batch until none is left, one short statement each, each
 * started between this instance's fires (FireWindow), so fires do not share the database with
 * it. On PostgreSQL every instance tries; the advisory lock lets one delete at a time.
 */
@Injectable()
export class RunRetention implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('RunRetention');
  private readonly errorLog = new LogThrottle();
  private readonly batchSize: number;
  private timer: TimerHandle | null = null;
  private running: Promise<RetentionPass> | null = null;
  private stopped = false;
  /** how long a batch takes (moving average): the gap between fires it needs */
  private batchMs = 50;

  constructor(
    private readonly repo: RunRetentionRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
    @Inject(EMBEDDED_DATABASE) database: DatabaseHandle,
    private readonly fireWindow: FireWindow,
  ) {
    // the embedded database serves fires on the same single connection: smaller batches
    this.batchSize = database.kind === 'embedded' ? 500 : 2_000;
  }

  get intervalMs(): number {
    return Math.min(PASS_INTERVAL_MS, Math.max(500, Math.floor(this.config.runs.retentionMs / 2)));
  }

  onApplicationBootstrap(): void {
    if (this.config.runs.retentionMs > 0) this.arm();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.clock.clearTimer(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass now (tests, benchmarks and the timer); the one in progress if any. */
  async runOnce(): Promise<RetentionPass> {
    if (this.running) return this.running;
    this.running = this.pass().finally(() => (this.running = null));
    return this.running;
  }

  private async pass(): Promise<RetentionPass> {
    const result: RetentionPass = { deleted: 0, batches: 0, skipped: false };
    const retentionMs = this.config.runs.retentionMs;
    if (retentionMs <= 0) return result;
    while (!this.stopped) {
      // between fires only: a batch sharing the database's cores with a fire slows the fire
      await this.fireWindow.gap(this.batchMs * 1.5);
      const started = this.clock.now();
      const batch = await this.repo.deleteBatch(retentionMs, this.batchSize);
      this.batchMs = 0.8 * this.batchMs + 0.2 * (this.clock.now() - started);
      if (batch.locked) {
        result.skipped = true;
        break;
      }
      result.batches++;
      result.deleted += batch.deleted;
      this.metrics.runsDeletedByRetention(batch.deleted);
      if (batch.deleted < this.batchSize) break;
      await yieldToEvents();
    }
    return result;
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimer(this.intervalMs, () => {
      void this.runOnce()
        .catch((e: unknown) => {
          if (!this.errorLog.allow()) return;
          const what = isDatabaseUnavailable(e) ? 'the database is unavailable' : String(e);
          this.logger.warn(`retention pass failed; retrying: ${what}`);
        })
        .finally(() => this.arm());
    });
  }
}
