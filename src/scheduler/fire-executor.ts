import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import pThrottle from 'p-throttle';
import { isDatabaseUnavailable } from '../common/db-errors';
import { AppConfig } from '../config/app-config';
import { EMBEDDED_DATABASE, type DatabaseHandle } from '../database/database.module';
import { WARM_CONNECTIONS } from '../database/typeorm-options';
import { MetricsService } from '../metrics/metrics.service';
import { FireWindow } from '../runs/retention/fire-window';
import { RunWritesRepository } from '../runs/run-writes.repository';
import { LogThrottle } from '../common/log-throttle';
import { TRIGGER_CHANGED, type TriggerChangedEvent } from '../triggers/trigger-events';
import type {
  FireMode,
  FirePort,
  FireResult,
  SelfDeactivation,
  SlotResult,
  SlotToFire,
} from './scheduler.types';

function failed(): FireResult {
  return { outcome: 'FAILED', cursorRow: null };
}

/**
 * At most this many slots per statement: larger batches are split and sent in parallel. (Smaller
 * statements in parallel were slower: 1,000 slots as 4 × 250 took p50 150 ms against 92 ms as
 * one, their inserts contending for the same index pages.)
 */
const MAX_STATEMENT_SLOTS = 2500;
/** Live statements in flight at once, each on one of the pool's warm connections. */
const LIVE_STATEMENTS = WARM_CONNECTIONS;
/**
 * The embedded database has one connection, which a request shares with the fire: its
 * statements queue behind the fire's. Short statements, one at a time, so a request waits for
 * at most one of them (docs/embedded.md, "Responsiveness during a fire"): 125 slots, ~15 ms
 * (paired runs of a 10,000-run fire on 2026-12-04, GET /triggers/{key} p99: 41–134 ms with
 * 250 slots, 33–56 ms with 125).
 */
const EMBEDDED_STATEMENT_SLOTS = 125;
const EMBEDDED_LIVE_STATEMENTS = 1;
/** Slots a misfire policy skips: this many per statement, past the rate limiter. */
const SKIP_STATEMENT_SLOTS = 2000;

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
  private readonly liveStatements: number;
  private readonly errorLog = new LogThrottle();

  constructor(
    config: AppConfig,
    private readonly runs: RunWritesRepository,
    private readonly metrics: MetricsService,
    private readonly events: EventEmitter2,
    private readonly window: FireWindow,
    @Inject(EMBEDDED_DATABASE) database: DatabaseHandle,
  ) {
    const { executionQps, executionBurst } = config.scheduler;
    const embedded = database.kind === 'embedded';
    const slots = embedded ? EMBEDDED_STATEMENT_SLOTS : MAX_STATEMENT_SLOTS;
    this.chunkSize = Math.max(1, Math.min(executionBurst, slots));
    this.liveStatements = embedded ? EMBEDDED_LIVE_STATEMENTS : LIVE_STATEMENTS;
    const throttle = pThrottle({
      limit: executionBurst,
      interval: (executionBurst / executionQps) * 1000,
      weight: (slots: SlotToFire[]) => slots.length,
    });
    this.throttled = throttle((slots: SlotToFire[]) => this.runs.fireScheduledSlots(slots));
  }

  async fire(slots: SlotToFire[], mode: FireMode): Promise<FireResult[]> {
    const chunks = this.chunks(slots);
    let outcomes: FireResult[][];
    if (mode === 'live') {
      // A live batch holds one slot per trigger: its chunks are independent, fired at most
      // LIVE_STATEMENTS at a time (more only queue for the same cores and locks); one at a time
      // on the embedded database.
      outcomes = new Array<FireResult[]>(chunks.length);
      let next = 0;
      const lane = async () => {
        while (next < chunks.length) {
          const i = next++;
          outcomes[i] = await this.fireChunk(chunks[i]);
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.liveStatements, chunks.length) }, lane));
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

  /** The chunk's statement, with retention told that runs are being written (FireWindow). */
  private async written(slots: SlotToFire[]): Promise<SlotResult[]> {
    this.window.begin();
    try {
      return slots.every((s) => (s.skipReason ?? null) !== null)
        ? await this.runs.fireScheduledSlots(slots)
        : await this.throttled(slots);
    } finally {
      this.window.end();
    }
  }

  /**
   * Splits slots into statements, in order: runs of consecutive slots that a misfire policy
   * skips go together (up to SKIP_STATEMENT_SLOTS, past the rate limiter: they hand no work to
   * anyone), the others in chunks of the burst size.
   */
  private chunks(slots: SlotToFire[]): SlotToFire[][] {
    const chunks: SlotToFire[][] = [];
    let current: SlotToFire[] = [];
    let skipping = false;
    for (const slot of slots) {
      const skip = (slot.skipReason ?? null) !== null;
      const limit = skip ? SKIP_STATEMENT_SLOTS : this.chunkSize;
      if (current.length > 0 && (skip !== skipping || current.length >= limit)) {
        chunks.push(current);
        current = [];
      }
      skipping = skip;
      current.push(slot);
    }
    if (current.length > 0) chunks.push(current);
    return chunks;
  }

  private async fireChunk(slots: SlotToFire[]): Promise<FireResult[]> {
    try {
      const results = await this.written(slots);
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
      this.metrics.slotsSkippedBy(
        results.map((r) => (r.outcome === 'CREATED' ? (r.skipReason ?? null) : null)),
      );
      this.announce(results);
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

  /**
   * Triggers that deactivated themselves in the statement (run limit, one-time schedule): the
   * same event as a DEACTIVATE through the API, so this scheduler drops them at once and the
   * other replicas hear of it.
   */
  private announce(results: SlotResult[]): void {
    const seen = new Map<string, SelfDeactivation>();
    for (const r of results) if (r.deactivated) seen.set(r.deactivated.triggerId, r.deactivated);
    for (const d of seen.values()) {
      const event: TriggerChangedEvent = {
        triggerId: d.triggerId,
        name: d.name,
        revision: d.revision,
        action: 'DEACTIVATE',
      };
      try {
        this.events.emit(TRIGGER_CHANGED, event);
      } catch (e) {
        this.logger.error(`a ${TRIGGER_CHANGED} listener failed: ${(e as Error).message}`);
      }
    }
  }
}
