import { BaseSchedule } from './base-schedule';
import { MS_PER_SECOND } from './civil';

/**
 * A fixed period in real time (rates and `@every`), in UTC. The grid is anchored on `startMs` when
 * given (no fire before it; it is itself a fire), else on the anchor passed to each call (the
 * schedule's effective time) truncated to the second, extending both ways.
 */
export class GridSchedule extends BaseSchedule {
  readonly timezone = 'UTC';
  readonly anchored: boolean;

  constructor(
    readonly key: string,
    readonly kind: 'EVERY' | 'RATE',
    readonly periodMs: number,
    readonly startMs: number | null,
  ) {
    super();
    this.anchored = startMs === null;
  }

  protected nextMs(afterMs: number, limitMs: number, anchorMs: number): number | null {
    let t: number;
    if (this.startMs !== null && afterMs < this.startMs) {
      t = this.startMs;
    } else {
      const origin = this.startMs ?? Math.floor(anchorMs / MS_PER_SECOND) * MS_PER_SECOND;
      t = origin + (Math.floor((afterMs - origin) / this.periodMs) + 1) * this.periodMs;
    }
    return t <= limitMs ? t : null;
  }
}
