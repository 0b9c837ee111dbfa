import { ScheduleError } from '../schedule';
import { DomainError, InvalidScheduleError, ValidationFailedError } from './errors';

/**
 * The schedule module's error as the API's: a schedule's content (syntax, zone, never fires, rate
 * value or unit) is INVALID_SCHEDULE, its shape (type vs schedule, cron and rate) VALIDATION_FAILED.
 */
export function toApiError(e: ScheduleError): DomainError {
  return e.code === 'INVALID_SCHEDULE'
    ? new InvalidScheduleError(e.message, e.field)
    : ValidationFailedError.of(e.field, e.message);
}

/** Runs `fn`, rethrowing a ScheduleError as the API's error. */
export function withScheduleErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw e instanceof ScheduleError ? toApiError(e) : e;
  }
}
