import type { ParseOptions } from './types';

export type ScheduleErrorCode = 'INVALID_SCHEDULE' | 'VALIDATION_FAILED';

/**
 * A schedule that cannot be accepted. `code` maps to the HTTP error code (docs/scheduler.md
 * "Errors"), `field` is the dotted path of the offending field (e.g.
 * `automationSpec.schedule.cron.expression`).
 */
export class ScheduleError extends Error {
  constructor(
    readonly code: ScheduleErrorCode,
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ScheduleError';
  }
}

export const FIELD = {
  type: 'automationSpec.type',
  schedule: 'automationSpec.schedule',
  event: 'automationSpec.event',
  cronExpression: 'automationSpec.schedule.cron.expression',
  cronTimezone: 'automationSpec.schedule.cron.timezone',
  rateValue: 'automationSpec.schedule.rate.value',
  rateUnit: 'automationSpec.schedule.rate.unit',
  rateStartTime: 'automationSpec.schedule.rate.startTime',
  at: 'automationSpec.schedule.at',
  policies: 'automationSpec.policies',
  activeFrom: 'automationSpec.policies.activeFrom',
  activeUntil: 'automationSpec.policies.activeUntil',
  jitter: 'automationSpec.policies.jitter',
} as const;

/** Schedule content that cannot be accepted, outside cron and rate (INVALID_SCHEDULE). */
export function contentError(
  field: string,
  reason: string,
  options: ParseOptions | undefined,
): ScheduleError {
  return new ScheduleError(
    'INVALID_SCHEDULE',
    field,
    `${subject(options)}invalid schedule: ${reason}`,
  );
}

/** A malformed field (VALIDATION_FAILED). */
export function malformed(field: string, message = `${field} is invalid`): ScheduleError {
  return new ScheduleError('VALIDATION_FAILED', field, message);
}

function subject(options: ParseOptions | undefined): string {
  const name = options?.triggerName;
  return name !== undefined && name !== '' ? `trigger ${JSON.stringify(name)} has ` : '';
}

/** `trigger "<name>" has invalid cron expression "<expr>": <reason>` (INVALID_SCHEDULE). */
export function cronError(
  field: string,
  expression: string,
  reason: string,
  options: ParseOptions | undefined,
): ScheduleError {
  return new ScheduleError(
    'INVALID_SCHEDULE',
    field,
    `${subject(options)}invalid cron expression ${JSON.stringify(expression)}: ${reason}`,
  );
}

/** `trigger "<name>" has invalid rate: <reason>` (INVALID_SCHEDULE). */
export function rateError(
  field: string,
  reason: string,
  options: ParseOptions | undefined,
): ScheduleError {
  return new ScheduleError('INVALID_SCHEDULE', field, `${subject(options)}invalid rate: ${reason}`);
}

/** A spec of type NONE or EVENT where a schedule is needed (INVALID_SCHEDULE). */
export function noSchedule(options: ParseOptions | undefined, type = 'NONE'): ScheduleError {
  const name = options?.triggerName;
  const who = name !== undefined && name !== '' ? `trigger ${JSON.stringify(name)}` : 'the spec';
  return new ScheduleError(
    'INVALID_SCHEDULE',
    FIELD.type,
    `${who} has no schedule (automationSpec.type is ${type})`,
  );
}
