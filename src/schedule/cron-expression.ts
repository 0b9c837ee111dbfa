/**
 * Cron grammar: 5 fields (minute hour day-of-month month day-of-week) or 6 (leading seconds),
 * `*`, `?` (day fields only), ranges, lists, steps, month and weekday names, descriptors.
 * Produces value sets; `CronSyntaxError` carries the reason (the caller adds the expression).
 */

export class CronSyntaxError extends Error {}

export interface CronFields {
  readonly seconds: readonly boolean[]; // 0-59
  readonly minutes: readonly boolean[]; // 0-59
  readonly hours: readonly boolean[]; // 0-23
  readonly daysOfMonth: readonly boolean[]; // index 1-31
  readonly months: readonly boolean[]; // index 1-12
  readonly daysOfWeek: readonly boolean[]; // 0-6, Sunday = 0 (7 is folded into 0)
  /** day-of-month is exactly `*` or `?`: day-of-week alone decides */
  readonly domStar: boolean;
  /** day-of-week is exactly `*` or `?`: day-of-month alone decides */
  readonly dowStar: boolean;
  /** neither the minute nor the hour field starts with `*` (Vixie's DST rule) */
  readonly fixedTime: boolean;
}

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  readonly question?: boolean;
}

const MONTH_NAMES = [
  '',
  'JAN',
  'FEB',
  'MAR',
  'APR',
  'MAY',
  'JUN',
  'JUL',
  'AUG',
  'SEP',
  'OCT',
  'NOV',
  'DEC',
];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const SECOND: FieldSpec = { name: 'second', min: 0, max: 59 };
const MINUTE: FieldSpec = { name: 'minute', min: 0, max: 59 };
const HOUR: FieldSpec = { name: 'hour', min: 0, max: 23 };
const DOM: FieldSpec = { name: 'day-of-month', min: 1, max: 31, question: true };
const MONTH: FieldSpec = { name: 'month', min: 1, max: 12, names: MONTH_NAMES };
const DOW: FieldSpec = { name: 'day-of-week', min: 0, max: 7, names: DAY_NAMES, question: true };

/** Descriptors as 5-field expressions. */
export const DESCRIPTORS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

function fail(spec: FieldSpec, reason: string): never {
  throw new CronSyntaxError(`${spec.name} field: ${reason}`);
}

function parseValue(text: string, spec: FieldSpec): number {
  if (/^\d+$/.test(text)) {
    const v = Number(text);
    if (v < spec.min || v > spec.max) fail(spec, `${text} is out of range ${spec.min}-${spec.max}`);
    return v;
  }
  if (spec.names !== undefined) {
    const i = spec.names.indexOf(text.toUpperCase());
    if (i >= 0 && text.length === 3) return i;
    const kind = spec.name === 'month' ? 'a month name (JAN-DEC)' : 'a weekday name (SUN-SAT)';
    fail(spec, `"${text}" is not a number or ${kind}`);
  }
  fail(spec, `"${text}" is not a number`);
}

/** Parses one field into a value set (indexes min..max). */
function parseField(text: string, spec: FieldSpec): { values: boolean[]; star: boolean } {
  const values: boolean[] = new Array<boolean>(spec.max + 1).fill(false);
  const star = text === '*' || (text === '?' && spec.question === true);
  for (const part of text.split(',')) {
    if (part === '') fail(spec, `empty element in list "${text}"`);
    const slash = part.split('/');
    if (slash.length > 2) fail(spec, `"${part}" has more than one step`);
    const [range, stepText] = slash;
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText)) fail(spec, `step "${stepText}" is not a number`);
      step = Number(stepText);
      if (step < 1) fail(spec, `step must be at least 1 (got ${stepText})`);
    }
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') {
      if (range === '?' && spec.question !== true) {
        fail(spec, '"?" is only allowed in the day-of-month and day-of-week fields');
      }
      lo = spec.min;
      hi = spec.name === 'day-of-week' ? 6 : spec.max;
    } else if (range.includes('-')) {
      const ends = range.split('-');
      if (ends.length !== 2 || ends[0] === '' || ends[1] === '')
        fail(spec, `"${range}" is not a valid range`);
      lo = parseValue(ends[0], spec);
      hi = parseValue(ends[1], spec);
      if (lo > hi) fail(spec, `range ${range} is reversed (${lo} > ${hi})`);
    } else if (range === '') {
      fail(spec, `"${part}" has no value before the step`);
    } else {
      lo = parseValue(range, spec);
      // "N/step" means N through the maximum, every step.
      // (day-of-week: through Saturday; "7/n" is just Sunday)
      hi = stepText === undefined ? lo : spec.name === 'day-of-week' ? Math.max(lo, 6) : spec.max;
    }
    for (let v = lo; v <= hi; v += step) values[v] = true;
  }
  if (spec.name === 'day-of-week' && values[7]) {
    values[0] = true;
    values.length = 7;
  } else if (spec.name === 'day-of-week') {
    values.length = 7;
  }
  return { values, star };
}

/** Parses the fields of a cron expression (descriptors already expanded; no `CRON_TZ=` prefix). */
export function parseCronFields(expression: string): CronFields {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    throw new CronSyntaxError(
      `expected 5 fields (minute hour day-of-month month day-of-week) or 6 (with leading seconds), got ${fields.length}`,
    );
  }
  const withSeconds = fields.length === 6;
  const f = withSeconds ? fields : ['0', ...fields];
  const seconds = parseField(f[0], SECOND).values;
  const minutes = parseField(f[1], MINUTE).values;
  const hours = parseField(f[2], HOUR).values;
  const dom = parseField(f[3], DOM);
  const months = parseField(f[4], MONTH).values;
  const dow = parseField(f[5], DOW);
  return {
    seconds,
    minutes,
    hours,
    daysOfMonth: dom.values,
    months,
    daysOfWeek: dow.values,
    domStar: dom.star,
    dowStar: dow.star,
    fixedTime: !f[1].startsWith('*') && !f[2].startsWith('*'),
  };
}

/** Canonical text of a value set: `*` when full, else ascending values with runs as ranges. */
export function renderSet(values: readonly boolean[], min: number, max: number): string {
  const parts: string[] = [];
  let full = true;
  for (let v = min; v <= max; v++) {
    if (!values[v]) {
      full = false;
      continue;
    }
    let end = v;
    while (end + 1 <= max && values[end + 1]) end++;
    parts.push(end >= v + 2 ? `${v}-${end}` : end === v + 1 ? `${v},${end}` : `${v}`);
    v = end;
  }
  return full ? '*' : parts.join(',');
}

/** Canonical 6-field text of parsed fields (day fields `*` only when given as `*` or `?`). */
export function renderFields(c: CronFields): string {
  const dom = c.domStar ? '*' : renderSet(c.daysOfMonth, 1, 31).replace(/^\*$/, '1-31');
  const dow = c.dowStar ? '*' : renderSet(c.daysOfWeek, 0, 6).replace(/^\*$/, '0-6');
  return [
    renderSet(c.seconds, 0, 59),
    renderSet(c.minutes, 0, 59),
    renderSet(c.hours, 0, 23),
    dom,
    renderSet(c.months, 1, 12),
    dow,
  ].join(' ');
}
