/**
 * Schedule maths (docs/scheduler.md): pure — no Nest, no database, no clock ("now" is passed in;
 * the one exception is ParseOptions.now defaulting to Date.now() for the 8-year check).
 *
 * - parseSchedule / parseScheduleCached / validateAutomationSpec turn an automationSpec into a
 *   Schedule or a ScheduleError (`code` VALIDATION_FAILED for shape, INVALID_SCHEDULE for content;
 *   `field` a dotted path).
 * - Cron: 5 or 6 fields, names, `?`, steps, descriptors, `CRON_TZ=`/`TZ=` prefix, Vixie day rule
 *   (a day field counts as unrestricted only when it is exactly `*` or `?`), Vixie DST rule.
 * - `@every <Go duration>`: at least 1 s, a whole number of seconds (`1500ms` is rejected rather
 *   than silently truncated), at most 8 years; a UTC grid on the anchor truncated to the second.
 * - Rates: value × MINUTE/HOUR/DAY in real time; grid on startTime (kept to the millisecond) or on
 *   the anchor truncated to the second.
 * - Limits (limits.ts): expressions ≤ 1,024 characters, zones ≤ 128, every date in [1900, 2200).
 * - One-time schedules (`schedule.at`, at-schedule.ts), active windows (window.ts), jitter and the
 *   shortest gap (jitter.ts), and the deploy-time content checks (policies.ts): docs/policies.md.
 * - Files: shape.ts (structure), parse-cron.ts, parse-every.ts, parse-rate.ts, iso-instant.ts,
 *   schedule-cache.ts (the module-level cache), parse.ts (dispatch).
 * - Schedule.key: `cron|<zone>|<s m h dom mon dow>` (canonical value lists; `|wall` appended for
 *   schedules that are not fixed-time), `every|<ms>`, `rate|<ms>|<startTime ISO or "anchor">`.
 */
export { ScheduleError, type ScheduleErrorCode } from './errors';
export type {
  AutomationSpecLike,
  FireTime,
  ParseOptions,
  PoliciesLike,
  Schedule,
  ScheduleKind,
} from './types';
export { checkDeployable, checkScheduleContent, isOneTime, jitterMsOf } from './policies';
export { jitterOffsetMs, jitteredMs, shortestGapMs } from './jitter';
export { parseSchedule, validateAutomationSpec } from './parse';
export {
  clearScheduleCache,
  parseScheduleCached,
  scheduleCacheBytes,
  scheduleCacheSize,
} from './schedule-cache';
export {
  INSTANT_FORMAT,
  INSTANT_OUT_OF_RANGE,
  ISO_INSTANT_RULE,
  parseIsoInstant,
  readIsoInstant,
} from './iso-instant';
export {
  INSTANT_RANGE,
  MAX_EXPRESSION_LENGTH,
  MAX_INSTANT_MS,
  MAX_TIMEZONE_LENGTH,
  MIN_INSTANT_MS,
} from './limits';
export { toFireTime } from './fire-time';
export { isValidTimeZone } from './zone';
