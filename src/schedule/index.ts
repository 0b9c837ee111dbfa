export { ScheduleError, type ScheduleErrorCode } from './errors';
export type { AutomationSpecLike, FireTime, ParseOptions, Schedule, ScheduleKind } from './types';
export {
  clearScheduleCache,
  parseIsoInstant,
  parseSchedule,
  parseScheduleCached,
  scheduleCacheSize,
  validateAutomationSpec,
} from './parse';
export { toFireTime } from './fire-time';
export { isValidTimeZone } from './zone';
