import { MS_PER_DAY, MS_PER_SECOND, civilFromDays, daysFromCivil } from './civil';
import { MAX_TIMEZONE_LENGTH } from './limits';

/** One offset change: at `at` (UTC ms) the offset goes from `before` to `after` (ms, local − UTC). */
interface Transition {
  readonly at: number;
  readonly before: number;
  readonly after: number;
}

/** One UTC calendar month of a zone. */
interface MonthData {
  readonly start: number;
  readonly end: number;
  /** offset in force just before the month starts */
  readonly prevOffset: number;
  /** offset in force at the month start */
  readonly startOffset: number;
  /** transitions strictly inside (start, end), ascending */
  readonly transitions: readonly Transition[];
}

/**
 * A stretch of real time with one UTC offset: [start, end). `start` is a transition or a UTC month
 * boundary (then `offsetBefore` usually equals `offset`); `offsetBefore` is the offset just before
 * `start`, which tells a gap (spring forward) or an overlap (fall back) at `start`.
 */
export interface Segment {
  readonly start: number;
  readonly end: number;
  readonly offset: number;
  readonly offsetBefore: number;
}

/** Sampling step when looking for transitions; no zone changes its offset twice within 2 days. */
const SAMPLE_STEP = 2 * MS_PER_DAY;
const PARTS = /(\d+)\/(\d+)\/(\d+),? (\d+):(\d+):(\d+)/;
/**
 * Months of transitions kept per zone (the oldest-computed goes first): 64 years' worth. A search
 * only reads the months around candidate fire times (see CronSchedule.nextMs), so even a rare
 * schedule over the whole date range touches a few hundred months.
 */
export const ZONE_MONTHS_CACHED = 64 * 12;

/**
 * Offsets of one IANA zone, from Intl (hourCycle h23), with the transitions of each UTC month found
 * once (sampling + binary search to the second) and cached (at most ZONE_MONTHS_CACHED): after
 * warm-up, an offset lookup is a map read and a short scan, no Intl call.
 */
export class Zone {
  private readonly format: Intl.DateTimeFormat | null;
  private readonly months = new Map<number, MonthData>();
  private last: MonthData | undefined;

  constructor(readonly name: string) {
    this.format =
      name === 'UTC'
        ? null
        : new Intl.DateTimeFormat('en-US', {
            timeZone: name,
            hourCycle: 'h23',
            year: 'numeric',
            month: 'numeric',
            day: 'numeric',
            hour: 'numeric',
            minute: 'numeric',
            second: 'numeric',
          });
  }

  /** Months of transitions held (tests). */
  get cachedMonths(): number {
    return this.months.size;
  }

  /** Offset (local − UTC, ms) at instant `ms`, straight from Intl (uncached). */
  rawOffset(ms: number): number {
    if (this.format === null) return 0;
    const t = Math.floor(ms / MS_PER_SECOND) * MS_PER_SECOND;
    const m = PARTS.exec(this.format.format(t));
    if (m === null) throw new Error(`cannot read the local time of zone ${this.name}`);
    const local =
      daysFromCivil(Number(m[3]), Number(m[1]), Number(m[2])) * MS_PER_DAY +
      ((Number(m[4]) * 60 + Number(m[5])) * 60 + Number(m[6])) * MS_PER_SECOND;
    return local - t;
  }

  /** Offset (local − UTC, ms) at instant `ms`. */
  offsetAt(ms: number): number {
    return this.segmentAt(ms).offset;
  }

  /** The constant-offset stretch containing instant `ms`. */
  segmentAt(ms: number): Segment {
    const yd = this.month(ms);
    let start = yd.start;
    let offsetBefore = yd.prevOffset;
    let offset = yd.startOffset;
    let end = yd.end;
    for (const tr of yd.transitions) {
      if (tr.at <= ms) {
        start = tr.at;
        offsetBefore = tr.before;
        offset = tr.after;
      } else {
        end = tr.at;
        break;
      }
    }
    return { start, end, offset, offsetBefore };
  }

