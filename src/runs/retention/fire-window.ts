import { Injectable } from '@nestjs/common';
import { Clock } from '../../common/clock';

/** A fire starts at most this long after its slot (timer lag): no batch starts meanwhile. */
const SETTLE_MS = 15;
/** Retention waits at most this long for a gap, then deletes anyway (it must progress). */
const MAX_WAIT_MS = 2_000;

/**
 * What retention knows of this instance's scheduler (docs/runs.md "Retention"): whether a fire
 * is writing runs now, and when the next live fire is due. The scheduler reports both; retention
 * starts a delete batch only where it cannot meet a fire, so deleting millions of runs does not
 * raise fire lateness (a batch and a fire sharing the database's cores slowed the fire 2–3×).
 */
@Injectable()
export class FireWindow {
  private inFlight = 0;
  private idle: (() => void)[] = [];
  private nextFire: () => number | null = () => null;

  constructor(private readonly clock: Clock) {}

  /** The scheduler: the instant (epoch ms) of its next live fire, or null. */
  follow(nextFire: () => number | null): void {
    this.nextFire = nextFire;
  }

  /** The fire executor, around each statement that writes runs. */
  begin(): void {
    this.inFlight++;
  }

  end(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (this.inFlight > 0) return;
    const waiting = this.idle;
    this.idle = [];
    for (const wake of waiting) wake();
  }

  /**
   * Resolves when a batch expected to take `expectedMs` can run without overlapping a fire: no
   * fire in flight, and the next one not due before the batch would end. Waits at most
   * MAX_WAIT_MS in all (a scheduler that fires all the time must not stop retention).
   */
  async gap(expectedMs: number): Promise<void> {
    const deadline = this.clock.now() + MAX_WAIT_MS;
    for (;;) {
      const now = this.clock.now();
      if (now >= deadline) return;
      if (this.inFlight > 0) {
        await this.until(deadline, true);
        continue;
      }
      const next = this.nextFire();
      // due within the batch, or due just now and about to start (its statement not sent yet)
      if (next === null || next - now > expectedMs || now - next > SETTLE_MS) return;
      await this.until(Math.min(deadline, next + SETTLE_MS), false);
    }
  }

  /** Sleeps until `at`, or (onIdle) until no fire is in flight, whichever is first. */
  private until(at: number, onIdle: boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        this.clock.clearTimer(timer);
        resolve();
      };
      const timer = this.clock.setTimer(Math.max(0, at - this.clock.now()), finish);
      if (onIdle) this.idle.push(finish);
    });
  }
}
