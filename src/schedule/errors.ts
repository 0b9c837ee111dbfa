export type ScheduleErrorCode = 'INVALID_SCHEDULE' | 'VALIDATION_FAILED';

/**
 * A schedule that cannot be accepted. `code` maps to the HTTP error code (api.md "Errors"),
 * `field` is the dotted path of the offending field (e.g. `automationSpec.schedule.cron.expression`).
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
  cronExpression: 'automationSpec.schedule.cron.expression',
  cronTimezone: 'automationSpec.schedule.cron.timezone',
  rateValue: 'automationSpec.schedule.rate.value',
  rateUnit: 'automationSpec.schedule.rate.unit',
  rateStartTime: 'automationSpec.schedule.rate.startTime',
} as const;
