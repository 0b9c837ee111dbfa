/** How often a repeated failure is logged at most (the scheduler's warnings while the database is down). */
export const LOG_THROTTLE_MS = 10_000;

/**
 * Lets one message through per interval: a failure that repeats on every timer tick (the
 * database unavailable) is logged once every 10 s, not thousands of times.
 */
export class LogThrottle {
  private last = -Infinity;

  constructor(
    /** the time source (the scheduler core passes its Clock, for tests with a fake one) */
    private readonly now: () => number = Date.now,
    private readonly intervalMs = LOG_THROTTLE_MS,
  ) {}

  /** true when a message may be logged now (and starts a new interval). */
  allow(): boolean {
    const now = this.now();
    if (now - this.last < this.intervalMs) return false;
    this.last = now;
    return true;
  }
}
