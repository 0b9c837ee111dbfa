/**
 * At most `globalCap` calls in flight, and at most `perOriginCap` to any one origin
 * (scheme://host:port), so a slow or dead receiver can hold only its own share of the slots
 * (docs/webhooks.md "Load"). Waiting callers are served round-robin across origins, oldest
 * first within an origin, whenever a slot frees that their origin may use.
 */
export class OriginLimiter {
  private inFlight = 0;
  private readonly perOrigin = new Map<string, number>();
  private readonly waiting = new Map<string, ((slot: boolean) => void)[]>();
  private closed = false;

  constructor(
    readonly globalCap: number,
    readonly perOriginCap: number,
  ) {}

  /** Calls in flight now, in total or to one origin. */
  active(origin?: string): number {
    return origin === undefined ? this.inFlight : (this.perOrigin.get(origin) ?? 0);
  }

  /** Callers waiting for a slot. */
  queued(): number {
    let n = 0;
    for (const q of this.waiting.values()) n += q.length;
    return n;
  }

  /** Whether a call to `origin` could start now without waiting. */
  canStart(origin: string): boolean {
    return (
      this.inFlight < this.globalCap &&
      this.active(origin) < this.perOriginCap &&
      !this.waiting.has(origin)
    );
  }

  /**
   * Waits for a slot for `origin`; the returned function frees it (call it exactly once). Null
   * once the limiter is closed: no slot will come.
   */
  acquire(origin: string): Promise<(() => void) | null> {
    if (this.closed) return Promise.resolve(null);
    if (this.canStart(origin)) return Promise.resolve(this.take(origin));
    return new Promise((resolve) => {
      const queue = this.waiting.get(origin) ?? [];
      queue.push((slot) => resolve(slot ? this.take(origin) : null));
      this.waiting.set(origin, queue);
    });
  }

  /** No more slots (shutdown): every caller waiting, and every later one, gets null at once. */
  close(): void {
    this.closed = true;
    const waiting = [...this.waiting.values()].flat();
    this.waiting.clear();
    for (const give of waiting) give(false);
  }

  private take(origin: string): () => void {
    this.inFlight++;
    this.perOrigin.set(origin, this.active(origin) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight--;
      const n = this.active(origin) - 1;
      if (n === 0) this.perOrigin.delete(origin);
      else this.perOrigin.set(origin, n);
      this.grant();
    };
  }

  /** Hands free slots to waiting origins, round-robin (Map order, re-queued at the end). */
  private grant(): void {
    let progressed = true;
    while (this.inFlight < this.globalCap && progressed) {
      progressed = false;
      for (const [origin, queue] of this.waiting) {
        if (this.inFlight >= this.globalCap) break;
        if (this.active(origin) >= this.perOriginCap) continue;
        const next = queue.shift();
        this.waiting.delete(origin);
        if (queue.length > 0) this.waiting.set(origin, queue);
        next?.(true);
        progressed = true;
        break;
      }
    }
  }
}
