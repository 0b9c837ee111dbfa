import { BoundedLru } from './lru';
import { parseSchedule } from './parse';
import { checkShape, type Shape } from './shape';
import { noSchedule } from './errors';
import type { AutomationSpecLike, ParseOptions, Schedule } from './types';

/** At most this many entries in each of the two maps below. */
export const CACHE_ENTRIES = 10_000;
/** At most this many (estimated) bytes in each of the two maps below. */
export const CACHE_BYTES = 32 * 1024 * 1024;

/**
 * Estimated heap cost of a parsed schedule: a cron schedule holds six value sets (about 200
 * array slots) and four lookup tables; a grid schedule a few numbers.
 */
function sizeOf(schedule: Schedule): number {
  return schedule.kind === 'CRON' ? 2_048 + schedule.key.length * 2 : 128 + schedule.key.length * 2;
}

/** Spec text → schedule. */
const cache = new BoundedLru<Schedule>(CACHE_ENTRIES, CACHE_BYTES, sizeOf);
/** Canonical key → schedule, so that different spellings share one object. */
const interned = new BoundedLru<Schedule>(CACHE_ENTRIES, CACHE_BYTES, sizeOf);

function cacheKey(shape: Shape): string | null {
  const w = shape.window;
  const window = w ? `\u0001${w.activeFrom ?? ''}\u0000${w.activeUntil ?? ''}` : '';
  switch (shape.kind) {
    case 'NONE':
    case 'EVENT':
      return null;
    case 'CRON':
      return `c\u0000${shape.cron.expression}\u0000${shape.cron.timezone ?? ''}${window}`;
    case 'RATE':
      return `r\u0000${shape.rate.value}\u0000${shape.rate.unit}\u0000${shape.rate.startTime ?? ''}${window}`;
    case 'AT':
      return `a\u0000${shape.at}${window}`;
  }
}

/**
 * parseSchedule memoized on the schedule's inputs (expression + timezone, or rate fields) in an LRU
 * bounded in entries and bytes (CACHE_ENTRIES, CACHE_BYTES); schedules with the same canonical
 * `key` come back as the same object. Errors are not cached. A hit skips the 8-year checks: a cron
 * expression has no year field, so whether it ever fires does not depend on `now`, and a rate's
 * startTime only comes closer.
 */
export function parseScheduleCached(spec: AutomationSpecLike, options?: ParseOptions): Schedule {
  const shape = checkShape(spec);
  const key = cacheKey(shape);
  if (key === null) throw noSchedule(options, shape.kind);
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const parsed = parseSchedule(spec, options);
  const schedule = interned.get(parsed.key) ?? parsed;
  interned.set(parsed.key, schedule);
  cache.set(key, schedule);
  return schedule;
}

/** Empties the parse cache (tests, benchmarks). */
export function clearScheduleCache(): void {
  cache.clear();
  interned.clear();
}

/** Entries in the parse cache. */
export function scheduleCacheSize(): number {
  return cache.size;
}

/** Estimated bytes held by the parse cache (both maps). */
export function scheduleCacheBytes(): number {
  return cache.bytes + interned.bytes;
}
