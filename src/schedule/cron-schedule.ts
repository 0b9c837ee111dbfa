import { BaseSchedule } from './base-schedule';
import {
  MS_PER_DAY,
  MS_PER_HOUR,
  MS_PER_MINUTE,
  MS_PER_SECOND,
  civilFromDays,
  daysFromCivil,
  daysInMonth,
} from './civil';
import { type CronFields, renderFields } from './cron-expression';
import { type Zone, getZone } from './zone';

/** next[x] = smallest set value ≥ x, or -1; one extra slot past the end (always -1). */
function nextTable(values: readonly boolean[], size: number): Int8Array {
  const t = new Int8Array(size + 1).fill(-1);
  let next = -1;
  for (let v = size - 1; v >= 0; v--) {
    if (values[v] === true) next = v;
    t[v] = next;
  }
  return t;
}

/**
 * A cron schedule in a zone. Matching is on LOCAL wall-clock fields; real time is walked one
 * constant-offset segment at a time (segments come from the zone's cached transitions), so the
 * DST rule is exact:
 * - fixed-time schedules (minute and hour fields not starting with `*`) fire a local time that
 *   falls in a gap once, at the first instant after the gap, and a repeated local time only at its
 *   first occurrence;
 * - other schedules fire at every real instant whose local time matches.
 */
export class CronSchedule extends BaseSchedule {
  readonly kind = 'CRON' as const;
  readonly anchored = false;
  readonly key: string;
  readonly timezone: string;
  private readonly zone: Zone;
  private readonly nextSecond: Int8Array;
  private readonly nextMinute: Int8Array;
  private readonly nextHour: Int8Array;
  private readonly nextMonth: Int8Array;
  private readonly dom: readonly boolean[];
  private readonly dow: readonly boolean[];
  private readonly dayMode: 0 | 1 | 2 | 3; // 0 every day, 1 dom only, 2 dow only, 3 dom or dow
  private readonly fixedTime: boolean;

  constructor(
    readonly fields: CronFields,
    timezone: string,
  ) {
    super();
    this.zone = getZone(timezone);
    this.timezone = this.zone.name;
    this.key = `cron|${this.timezone}|${renderFields(fields)}${fields.fixedTime ? '' : '|wall'}`;
    this.nextSecond = nextTable(fields.seconds, 60);
    this.nextMinute = nextTable(fields.minutes, 60);
    this.nextHour = nextTable(fields.hours, 24);
    this.nextMonth = nextTable(fields.months, 13);
    this.dom = fields.daysOfMonth;
    this.dow = fields.daysOfWeek;
    this.dayMode = fields.domStar ? (fields.dowStar ? 0 : 2) : fields.dowStar ? 1 : 3;
    this.fixedTime = fields.fixedTime;
  }

  /**
   * The first real second ≥ s that can fire, skipping stretches without a matching local time:
   * an offset is within ±1 day, so a fire at t has local time ≥ the first match after s − 1 day,
   * hence t ≥ that match − 1 day. Keeps a rare schedule (`0 0 29 2 *`) from reading the zone's
   * offsets for the years in between. Null when nothing can match up to limitMs.
   */
  private skip(s: number, limitMs: number): number | null {
    const local = this.firstMatch(s - MS_PER_DAY, limitMs + MS_PER_DAY);
    return local === null ? null : Math.max(s, local - MS_PER_DAY);
  }

  protected nextMs(afterMs: number, limitMs: number): number | null {
    // Skipping only after an empty segment keeps the common case (a match in the first) one scan.
    let s: number | null = Math.floor(afterMs / MS_PER_SECOND) * MS_PER_SECOND + MS_PER_SECOND;
    while (s !== null && s <= limitMs) {
      const seg = this.zone.segmentAt(s);
      const o = seg.offset;
      let from = s + o;
      if (this.fixedTime) {
        // Spring forward at s: local times in the gap fire once, at the first instant after it.
        if (s === seg.start && seg.offsetBefore < o) {
          if (this.firstMatch(seg.start + seg.offsetBefore, seg.start + o) !== null) return s;
        }
        // Fall back: local times already seen before the transition do not fire again.
        if (seg.offsetBefore > o) from = Math.max(from, seg.start + seg.offsetBefore);
      }
      const local = this.firstMatch(from, seg.end + o);
      if (local !== null) {
        const t = local - o;
        return t <= limitMs ? t : null;
      }
      s = seg.end > limitMs ? null : this.skip(seg.end, limitMs);
    }
    return null;
  }

