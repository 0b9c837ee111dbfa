import type { FireTime } from './types';
import { getZone } from './zone';

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Formats an offset in ms as `+hh:mm` (with `:ss` for the rare historical offset that has them). */
export function formatOffset(offsetMs: number): string {
  const sign = offsetMs < 0 ? '-' : '+';
  const total = Math.abs(Math.round(offsetMs / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${sign}${pad(h)}:${pad(m)}${s !== 0 ? `:${pad(s)}` : ''}`;
}

/** A fire time as a UTC instant and as wall-clock time in `timezone` with its offset. */
export function toFireTime(at: Date, timezone: string): FireTime {
  const ms = at.getTime();
  if (Number.isNaN(ms)) throw new RangeError('toFireTime: invalid Date');
  const offset = getZone(timezone).offsetAt(ms);
  // Wall clock, read as if it were UTC; `Z` (and `.000`) dropped, also for expanded years.
  const wall = new Date(ms + offset).toISOString().replace(/(\.000)?Z$/, '');
  return { at: at.toISOString(), local: wall + formatOffset(offset) };
}
