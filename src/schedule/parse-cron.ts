import { CronSyntaxError, DESCRIPTORS, parseCronFields } from './cron-expression';
import { CronSchedule } from './cron-schedule';
import { FIELD, cronError } from './errors';
import { EIGHT_YEARS_MS } from './limits';
import { parseEvery } from './parse-every';
import type { CronSpec } from './shape';
import type { ParseOptions, Schedule } from './types';
import { canonicalTimeZone } from './zone';

const PREFIX = /^(CRON_TZ|TZ)=(\S*)(?:\s+([\s\S]*))?$/;

/** The zone (from `CRON_TZ=`/`TZ=` or `timezone`, default UTC) and the rest of the expression. */
function splitZone(
  spec: CronSpec,
  options: ParseOptions | undefined,
): { tz: string; body: string } {
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
  return { tz, body };
}

/** The 5- or 6-field text of a descriptor (`@daily` → `0 0 * * *`). */
function expandDescriptor(body: string, expression: string, options: ParseOptions | undefined) {
  const [descriptor, ...extra] = body.split(/\s+/);
  const name = descriptor.toLowerCase();
  const fields = Object.prototype.hasOwnProperty.call(DESCRIPTORS, name)
    ? DESCRIPTORS[name]
    : undefined;
  if (fields === undefined) {
    throw cronError(
      FIELD.cronExpression,
      expression,
      `unknown descriptor ${JSON.stringify(descriptor)} (expected @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or @every <duration>)`,
      options,
    );
  }
  if (extra.length > 0) {
    throw cronError(
      FIELD.cronExpression,
      expression,
      `descriptor ${JSON.stringify(descriptor)} takes no fields`,
      options,
    );
  }
  return fields;
}

/**
 * A cron spec (docs/scheduler.md "Cron expressions"): zone prefix or field, descriptors,
 * `@every`, 5 or 6 fields; refuses an expression with no fire time within 8 years of `now`.
 */
export function parseCron(spec: CronSpec, options: ParseOptions | undefined): Schedule {
  const expression = spec.expression;
  const { tz, body: rest } = splitZone(spec, options);
  let body = rest;
  if (body === '')
    throw cronError(FIELD.cronExpression, expression, 'the expression is empty', options);
  if (body.startsWith('@')) {
    const every = /^@every(?:\s+([\s\S]*))?$/i.exec(body);
    if (every !== null) return parseEvery((every[1] ?? '').trim(), expression, options);
    body = expandDescriptor(body, expression, options);
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
