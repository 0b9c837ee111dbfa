import { Injectable, Logger } from '@nestjs/common';
import pThrottle from 'p-throttle';
import { isDatabaseUnavailable } from '../common/db-errors';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { RunWritesRepository } from '../runs/run-writes.repository';
import { LogThrottle } from '../common/log-throttle';
import type { FireMode, FirePort, FireResult, SlotResult, SlotToFire } from './scheduler.types';

function failed(): FireResult {
  return { outcome: 'FAILED', cursorRow: null };
}

/** At most this many slots per statement: larger batches are split and sent in parallel. */
const MAX_STATEMENT_SLOTS = 2500;

export interface FireStats {
  created: number;
  /** ms from slot to run creation, for each run created */
  lateness: number[];
}

/**
 * The real FirePort: slots pass a p-throttle limiter (executionQps on average, executionBurst at
 * once; a batch weighs its number of slots), then one statement per batch creates the runs.
 * A failed statement answers FAILED for its slots (they stay due); nothing is thrown.
 */
@Injectable()
export class ScheduledFireExecutor implements FirePort {
  private readonly logger = new Logger('Scheduler');
  private readonly throttled: (slots: SlotToFire[]) => Promise<SlotResult[]>;
  private readonly chunkSize: number;
  private readonly errorLog = new LogThrottle();

  constructor(
    config: AppConfig,
    private readonly runs: RunWritesRepository,
    private readonly metrics: MetricsService,
  ) {
    const { executionQps, executionBurst } = config.scheduler;
    this.chunkSize = Math.max(1, Math.min(executionBurst, MAX_STATEMENT_SLOTS));
    const throttle = pThrottle({
      limit: executionBurst,
      interval: (executionBurst / executionQps) * 1000,
      weight: (slots: SlotToFire[]) => slots.length,
    });
    this.throttled = throttle((slots: SlotToFire[]) => this.runs.fireScheduledSlots(slots));
  }

  async fire(slots: SlotToFire[], mode: FireMode): Promise<FireResult[]> {
    const chunks: SlotToFire[][] = [];
    for (let i = 0; i < slots.length; i += this.chunkSize) {
      chunks.push(slots.slice(i, i + this.chunkSize));
    }
    let outcomes: FireResult[][];
    if (mode === 'live') {
      // A live batch holds one slot per trigger: its chunks are independent.
      outcomes = await Promise.all(chunks.map((c) => this.fireChunk(c)));
    } else {
      // Catch-up slots of one trigger may span chunks: in order, stopping at a failure, so a
      // cursor never moves past a slot that has no run.
      outcomes = [];
      for (const chunk of chunks) {
        const result = await this.fireChunk(chunk);
        outcomes.push(result);
        if (result.some((r) => r.outcome === 'FAILED')) {
          for (const rest of chunks.slice(outcomes.length)) outcomes.push(rest.map(failed));
          break;
        }
      }
    }
    return outcomes.flat();
  }

  private async fireChunk(slots: SlotToFire[]): Promise<FireResult[]> {
    try {
      const results = await this.throttled(slots);
      let created = 0;
      let conflicts = 0;
      for (let i = 0; i < results.length; i++) {
        if (results[i].outcome === 'EXISTS') conflicts++;
        const createdAt = results[i].createdAt;
        if (results[i].outcome !== 'CREATED' || !createdAt) continue;
        created++;
        this.metrics.observeFireLateness(
          (createdAt.getTime() - slots[i].scheduledAt.getTime()) / 1000,
        );
      }
      this.metrics.runsCreated('SCHEDULE', created);
      this.metrics.fireConflict(conflicts);
      return results.map((r) => ({ outcome: r.outcome, cursorRow: r.cursorRow }));
    } catch (e) {
      if (this.errorLog.allow()) {
        const what = isDatabaseUnavailable(e)
          ? 'the database is unavailable'
          : (e as Error).message;
        this.logger.warn(`could not fire ${slots.length} slot(s); they stay due: ${what}`);
      }
      return slots.map(failed);
    }
  }
}