  private dayMatches(d: number, dayNumber: number): boolean {
    switch (this.dayMode) {
      case 0:
        return true;
      case 1:
        return this.dom[d];
      case 2:
        return this.dow[(((dayNumber + 4) % 7) + 7) % 7];
      case 3:
        return this.dom[d] || this.dow[(((dayNumber + 4) % 7) + 7) % 7];
    }
  }

  /**
   * Smallest matching local wall-clock time L (ms on the local calendar) with fromMs <= L < toMs,
   * rounded up to a whole second, or null (local times before 1970 are negative). Skips whole months, days, hours and minutes.
   */
  firstMatch(fromMs: number, toMs: number): number | null {
    const from = Math.ceil(fromMs / MS_PER_SECOND) * MS_PER_SECOND;
    if (from >= toMs) return null;
    let dayNumber = Math.floor(from / MS_PER_DAY);
    let rem = from - dayNumber * MS_PER_DAY;
    let h = Math.floor(rem / MS_PER_HOUR);
    rem -= h * MS_PER_HOUR;
    let mi = Math.floor(rem / MS_PER_MINUTE);
    let s = Math.floor((rem - mi * MS_PER_MINUTE) / MS_PER_SECOND);
    let [y, mo, d] = civilFromDays(dayNumber);
    const nextMonth = this.nextMonth;
    for (;;) {
      // Month.
      const nm = nextMonth[mo];
      if (nm !== mo) {
        if (nm < 0) {
          y++;
          mo = nextMonth[1];
        } else {
          mo = nm;
        }
        d = 1;
        h = mi = s = 0;
        dayNumber = daysFromCivil(y, mo, 1);
        if (dayNumber * MS_PER_DAY >= toMs) return null;
      }
      // Day.
      const dim = daysInMonth(y, mo);
      let dd = d;
      while (dd <= dim && !this.dayMatches(dd, dayNumber + dd - d)) dd++;
      if (dd > dim) {
        mo++;
        if (mo > 12) {
          mo = 1;
          y++;
        }
        d = 1;
        h = mi = s = 0;
        dayNumber = daysFromCivil(y, mo, 1);
        if (dayNumber * MS_PER_DAY >= toMs) return null;
        continue;
      }
      if (dd !== d) {
        dayNumber += dd - d;
        d = dd;
        h = mi = s = 0;
        if (dayNumber * MS_PER_DAY >= toMs) return null;
      }
      // Hour, minute, second within the day.
      const nh = this.nextHour[h];
      if (nh < 0) {
        [y, mo, d, dayNumber] = this.nextDay(y, mo, d, dayNumber);
        h = mi = s = 0;
        if (dayNumber * MS_PER_DAY >= toMs) return null;
        continue;
      }
      if (nh !== h) {
        h = nh;
        mi = s = 0;
      }
      const nmi = this.nextMinute[mi];
      if (nmi < 0) {
        h++;
        mi = s = 0;
        if (h > 23) {
          [y, mo, d, dayNumber] = this.nextDay(y, mo, d, dayNumber);
          h = 0;
          if (dayNumber * MS_PER_DAY >= toMs) return null;
        }
        continue;
      }
      if (nmi !== mi) {
        mi = nmi;
        s = 0;
      }
      const ns = this.nextSecond[s];
      if (ns < 0) {
        mi++;
        s = 0;
        if (mi > 59) {
          mi = 0;
          h++;
          if (h > 23) {
            [y, mo, d, dayNumber] = this.nextDay(y, mo, d, dayNumber);
            h = 0;
            if (dayNumber * MS_PER_DAY >= toMs) return null;
          }
        }
        continue;
      }
      s = ns;
      const local =
        dayNumber * MS_PER_DAY + h * MS_PER_HOUR + mi * MS_PER_MINUTE + s * MS_PER_SECOND;
      return local < toMs ? local : null;
    }
  }

  private nextDay(
    y: number,
    mo: number,
    d: number,
    dayNumber: number,
  ): [number, number, number, number] {
    if (d < daysInMonth(y, mo)) return [y, mo, d + 1, dayNumber + 1];
    return mo === 12 ? [y + 1, 1, 1, dayNumber + 1] : [y, mo + 1, 1, dayNumber + 1];
  }
}
