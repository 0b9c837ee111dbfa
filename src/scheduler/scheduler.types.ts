import type { SlotOutcome, SlotToFire } from '../triggers/trigger-scheduling.repository';

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

export type TimerName = 'fire' | 'catchup' | 'resync';

/** Named one-shot timers (the real ones are kept in Nest's SchedulerRegistry). */
export interface Timers {
  /** (re)arms the timer `name` to call fn after delayMs */
  set(name: TimerName, delayMs: number, fn: () => void): void;
  clear(name: TimerName): void;
}

export interface SchedulerLogger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}