  private month(ms: number): MonthData {
    const last = this.last;
    if (last !== undefined && ms >= last.start && ms < last.end) return last;
    const [y, m] = civilFromDays(Math.floor(ms / MS_PER_DAY));
    const key = y * 12 + m - 1;
    let yd = this.months.get(key);
    if (yd === undefined) {
      yd = this.computeMonth(y, m);
      if (this.months.size >= ZONE_MONTHS_CACHED) {
        const oldest = this.months.keys().next();
        if (oldest.done !== true) this.months.delete(oldest.value);
      }
      this.months.set(key, yd);
    }
    this.last = yd;
    return yd;
  }

  private computeMonth(y: number, m: number): MonthData {
    const start = daysFromCivil(y, m, 1) * MS_PER_DAY;
    const end = (m === 12 ? daysFromCivil(y + 1, 1, 1) : daysFromCivil(y, m + 1, 1)) * MS_PER_DAY;
    const prevOffset = this.rawOffset(start - MS_PER_SECOND);
    const startOffset = this.rawOffset(start);
    const transitions: Transition[] = [];
    if (this.format !== null) {
      let a = start;
      let oa = startOffset;
      for (;;) {
        const b = Math.min(a + SAMPLE_STEP, end - MS_PER_SECOND);
        const ob = this.rawOffset(b);
        // A change within (a, b]: find each one (there may be two, e.g. A→B→C).
        while (ob !== oa) {
          const at = this.firstChange(a, b, oa);
          const after = this.rawOffset(at);
          transitions.push({ at, before: oa, after });
          a = at;
          oa = after;
        }
        if (b >= end - MS_PER_SECOND) break;
        a = b;
        oa = ob;
      }
    }
    return { start, end, prevOffset, startOffset, transitions };
  }

  /** Smallest whole second t in (lo, hi] whose offset differs from `offset` (which holds at lo). */
  private firstChange(lo: number, hi: number, offset: number): number {
    while (hi - lo > MS_PER_SECOND) {
      const mid = lo + Math.floor((hi - lo) / (2 * MS_PER_SECOND)) * MS_PER_SECOND;
      if (this.rawOffset(mid) === offset) lo = mid;
      else hi = mid;
    }
    return hi;
  }
}

/** One Zone per canonical IANA name: bounded by the names the runtime knows (about 600). */
const zones = new Map<string, Zone>();
/** Names as sent (at most MAX_TIMEZONE_LENGTH characters) → canonical name; emptied at 10,000. */
const canonical = new Map<string, string>();

/** Canonical IANA name of a zone Intl knows (e.g. `america/new_york` → `America/New_York`), or null. */
export function canonicalTimeZone(tz: string): string | null {
  const known = canonical.get(tz);
  if (known !== undefined) return known;
  if (
    typeof tz !== 'string' ||
    tz.length === 0 ||
    tz.length > MAX_TIMEZONE_LENGTH ||
    tz.trim() !== tz
  )
    return null;
  // Offset-style names ("+05:30") are not IANA zone names.
  if (/^[+-]/.test(tz)) return null;
  let name: string;
  try {
    name = new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
  if (name === 'Etc/UTC' || name === 'Etc/GMT' || name === 'GMT') name = 'UTC';
  if (canonical.size > 10_000) canonical.clear();
  canonical.set(tz, name);
  return name;
}

/** True when `tz` is an IANA time zone name this runtime knows. */
export function isValidTimeZone(tz: string): boolean {
  return canonicalTimeZone(tz) !== null;
}

/** The (cached) zone for a name; throws RangeError for an unknown zone. */
export function getZone(tz: string): Zone {
  const name = canonicalTimeZone(tz);
  if (name === null) throw new RangeError(`unknown time zone "${tz}"`);
  let zone = zones.get(name);
  if (zone === undefined) {
    zone = new Zone(name);
    zones.set(name, zone);
  }
  return zone;
}
