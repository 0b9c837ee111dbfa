/** Retries after failures (docs/scheduler.md "When a fire fails", "When a pass fails"). */
export const RETRY_BASE_MS = 1_000;

/**
 * A retry delay that starts at RETRY_BASE_MS and doubles after each failure, up to `maxMs`;
 * reset() after a success starts it over.
 */
export class Backoff {
  private delayMs = 0;

  constructor(private readonly maxMs: number) {}

  /** The delay before the retry of a new failure. */
  next(): number {
    this.delayMs = Math.min(this.maxMs, this.delayMs === 0 ? RETRY_BASE_MS : 2 * this.delayMs);
    return this.delayMs;
  }

  reset(): void {
    this.delayMs = 0;
  }
}
