import { Global, Injectable, Module } from '@nestjs/common';

/** An opaque timer handle from a Clock. */
export type TimerHandle = { readonly __timer: unique symbol } | object;

/**
 * Time, injected: the scheduler and the runs module read "now" and arm timers only through this,
 * so their tests run on a fake clock and never sleep.
 */
export abstract class Clock {
  /** milliseconds since the epoch */
  abstract now(): number;
  /** calls fn once after delayMs (≥ 0) */
  abstract setTimer(delayMs: number, fn: () => void): TimerHandle;
  abstract clearTimer(handle: TimerHandle): void;
}

/** The real clock. Timers are unref'd so they never keep a stopping process alive. */
@Injectable()
export class SystemClock extends Clock {
  now(): number {
    return Date.now();
  }

  setTimer(delayMs: number, fn: () => void): TimerHandle {
    // setTimeout caps at ~24.8 days; a longer wait simply re-arms (the callers re-check the time).
    const timer = setTimeout(fn, Math.min(Math.max(0, delayMs), 2 ** 31 - 1));
    timer.unref();
    return timer;
  }

  clearTimer(handle: TimerHandle): void {
    clearTimeout(handle as NodeJS.Timeout);
  }
}

/** Provides the Clock to every module (tests may override it with a fake). */
@Global()
@Module({ providers: [{ provide: Clock, useClass: SystemClock }], exports: [Clock] })
export class ClockModule {}
