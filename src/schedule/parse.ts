import { EIGHT_YEARS_MS } from './base-schedule';
import { MS_PER_DAY, MS_PER_SECOND, daysFromCivil, daysInMonth } from './civil';
import { CronSyntaxError, DESCRIPTORS, parseCronFields } from './cron-expression';
import { CronSchedule } from './cron-schedule';
import { parseGoDuration } from './duration';
import { FIELD, ScheduleError } from './errors';
import { GridSchedule } from './grid-schedule';
import type { AutomationSpecLike, ParseOptions, Schedule } from './types';
import { canonicalTimeZone } from './zone';

type CronSpec = { expression: string; timezone?: string | null };
type RateSpec = { value: number; unit: string; startTime?: string | null };
type Shape = { kind: 'NONE' } | { kind: 'CRON'; cron: CronSpec } | { kind: 'RATE'; rate: RateSpec };

const UNIT_MS: Readonly<Record<string, number>> = {
  MINUTE: 60_000,
  HOUR: 3_600_000,
  DAY: MS_PER_DAY,
};

function invalid(field: string): never {
  throw new ScheduleError('VALIDATION_FAILED', field, `${field} is invalid`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function present(v: unknown): boolean {
  return v !== null && v !== undefined;
}

/** Structure checks (VALIDATION_FAILED): type vs schedule, exactly one of cron and rate, JSON types. */
function checkShape(spec: AutomationSpecLike): Shape {
  if (!isObject(spec)) invalid('automationSpec');
  const type: unknown = spec.type;
  const schedule: unknown = spec.schedule;
  if (type === 'NONE') {
    if (present(schedule)) {
      throw new ScheduleError(
        'VALIDATION_FAILED',
        FIELD.schedule,
        'automationSpec.schedule must be absent when automationSpec.type is NONE',
      );
    }
    return { kind: 'NONE' };
  }
  if (type !== 'SCHEDULE') {
    throw new ScheduleError(
      'VALIDATION_FAILED',
      FIELD.type,
      `automationSpec.type must be SCHEDULE or NONE, got ${JSON.stringify(type) ?? 'undefined'}`,
    );
  }
  if (!isObject(schedule)) {
    throw new ScheduleError(
      'VALIDATION_FAILED',
      FIELD.schedule,
      'automationSpec.schedule is required when automationSpec.type is SCHEDULE',
    );
  }
  const cron: unknown = schedule.cron;
  const rate: unknown = schedule.rate;
  if (present(cron) === present(rate)) {
    throw new ScheduleError(
      'VALIDATION_FAILED',
      FIELD.schedule,
      'automationSpec.schedule must have exactly one of cron and rate',
    );
  }
  const kickoff: unknown = schedule.kickoffTimeInputArg;
  if (present(kickoff) && typeof kickoff !== 'string') {
    invalid('automationSpec.schedule.kickoffTimeInputArg');
  }
  if (present(cron)) {
    if (!isObject(cron)) invalid('automationSpec.schedule.cron');
    if (typeof cron.expression !== 'string') {
      throw new ScheduleError(
        'VALIDATION_FAILED',
        FIELD.cronExpression,
        `${FIELD.cronExpression} must be a string`,
      );
    }
    if (present(cron.timezone) && typeof cron.timezone !== 'string') {
      throw new ScheduleError(
        'VALIDATION_FAILED',
        FIELD.cronTimezone,
        `${FIELD.cronTimezone} must be a string`,
      );
    }
    return { kind: 'CRON', cron: cron as CronSpec };
  }
  if (!isObject(rate)) invalid('automationSpec.schedule.rate');
  if (typeof rate.value !== 'number') {
    throw new ScheduleError(
      'VALIDATION_FAILED',
      FIELD.rateValue,
      `${FIELD.rateValue} must be a number`,
    );
  }
  if (typeof rate.unit !== 'string') {
    throw new ScheduleError(
      'VALIDATION_FAILED',
      FIELD.rateUnit,
      `${FIELD.rateUnit} must be a string`,
    );
  }
  if (present(rate.startTime) && typeof rate.startTime !== 'string') {
    throw new ScheduleError(
      'VALIDATION_FAILED',
      FIELD.rateStartTime,
      `${FIELD.rateStartTime} must be a string`,
    );
  }
  return { kind: 'RATE', rate: rate as RateSpec };
}

function subject(options: ParseOptions | undefined): string {
  const name = options?.triggerName;
  return name !== undefined && name !== '' ? `trigger ${JSON.stringify(name)} has ` : '';
}

function cronError(
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

function rateError(
  field: string,
  reason: string,
  options: ParseOptions | undefined,
): ScheduleError {
  return new ScheduleError('INVALID_SCHEDULE', field, `${subject(options)}invalid rate: ${reason}`);
}

const PREFIX = /^(CRON_TZ|TZ)=(\S*)(?:\s+([\s\S]*))?$/;

function parseCron(spec: CronSpec, options: ParseOptions | undefined): Schedule {
  const expression = spec.expression;
  const fieldZone = spec.timezone ?? '';
  let body = expression.trim();
  let zone = 'UTC';
  let zoneField: string = FIELD.cronTimezone;
  const prefix = PREFIX.exec(body);
  if (prefix !== null) {
    if (fieldZone !== '') {
      throw cronError(
        FIELD.cronTimezone,
        expression,
        `the time zone is given twice (${prefix[1]}=${prefix[2]} in the expression and timezone ${JSON.stringify(fieldZone)}); give only one`,
        options,
      );
    }
    zone = prefix[2];
    zoneField = FIELD.cronExpression;
    body = (prefix[3] ?? '').trim();
    if (zone === '') {
      throw cronError(
        FIELD.cronExpression,
        expression,
        `${prefix[1]}= names no time zone`,
        options,
      );
    }
  } else if (fieldZone !== '') {
    zone = fieldZone;
  }
  const tz = canonicalTimeZone(zone);
  if (tz === null) {
    throw cronError(zoneField, expression, `unknown time zone ${JSON.stringify(zone)}`, options);
  }
  if (body === '')
    throw cronError(FIELD.cronExpression, expression, 'the expression is empty', options);

  if (body.startsWith('@')) {
    const every = /^@every(?:\s+([\s\S]*))?$/i.exec(body);
    if (every !== null) return parseEvery((every[1] ?? '').trim(), expression, options);
    const [descriptor, ...extra] = body.split(/\s+/);
    const fields = DESCRIPTORS[descriptor.toLowerCase()];
    if (fields !== undefined && extra.length > 0) {
      throw cronError(
        FIELD.cronExpression,
        expression,
        `descriptor ${JSON.stringify(descriptor)} takes no fields`,
        options,
      );
    }
    if (
      fields === undefined ||
      !Object.prototype.hasOwnProperty.call(DESCRIPTORS, descriptor.toLowerCase())
    ) {
      throw cronError(
        FIELD.cronExpression,
        expression,
        `unknown descriptor ${JSON.stringify(descriptor)} (expected @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or @every <duration>)`,
        options,
      );
    }
    body = fields;
  }
  let schedule: CronSchedule;
  try {
    schedule = new CronSchedule(parseCronFields(body), tz);
  } catch (e) {
    if (e instanceof CronSyntaxError)
      throw cronError(FIELD.cronExpression, expression, e.message, options);
    throw e;
  }
  const now = options?.now?.getTime() ?? Date.now(); // the one clock read: callers pass `now`
  const first = schedule.next(new Date(now), new Date(now));
  if (first === null || first.getTime() - now > EIGHT_YEARS_MS) {
    throw cronError(
      FIELD.cronExpression,
      expression,
      'it never fires (no fire time within 8 years)',
      options,
    );
  }
  return schedule;
}

function parseEvery(text: string, expression: string, options: ParseOptions | undefined): Schedule {
  if (text === '') {
    throw cronError(
      FIELD.cronExpression,
      expression,
      '@every needs a duration (e.g. @every 90s)',
      options,
    );
  }
  const ms = parseGoDuration(text);
  if (ms === null) {
    throw cronError(
      FIELD.cronExpression,
      expression,
      `@every: ${JSON.stringify(text)} is not a duration (e.g. 90s, 1h30m)`,
      options,
    );
  }
  if (ms < MS_PER_SECOND) {
    throw cronError(
      FIELD.cronExpression,
      expression,
      '@every: the duration must be at least 1s',
      options,
    );
  }
  if (ms % MS_PER_SECOND !== 0) {
    throw cronError(
      FIELD.cronExpression,
      expression,
      '@every: the duration must be a whole number of seconds',
      options,
    );
  }
  if (ms > EIGHT_YEARS_MS) {
    throw cronError(
      FIELD.cronExpression,
      expression,
      '@every: the duration is over 8 years',
      options,
    );
  }
  return new GridSchedule(`every|${ms}`, 'EVERY', ms, null);
}

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;

/** Instant of an ISO 8601 date-time with an explicit zone (`Z` or an offset), or null. */
export function parseIsoInstant(text: string): number | null {
  const m = ISO.exec(text);
  if (m === null) return null;
  const [y, mo, d, h, mi] = [m[1], m[2], m[3], m[4], m[5]].map(Number);
  const s = m[6] === undefined ? 0 : Number(m[6]);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59)
    return null;
  const ms = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
  let offset = 0;
  if (m[9] !== undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return null;
    offset = (m[9] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  return daysFromCivil(y, mo, d) * MS_PER_DAY + ((h * 60 + mi) * 60 + s) * 1000 + ms - offset;
}

function parseRate(rate: RateSpec, options: ParseOptions | undefined): Schedule {
  const { value, unit } = rate;
  if (!Number.isInteger(value) || value < 1) {
    throw rateError(
      FIELD.rateValue,
      `value must be an integer ≥ 1 (got ${String(value)})`,
      options,
    );
  }
  const unitMs = UNIT_MS[unit];
  if (unitMs === undefined || !Object.prototype.hasOwnProperty.call(UNIT_MS, unit)) {
    throw rateError(
      FIELD.rateUnit,
      `unit must be MINUTE, HOUR or DAY (got ${JSON.stringify(unit)})`,
      options,
    );
  }
  const periodMs = value * unitMs;
  if (periodMs > EIGHT_YEARS_MS) {
    throw rateError(FIELD.rateValue, `a period of ${value} ${unit} is over 8 years`, options);
  }
  let startMs: number | null = null;
  if (present(rate.startTime) && rate.startTime !== '') {
    startMs = parseIsoInstant(rate.startTime as string);
    if (startMs === null) {
      throw rateError(
        FIELD.rateStartTime,
        `startTime ${JSON.stringify(rate.startTime)} is not an ISO 8601 date-time with a time zone (e.g. 2026-12-01T00:00:00Z)`,
        options,
      );
    }
  }
  const anchorKey = startMs === null ? 'anchor' : new Date(startMs).toISOString();
  return new GridSchedule(`rate|${periodMs}|${anchorKey}`, 'RATE', periodMs, startMs);
}

function noSchedule(options: ParseOptions | undefined): ScheduleError {
  const name = options?.triggerName;
  const who = name !== undefined && name !== '' ? `trigger ${JSON.stringify(name)}` : 'the spec';
  return new ScheduleError(
    'INVALID_SCHEDULE',
    FIELD.type,
    `${who} has no schedule (automationSpec.type is NONE)`,
  );
}

/** Parses an automation spec into a schedule, or throws a ScheduleError naming the field. */
export function parseSchedule(spec: AutomationSpecLike, options?: ParseOptions): Schedule {
  const shape = checkShape(spec);
  switch (shape.kind) {
    case 'NONE':
      throw noSchedule(options);
    case 'CRON':
      return parseCron(shape.cron, options);
    case 'RATE':
      return parseRate(shape.rate, options);
  }
}

/** Validates like parseSchedule, except that a NONE spec (without a schedule) is valid. */
export function validateAutomationSpec(spec: AutomationSpecLike, options?: ParseOptions): void {
  if (checkShape(spec).kind === 'NONE') return;
  parseSchedule(spec, options);
}

const CACHE_LIMIT = 10_000;
const cache = new Map<string, Schedule>();
const interned = new Map<string, Schedule>();

function remember(map: Map<string, Schedule>, key: string, schedule: Schedule): void {
  map.delete(key);
  map.set(key, schedule);
  if (map.size > CACHE_LIMIT) {
    const oldest = map.keys().next();
    if (oldest.done !== true) map.delete(oldest.value);
  }
}

function cacheKey(shape: Shape): string | null {
  switch (shape.kind) {
    case 'NONE':
      return null;
    case 'CRON':
      return `c\u0000${shape.cron.expression}\u0000${shape.cron.timezone ?? ''}`;
    case 'RATE':
      return `r\u0000${shape.rate.value}\u0000${shape.rate.unit}\u0000${shape.rate.startTime ?? ''}`;
  }
}

/**
 * parseSchedule memoized on the schedule's inputs (expression + timezone, or rate fields) in an LRU
 * of 10,000 entries; schedules with the same canonical `key` come back as the same object. Errors
 * are not cached. A hit skips the 8-year check: a cron expression has no year field, so whether it
 * ever fires does not depend on `now`.
 */
export function parseScheduleCached(spec: AutomationSpecLike, options?: ParseOptions): Schedule {
  const shape = checkShape(spec);
  const key = cacheKey(shape);
  if (key === null) throw noSchedule(options);
  const hit = cache.get(key);
  if (hit !== undefined) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const parsed = parseSchedule(spec, options);
  // Different spellings of one schedule (`@daily`, `0 0 * * *`) share one object.
  const schedule = interned.get(parsed.key) ?? parsed;
  remember(interned, parsed.key, schedule);
  remember(cache, key, schedule);
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
