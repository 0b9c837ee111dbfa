import type { SchedulerRegistry } from '@nestjs/schedule';
import type { Clock, TimerHandle } from '../common/clock';
import type { TimerName, Timers } from './scheduler.types';

/**
 * The scheduler's timers, kept in Nest's SchedulerRegistry as `sundial.scheduler.<name>`:
 * `fire` (the earliest slot of all schedules), `resync` (the next reconciliation pass),
 * `catchup` (an early catch-up after a registration with due slots) and `retry` (a catch-up of
 * slots that failed to fire, with backoff).
 */
export class RegistryTimers implements Timers {
  private seq = 0;
  private readonly keys = new Map<TimerHandle, string>();

  constructor(
    private readonly clock: Clock,
    private readonly registry: SchedulerRegistry,
  ) {}

  static nameOf(name: TimerName): string {
    return `sundial.scheduler.${name}`;
  }

  set(name: TimerName, delayMs: number, fn: () => void): void {
    this.clear(name);
    const key = RegistryTimers.nameOf(name);
    const handle: TimerHandle = this.clock.setTimer(delayMs, () => {
      if (this.registry.doesExist('timeout', key) && this.registry.getTimeout(key) === handle) {
        this.registry.deleteTimeout(key);
      }
      fn();
    });
    this.registry.addTimeout(key, handle);
  }

  /**
   * A prepared batch's timer, kept in the registry as `sundial.scheduler.dispatch.<n>` while it
   * waits.
   */
  once(delayMs: number, fn: () => void): TimerHandle {
    const key = `sundial.scheduler.dispatch.${++this.seq}`;
    const handle: TimerHandle = this.clock.setTimer(delayMs, () => {
      this.keys.delete(handle);
      if (this.registry.doesExist('timeout', key)) this.registry.deleteTimeout(key);
      fn();
    });
    this.keys.set(handle, key);
    this.registry.addTimeout(key, handle);
    return handle;
  }

  cancel(handle: TimerHandle): void {
    this.clock.clearTimer(handle);
    const key = this.keys.get(handle);
    if (key === undefined) return;
    this.keys.delete(handle);
    if (this.registry.doesExist('timeout', key)) this.registry.deleteTimeout(key);
  }

  clear(name: TimerName): void {
    const key = RegistryTimers.nameOf(name);
    if (!this.registry.doesExist('timeout', key)) return;
    this.clock.clearTimer(this.registry.getTimeout<TimerHandle>(key));
    this.registry.deleteTimeout(key);
  }
}
