import { FIELD, ScheduleError, malformed } from './errors';
import { MAX_EXPRESSION_LENGTH, MAX_TIMEZONE_LENGTH } from './limits';
import type { AutomationSpecLike } from './types';

export type CronSpec = { expression: string; timezone?: string | null };
export type RateSpec = { value: number; unit: string; startTime?: string | null };
export type Shape = (
  | { kind: 'NONE' }
  | { kind: 'EVENT' }
  | { kind: 'CRON'; cron: CronSpec }
  | { kind: 'RATE'; rate: RateSpec }
  | { kind: 'AT'; at: string }
) & { window?: WindowSpec };

/** The active window's bounds as given (read by parse.ts). */
export interface WindowSpec {
  activeFrom: string | null;
  activeUntil: string | null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function present(v: unknown): boolean {
  return v !== null && v !== undefined;
}

function mustBe(field: string, what: string): ScheduleError {
  return malformed(field, `${field} must be ${what}`);
}

function checkLength(field: string, text: string, max: number): void {
  if (text.length > max) {
    throw malformed(field, `${field} must be at most ${max} characters (got ${text.length})`);
  }
}

function checkCron(cron: unknown): CronSpec {
  if (!isObject(cron)) throw malformed('automationSpec.schedule.cron');
  if (typeof cron.expression !== 'string') throw mustBe(FIELD.cronExpression, 'a string');
  checkLength(FIELD.cronExpression, cron.expression, MAX_EXPRESSION_LENGTH);
  if (present(cron.timezone)) {
    if (typeof cron.timezone !== 'string') throw mustBe(FIELD.cronTimezone, 'a string');
    checkLength(FIELD.cronTimezone, cron.timezone, MAX_TIMEZONE_LENGTH);
  }
  return cron as CronSpec;
}

function checkRate(rate: unknown): RateSpec {
  if (!isObject(rate)) throw malformed('automationSpec.schedule.rate');
  if (typeof rate.value !== 'number') throw mustBe(FIELD.rateValue, 'a number');
  if (typeof rate.unit !== 'string') throw mustBe(FIELD.rateUnit, 'a string');
  if (present(rate.startTime) && typeof rate.startTime !== 'string') {
    throw mustBe(FIELD.rateStartTime, 'a string');
  }
  return rate as RateSpec;
}

/**
 * Structure checks (VALIDATION_FAILED): type vs schedule, exactly one of cron and rate, JSON types,
 * the length limits of expressions and zones (docs/scheduler.md "Limits").
 */
export function checkShape(spec: AutomationSpecLike): Shape {
  if (!isObject(spec)) throw malformed('automationSpec');
  const type: unknown = spec.type;
  const schedule: unknown = spec.schedule;
  if (type === 'NONE' || type === 'EVENT') {
    if (present(schedule)) {
      throw malformed(
        FIELD.schedule,
        `automationSpec.schedule must be absent when automationSpec.type is ${type}`,
      );
    }
  }
  if (type === 'EVENT') {
    if (!isObject(spec.event)) {
      throw malformed(
        FIELD.event,
        'automationSpec.event is required when automationSpec.type is EVENT',
      );
    }
    return { kind: 'EVENT' };
  }
  if (present(spec.event)) {
    throw malformed(
      FIELD.event,
      'automationSpec.event must be absent unless automationSpec.type is EVENT',
    );
  }
  if (type === 'NONE') return { kind: 'NONE' };
  if (type !== 'SCHEDULE') {
    throw malformed(
      FIELD.type,
      `automationSpec.type must be SCHEDULE, NONE or EVENT, got ${JSON.stringify(type) ?? 'undefined'}`,
    );
  }
  if (!isObject(schedule)) {
    throw malformed(
      FIELD.schedule,
      'automationSpec.schedule is required when automationSpec.type is SCHEDULE',
    );
  }
  const cron: unknown = schedule.cron;
  const rate: unknown = schedule.rate;
  const at: unknown = schedule.at;
  if ([cron, rate, at].filter(present).length !== 1) {
    throw malformed(
      FIELD.schedule,
      'automationSpec.schedule must have exactly one of cron, rate and at',
    );
  }
  const kickoff: unknown = schedule.kickoffTimeInputArg;
  if (present(kickoff) && typeof kickoff !== 'string') {
    throw malformed('automationSpec.schedule.kickoffTimeInputArg');
  }
  const window = checkWindow(spec.policies);
  const extra = window ? { window } : {};
  if (present(cron)) return { kind: 'CRON', cron: checkCron(cron), ...extra };
  if (present(at)) {
    if (typeof at !== 'string') throw mustBe(FIELD.at, 'a string');
    return { kind: 'AT', at, ...extra };
  }
  return { kind: 'RATE', rate: checkRate(rate), ...extra };
}

/** The window of `policies`, when it has a bound (structure only; parse.ts reads the dates). */
function checkWindow(policies: unknown): WindowSpec | undefined {
  if (!present(policies)) return undefined;
  if (!isObject(policies)) throw malformed(FIELD.policies);
  const bound = (field: string, v: unknown): string | null => {
    if (!present(v) || v === '') return null;
    if (typeof v !== 'string') throw mustBe(field, 'a string');
    return v;
  };
  const activeFrom = bound(FIELD.activeFrom, policies.activeFrom);
  const activeUntil = bound(FIELD.activeUntil, policies.activeUntil);
  return activeFrom === null && activeUntil === null ? undefined : { activeFrom, activeUntil };
}
