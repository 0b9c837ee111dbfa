import type { TimerHandle } from '../common/clock';
import type { TriggerName } from '../triggers/trigger-events';

/** The scheduler's view of one active SCHEDULE trigger. */
export interface ScheduleTriggerRow {
  id: string;
  name: TriggerName;
  revision: number;
  automationSpec: Record<string, unknown>;
  effectiveAt: Date;
  /**
   * persisted catch-up cursor: every due slot at or before it has a run (null: none known). It
   * is the cursor row while the trigger has a hole below last_scheduled_at, else
   * last_scheduled_at itself.
   */
  scheduledThrough: Date | null;
  /** a cursor row exists (the trigger had a hole): fires must keep it up to date */
  hasCursorRow: boolean;
}

/** One slot the scheduler wants to fire. */
export interface SlotToFire {
  triggerId: string;
  /** the revision the job was built from: the run is created only if it is still current */
  revision: number;
  scheduledAt: Date;
  runName: string;
  /**
   * set (= scheduledAt) for a trigger that has a cursor row, when every earlier due slot is known
   * to have a run: the row moves here, or goes once nothing below last_scheduled_at is missing
   */
  through: Date | null;
  /**
   * set when an earlier due slot may lack a run (a hole is about to open below
   * last_scheduled_at): the confirmed cursor, recorded as the trigger's cursor row unless it has one
   */
  floor: Date | null;
  /** the earliest time the run may be handed out: the slot plus its jitter (null: the slot) */
  notBefore?: Date | null;
  /** the slot is recorded SKIPPED for this reason (misfire policies; null: the overlap decides) */
  skipReason?: 'MISFIRE' | 'MISSED_CATCHUP_WINDOW' | null;
  /** the trigger's policies leave the run to the slot alone (SlotPolicies.plain) */
  plain?: boolean;
}

/** A trigger that deactivated itself in a fire (run limit reached, one-time slot fired). */
export interface SelfDeactivation {
  triggerId: string;
  revision: number;
  name: TriggerName;
}

/** CREATED: this call made the run; EXISTS: the slot already had one; STALE: trigger changed. */
export type SlotOutcome = 'CREATED' | 'EXISTS' | 'STALE';

export interface SlotResult {
  outcome: SlotOutcome;
  createdAt: Date | null;
  /** whether the trigger has a cursor row after the statement (null: not touched) */
  cursorRow: boolean | null;
  /** the created run's state and skip reason (null unless CREATED) */
  state?: string | null;
  skipReason?: string | null;
  /** set when the trigger deactivated itself in this statement */
  deactivated?: SelfDeactivation | null;
}

/** FAILED: the slot could not be fired (database unavailable…); it stays due. */
export type FireOutcome = SlotOutcome | 'FAILED';

export interface FireResult {
  outcome: FireOutcome;
  /** whether the trigger has a cursor row afterwards (null: unknown or untouched) */
  cursorRow: boolean | null;
}

export type FireMode = 'live' | 'catchup';

/** The port the scheduler core fires through (the real one: rate limiter + runs service). */
export interface FirePort {
  /** one result per slot, in order; never throws */
  fire(slots: SlotToFire[], mode: FireMode): Promise<FireResult[]>;
}

export type TimerName = 'fire' | 'catchup' | 'retry' | 'resync';

/**
 * The core's only way to arm timers (the real ones are kept in Nest's SchedulerRegistry): named
 * one-shot timers, and anonymous one-shots for prepared batches (several may wait at once).
 */
export interface Timers {
  /** (re)arms the timer `name` to call fn after delayMs */
  set(name: TimerName, delayMs: number, fn: () => void): void;
  clear(name: TimerName): void;
  /** a one-shot timer of its own; cancel it with its handle */
  once(delayMs: number, fn: () => void): TimerHandle;
  cancel(handle: TimerHandle): void;
}

export interface SchedulerLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** The triggers the scheduler reads (the real one: triggers' TriggerReadsRepository). */
export interface ScheduleSource {
  /** `partition`: only that scheduler partition's (null: all) */
  listActiveScheduleRevisions(
    afterId: string | null,
    limit: number,
    partition?: number | null,
  ): Promise<{ ids: string[]; revisions: number[] }>;
  findActiveSchedules(ids: string[]): Promise<ScheduleTriggerRow[]>;
  findActiveSchedulesInRange(
    afterId: string | null,
    throughId: string,
    partition?: number | null,
  ): Promise<ScheduleTriggerRow[]>;
  findActiveSchedule(id: string): Promise<ScheduleTriggerRow | null>;
}

/** The statement the executor fires through (the real one: runs' RunWritesRepository). */
export interface SlotWriter {
  /** one result per slot, in order */
  fireScheduledSlots(slots: SlotToFire[]): Promise<SlotResult[]>;
}
