import {
  type AutomationSpecLike,
  type Schedule,
  ScheduleError,
  parseSchedule,
} from '../../src/schedule';

/** Schedule-module test helpers (tests only; kept out of src/). */
export const NOW = new Date('2026-01-01T00:00:00Z');

export function cronSpec(expression: string, timezone?: string | null): AutomationSpecLike {
  return { type: 'SCHEDULE', schedule: { cron: { expression, timezone } } };
}

export function rateSpec(
  value: number,
  unit: string,
  startTime?: string | null,
): AutomationSpecLike {
  return { type: 'SCHEDULE', schedule: { rate: { value, unit, startTime } } };
}

export function cron(expression: string, timezone?: string): Schedule {
  return parseSchedule(cronSpec(expression, timezone), { now: NOW });
}

export function iso(dates: readonly Date[]): string[] {
  return dates.map((d) => d.toISOString());
}

/** Next `count` fire times (UTC ISO) of a cron in a zone after an instant. */
export function fires(
  expression: string,
  timezone: string,
  after: string,
  count: number,
): string[] {
  const d = new Date(after);
  return iso(cron(expression, timezone).nextTimes(d, count, d));
}

/** The ScheduleError that parsing `spec` at NOW throws (fails the test when none is thrown). */
export function errorOf(spec: AutomationSpecLike, triggerName?: string): ScheduleError {
  try {
    parseSchedule(spec, { now: NOW, triggerName });
  } catch (e) {
    if (e instanceof ScheduleError) return e;
    throw e;
  }
  throw new Error('expected a ScheduleError');
}
