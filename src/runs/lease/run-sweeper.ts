import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Clock, type TimerHandle } from '../../common/clock';
import { isDatabaseUnavailable } from '../../common/db-errors';
import { AppConfig } from '../../config/app-config';
import { RunLifecycleService } from '../lifecycle/run-lifecycle.service';
import { RunSignals } from './run-signals';

/**
 * Every instance sweeps every RUNS_SWEEP_INTERVAL (docs/delivery.md "Expiry"): expired leases
 * and expired pending runs. Sweeps are idempotent and guarded, so replicas sweeping at once
 * only split the work. Also starts and stops the run signals' LISTEN connection.
 */
@Injectable()
export class RunSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('RunSweeper');
  private timer: TimerHandle | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private lastErrorLog = 0;

  constructor(
    private readonly lifecycle: RunLifecycleService,
    private readonly signals: RunSignals,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.signals.start();
    this.arm();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) this.clock.clearTimer(this.timer);
    await this.running;
    await this.signals.stop();
  }

  /** One sweep now (tests and the timer). */
  async sweepOnce(): Promise<{ leasesExpired: number; runsExpired: number }> {
    return this.lifecycle.sweep();
  }

  private arm(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimer(this.config.runs.sweepIntervalMs, () => {
      this.running = this.sweepOnce()
        .then(() => undefined)
        .catch((e: unknown) => {
          const now = this.clock.now();
          if (now - this.lastErrorLog < 10_000) return;
          this.lastErrorLog = now;
          const what = isDatabaseUnavailable(e) ? 'the database is unavailable' : String(e);
          this.logger.warn(`sweep failed; retrying: ${what}`);
        })
        .finally(() => {
          this.running = null;
          this.arm();
        });
    });
  }
}
