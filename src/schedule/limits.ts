/**
 * The limits of the schedule module (docs/scheduler.md "Limits"): what it accepts is exactly what
 * it can represent and compute at a bounded cost.
 */
import { daysFromCivil, MS_PER_DAY } from './civil';

/** A cron expression is at most this many characters (the `CRON_TZ=` prefix included). */
export const MAX_EXPRESSION_LENGTH = 1024;
/** A time zone name is at most this many characters (the longest IANA name has 32). */
export const MAX_TIMEZONE_LENGTH = 128;

/** Every date the API takes lies in [MIN_INSTANT, MAX_INSTANT). */
export const MIN_YEAR = 1900;
export const MAX_YEAR = 2200;
export const MIN_INSTANT_MS = daysFromCivil(MIN_YEAR, 1, 1) * MS_PER_DAY;
export const MAX_INSTANT_MS = daysFromCivil(MAX_YEAR, 1, 1) * MS_PER_DAY;
/** The range in words, for messages. */
export const INSTANT_RANGE = `from ${MIN_YEAR}-01-01T00:00:00Z (included) to ${MAX_YEAR}-01-01T00:00:00Z (excluded)`;

/** 8 years (of 365.25 days): the longest period, the furthest first fire, the search horizon. */
export const EIGHT_YEARS_MS = 8 * 365.25 * MS_PER_DAY;
