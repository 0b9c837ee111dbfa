import { MAX_INSTANT_MS } from './limits';
import type { Schedule, ScheduleKind } from './types';

/** Search horizon of next(): a little over 8 years (8 × 365.25 days + 2 days). */
export const HORIZON_MS = (8 * 365.25 + 2) * 86_400_000;
/** The last instant a fire time may have (docs/scheduler.md "Limits": fire times end in 2200). */
const LAST_MS = MAX_INSTANT_MS - 1;

/** Where a search from `afterMs` ends: the horizon, never past the end of the date range. */
function horizon(afterMs: number): number {
  return Math.min(afterMs + HORIZON_MS, LAST_MS);
}

function msOf(d: Date, what: string): number {
  const ms = d.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`${what} is an invalid Date`);
  return ms;
}

/**
 * Window enumeration on top of one primitive: the first fire time strictly after an instant.
 * Fire times lie before MAX_INSTANT_MS, so the cost of any call is bounded by the date range.
 */
export abstract class BaseSchedule implements Schedule {
  abstract readonly key: string;
  abstract readonly kind: ScheduleKind;
  abstract readonly timezone: string;
  abstract readonly anchored: boolean;

  /**
   * First fire time > afterMs and <= limitMs, or null. (Not −1: instants before 1970 are
   * negative and must not read as "no match".)
   */
  protected abstract nextMs(afterMs: number, limitMs: number, anchorMs: number): number | null;

  next(after: Date, anchor: Date): Date | null {
    const a = msOf(after, 'after');
    const t = this.nextMs(a, horizon(a), msOf(anchor, 'anchor'));
    return t === null ? null : new Date(t);
  }

  nextTimes(after: Date, count: number, anchor: Date): Date[] {
    const out: Date[] = [];
    const anchorMs = msOf(anchor, 'anchor');
    let a = msOf(after, 'after');
    while (out.length < count) {
      const t = this.nextMs(a, horizon(a), anchorMs);
      if (t === null) break;
      out.push(new Date(t));
      a = t;
    }
    return out;
  }

  slotsAfter(fromExclusive: Date, toInclusive: Date, anchor: Date, limit: number): Date[] {
    return this.collect(msOf(fromExclusive, 'from'), msOf(toInclusive, 'to'), anchor, limit);
  }

  slotsInRange(fromInclusive: Date, toExclusive: Date, anchor: Date, limit: number): Date[] {
    // Instants are whole milliseconds: t >= from ⇔ t > from − 1 ms; t < to ⇔ t <= to − 1 ms.
    return this.collect(
      msOf(fromInclusive, 'from') - 1,
      msOf(toExclusive, 'to') - 1,
      anchor,
      limit,
    );
  }

  /** fire times in (fromMs, toMs], at most limit */
  private collect(fromMs: number, toMs: number, anchor: Date, limit: number): Date[] {
    const out: Date[] = [];
    const anchorMs = msOf(anchor, 'anchor');
    let a = fromMs;
    const end = Math.min(toMs, LAST_MS);
    while (out.length < limit && a < end) {
      const t = this.nextMs(a, Math.min(end, a + HORIZON_MS), anchorMs);
      if (t === null) {
        if (a + HORIZON_MS >= end) break;
        a += HORIZON_MS; // nothing in this stretch; a window longer than the horizon goes on
        continue;
      }
      out.push(new Date(t));
      a = t;
    }
    return out;
  }
}
