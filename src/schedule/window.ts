import { BaseSchedule } from './base-schedule';
import type { Schedule, ScheduleKind } from './types';

/**
 * A schedule limited to an active window (`policies.activeFrom`, `policies.activeUntil`): its
 * fire times t with from <= t < until. Either bound may be open (null). The key names the window,
 * so triggers share a timer group only when both the schedule and the window are equal.
 */
export class WindowedSchedule extends BaseSchedule {
  readonly key: string;
  readonly kind: ScheduleKind;
  readonly timezone: string;
  readonly anchored: boolean;

  constructor(
    readonly inner: Schedule,
    readonly fromMs: number | null,
    readonly untilMs: number | null,
  ) {
    super();
    this.kind = inner.kind;
    this.timezone = inner.timezone;
    this.anchored = inner.anchored;
    const bound = (ms: number | null): string => (ms === null ? '' : new Date(ms).toISOString());
    this.key = `${inner.key}|window|${bound(fromMs)}|${bound(untilMs)}`;
  }

  protected nextMs(afterMs: number, limitMs: number, anchorMs: number): number | null {
    const from = this.fromMs === null ? afterMs : Math.max(afterMs, this.fromMs - 1);
    const end = this.untilMs === null ? limitMs : Math.min(limitMs, this.untilMs - 1);
    if (from >= end) return null;
    const t = this.inner.next(new Date(from), new Date(anchorMs));
    if (t === null) return null;
    const ms = t.getTime();
    return ms <= end ? ms : null;
  }
}
