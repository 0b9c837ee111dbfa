import { ScheduleError } from './errors';
import {
  clearScheduleCache,
  parseSchedule,
  parseScheduleCached,
  scheduleCacheSize,
  validateAutomationSpec,
} from './index';
import {
  NOW,
  cron,
  cronSpec,
  errorOf,
  fires,
  iso,
  rateSpec,
} from '../../test/support/schedule-helpers';
import type { AutomationSpecLike } from './types';

function expectCronError(
  expression: string,
  reason: string | RegExp,
  timezone?: string,
): ScheduleError {
  const e = errorOf(cronSpec(expression, timezone), 'nightly');
  expect(e.code).toBe('INVALID_SCHEDULE');
  const prefix = `trigger "nightly" has invalid cron expression ${JSON.stringify(expression)}: `;
  expect(e.message.startsWith(prefix)).toBe(true);
  const rest = e.message.slice(prefix.length);
  if (typeof reason === 'string') expect(rest).toBe(reason);
  else expect(rest).toMatch(reason);
  return e;
}

const UTC_AFTER = '2026-01-01T00:00:00Z';

describe('cron grammar', () => {
  it.each([
    [
      '* * * * *',
      ['2026-01-01T00:01:00.000Z', '2026-01-01T00:02:00.000Z', '2026-01-01T00:03:00.000Z'],
    ],
    [
      '*/15 * * * *',
      ['2026-01-01T00:15:00.000Z', '2026-01-01T00:30:00.000Z', '2026-01-01T00:45:00.000Z'],
    ],
    [
      '5-40/5 * * * *',
      ['2026-01-01T00:05:00.000Z', '2026-01-01T00:10:00.000Z', '2026-01-01T00:15:00.000Z'],
    ],
    [
      '10/15 * * * *',
      ['2026-01-01T00:10:00.000Z', '2026-01-01T00:25:00.000Z', '2026-01-01T00:40:00.000Z'],
    ],
    [
      '0 9,17 * * *',
      ['2026-01-01T09:00:00.000Z', '2026-01-01T17:00:00.000Z', '2026-01-02T09:00:00.000Z'],
    ],
    [
      '0 12 * JAN-MAR/2 *',
      ['2026-01-01T12:00:00.000Z', '2026-01-02T12:00:00.000Z', '2026-01-03T12:00:00.000Z'],
    ],
    [
      '0 12 1 feb,Apr ?',
      ['2026-02-01T12:00:00.000Z', '2026-04-01T12:00:00.000Z', '2027-02-01T12:00:00.000Z'],
    ],
    [
      '0 8 ? * MON-FRI',
      ['2026-01-01T08:00:00.000Z', '2026-01-02T08:00:00.000Z', '2026-01-05T08:00:00.000Z'],
    ],
    [
      '0 8 * * sat,SUN',
      ['2026-01-03T08:00:00.000Z', '2026-01-04T08:00:00.000Z', '2026-01-10T08:00:00.000Z'],
    ],
    [
      '0 8 * * 7',
      ['2026-01-04T08:00:00.000Z', '2026-01-11T08:00:00.000Z', '2026-01-18T08:00:00.000Z'],
    ],
    [
      '0 8 * * 5-7',
      ['2026-01-02T08:00:00.000Z', '2026-01-03T08:00:00.000Z', '2026-01-04T08:00:00.000Z'],
    ],
    [
      '0 0 29 2 *',
      ['2028-02-29T00:00:00.000Z', '2032-02-29T00:00:00.000Z', '2036-02-29T00:00:00.000Z'],
    ],
    [
      '0 0 31 * *',
      ['2026-01-31T00:00:00.000Z', '2026-03-31T00:00:00.000Z', '2026-05-31T00:00:00.000Z'],
    ],
    [
      '  30   2  *  *  *  ',
      ['2026-01-01T02:30:00.000Z', '2026-01-02T02:30:00.000Z', '2026-01-03T02:30:00.000Z'],
    ],
    [
      '*/20 * * * * *',
      ['2026-01-01T00:00:20.000Z', '2026-01-01T00:00:40.000Z', '2026-01-01T00:01:00.000Z'],
    ],
    [
      '30 0 12 * * *',
      ['2026-01-01T12:00:30.000Z', '2026-01-02T12:00:30.000Z', '2026-01-03T12:00:30.000Z'],
    ],
    [
      '0 0 0 1 1 ?',
      ['2027-01-01T00:00:00.000Z', '2028-01-01T00:00:00.000Z', '2029-01-01T00:00:00.000Z'],
    ],
  ])('%s', (expression, expected) => {
    expect(fires(expression, 'UTC', UTC_AFTER, 3)).toEqual(expected);
  });

  it('"7/n" in day-of-week is Sunday', () => {
    expect(cron('0 0 * * 7/2').key).toBe('cron|UTC|0 0 0 * * 0');
  });

  it('day-of-week step without a star counts from the value to Saturday', () => {
    // 1/2 = Mon, Wed, Fri (7 = Sunday is not reached from "1/2").
    expect(fires('0 0 * * 1/2', 'UTC', '2026-01-04T00:00:00Z', 4)).toEqual([
      '2026-01-05T00:00:00.000Z',
      '2026-01-07T00:00:00.000Z',
      '2026-01-09T00:00:00.000Z',
      '2026-01-12T00:00:00.000Z',
    ]);
  });

  it('Vixie rule: both day fields restricted means either matches', () => {
    // 13th of the month OR Friday; 2026-02-13 is a Friday.
    expect(fires('0 0 13 * 5', 'UTC', '2026-02-01T00:00:00Z', 5)).toEqual([
      '2026-02-06T00:00:00.000Z',
      '2026-02-13T00:00:00.000Z',
      '2026-02-20T00:00:00.000Z',
      '2026-02-27T00:00:00.000Z',
      '2026-03-06T00:00:00.000Z',
    ]);
    // 1-31 is not "*": with a restricted day-of-week, every day matches (either rule).
    expect(fires('0 0 1-31 * 1', 'UTC', '2026-02-01T00:00:00Z', 2)).toEqual([
      '2026-02-02T00:00:00.000Z',
      '2026-02-03T00:00:00.000Z',
    ]);
  });

  it('Vixie rule: a star in one day field lets the other decide alone', () => {
    expect(fires('0 0 * * 1', 'UTC', '2026-02-01T00:00:00Z', 2)).toEqual([
      '2026-02-02T00:00:00.000Z',
      '2026-02-09T00:00:00.000Z',
    ]);
    expect(fires('0 0 13 * ?', 'UTC', '2026-02-01T00:00:00Z', 2)).toEqual([
      '2026-02-13T00:00:00.000Z',
      '2026-03-13T00:00:00.000Z',
    ]);
    // Feb 30 never exists, but day-of-week makes `0 0 30 2 1` fire on February Mondays.
    expect(fires('0 0 30 2 1', 'UTC', '2026-01-01T00:00:00Z', 2)).toEqual([
      '2026-02-02T00:00:00.000Z',
      '2026-02-09T00:00:00.000Z',
    ]);
  });

  it.each([
    ['@yearly', '2027-01-01T00:00:00.000Z', 'cron|UTC|0 0 0 1 1 *'],
    ['@annually', '2027-01-01T00:00:00.000Z', 'cron|UTC|0 0 0 1 1 *'],
    ['@monthly', '2026-02-01T00:00:00.000Z', 'cron|UTC|0 0 0 1 * *'],
    ['@weekly', '2026-01-04T00:00:00.000Z', 'cron|UTC|0 0 0 * * 0'],
    ['@daily', '2026-01-02T00:00:00.000Z', 'cron|UTC|0 0 0 * * *'],
    ['@midnight', '2026-01-02T00:00:00.000Z', 'cron|UTC|0 0 0 * * *'],
    ['@hourly', '2026-01-01T01:00:00.000Z', 'cron|UTC|0 0 * * * *|wall'],
  ])('descriptor %s', (expression, first, key) => {
    const s = cron(expression);
    expect(s.kind).toBe('CRON');
    expect(s.key).toBe(key);
    expect(s.next(NOW, NOW)?.toISOString()).toBe(first);
  });

  it('canonical keys: equal schedules written differently share a key', () => {
    expect(cron('30 2 * * *', 'America/New_York').key).toBe('cron|America/New_York|0 30 2 * * *');
    expect(cron('0 30 02 * * ?', 'america/new_york').key).toBe(
      'cron|America/New_York|0 30 2 * * *',
    );
    expect(cron('CRON_TZ=America/New_York 30 2 * * *').key).toBe(
      'cron|America/New_York|0 30 2 * * *',
    );
    expect(cron('0 0 * * mon-fri').key).toBe(cron('0 0 * * 1,2,3,4,5').key);
    expect(cron('0 0 * * 0').key).toBe(cron('0 0 * * 7').key);
    // same value sets, different DST policy: different keys
    expect(cron('*/30 1 * * *').key).not.toBe(cron('0,30 1 * * *').key);
    expect(cron('0 0 * * *').key).toBe(cron('@daily').key);
  });

  it('time zone from the field, CRON_TZ= or TZ= prefix; default UTC', () => {
    expect(cron('0 9 * * *').timezone).toBe('UTC');
    expect(cron('0 9 * * *', 'Europe/Berlin').timezone).toBe('Europe/Berlin');
    expect(cron('0 9 * * *', '').timezone).toBe('UTC');
    const prefixed = cron('CRON_TZ=Europe/Berlin 0 9 * * *');
    expect(prefixed.timezone).toBe('Europe/Berlin');
    expect(iso(prefixed.nextTimes(NOW, 1, NOW))).toEqual(['2026-01-01T08:00:00.000Z']);
    expect(cron('TZ=Asia/Kolkata 0 9 * * *').next(NOW, NOW)?.toISOString()).toBe(
      '2026-01-01T03:30:00.000Z',
    );
    expect(parseSchedule(cronSpec('0 9 * * *', null), { now: NOW }).timezone).toBe('UTC');
  });

  it('@every: Go durations, anchored, UTC, prefix allowed and ignored', () => {
    const s = cron('@every 1h30m');
    expect(s.kind).toBe('EVERY');
    expect(s.key).toBe('every|5400000');
    expect(s.anchored).toBe(true);
    expect(s.timezone).toBe('UTC');
    const anchor = new Date('2026-03-01T10:00:00.750Z');
    expect(iso(s.nextTimes(anchor, 2, anchor))).toEqual([
      '2026-03-01T11:30:00.000Z',
      '2026-03-01T13:00:00.000Z',
    ]);
    expect(cron('@every 90s').key).toBe('every|90000');
    expect(cron('@every 1.5m').key).toBe('every|90000');
    expect(cron('@every 1s').key).toBe('every|1000');
    const tz = cron('CRON_TZ=Asia/Kolkata @every 2h');
    expect(tz.kind).toBe('EVERY');
    expect(tz.timezone).toBe('UTC');
  });
});

describe('cron errors', () => {
  it.each([
    ['', 'the expression is empty'],
    ['   ', 'the expression is empty'],
    ['* * * *', /^expected 5 fields .* got 4$/],
    ['* * * * * * *', /^expected 5 fields .* got 7$/],
    ['61 * * * *', 'minute field: 61 is out of range 0-59'],
    ['* 24 * * *', 'hour field: 24 is out of range 0-23'],
    ['* * 0 * *', 'day-of-month field: 0 is out of range 1-31'],
    ['* * 32 * *', 'day-of-month field: 32 is out of range 1-31'],
    ['* * * 13 *', 'month field: 13 is out of range 1-12'],
    ['* * * * 8', 'day-of-week field: 8 is out of range 0-7'],
    ['60 * * * * *', 'second field: 60 is out of range 0-59'],
    ['*/0 * * * *', 'minute field: step must be at least 1 (got 0)'],
    ['40-5 * * * *', 'minute field: range 40-5 is reversed (40 > 5)'],
    ['* * * * FRI-MON', 'day-of-week field: range FRI-MON is reversed (5 > 1)'],
    ['? * * * *', 'minute field: "?" is only allowed in the day-of-month and day-of-week fields'],
    ['* ? * * *', 'hour field: "?" is only allowed in the day-of-month and day-of-week fields'],
    ['* * * FOO *', 'month field: "FOO" is not a number or a month name (JAN-DEC)'],
    ['* * * * MONDAY', 'day-of-week field: "MONDAY" is not a number or a weekday name (SUN-SAT)'],
    ['* * * MON *', 'month field: "MON" is not a number or a month name (JAN-DEC)'],
    ['a * * * *', 'minute field: "a" is not a number'],
    ['1,,2 * * * *', 'minute field: empty element in list "1,,2"'],
    ['*/5/2 * * * *', 'minute field: "*/5/2" has more than one step'],
    ['*/x * * * *', 'minute field: step "x" is not a number'],
    ['1- * * * *', 'minute field: "1-" is not a valid range'],
    ['-5 * * * *', 'minute field: "-5" is not a valid range'],
    ['/5 * * * *', 'minute field: "/5" has no value before the step'],
    ['0 0 L * *', 'day-of-month field: "L" is not a number'],
    ['@fortnightly', /^unknown descriptor "@fortnightly"/],
    ['@daily 5', 'descriptor "@daily" takes no fields'],
    ['@every', '@every needs a duration (e.g. @every 90s)'],
    ['@every 1h 30m', '@every: "1h 30m" is not a duration (e.g. 90s, 1h30m)'],
    ['@every 500ms', '@every: the duration must be at least 1s'],
    ['@every 0', '@every: the duration must be at least 1s'],
    ['@every 1.5s', '@every: the duration must be a whole number of seconds'],
    ['@every 10x', '@every: "10x" is not a duration (e.g. 90s, 1h30m)'],
    ['@every -5s', '@every: "-5s" is not a duration (e.g. 90s, 1h30m)'],
    ['@every 80000h', '@every: the duration is over 8 years'],
    ['0 0 30 2 *', 'it never fires (no fire time within 8 years)'],
    ['0 0 31 4,6,9,11 *', 'it never fires (no fire time within 8 years)'],
    ['CRON_TZ=', '"CRON_TZ=" is not valid'],
  ])('%j', (expression, reason) => {
    if (expression === 'CRON_TZ=') {
      const e = expectCronError(expression, 'CRON_TZ= names no time zone');
      expect(e.field).toBe('automationSpec.schedule.cron.expression');
      return;
    }
    const e = expectCronError(expression, reason);
    expect(e.field).toBe('automationSpec.schedule.cron.expression');
  });

  it('names an unknown zone, in the timezone field or the prefix, with the expression as sent', () => {
    const e1 = expectCronError('0 9 * * *', 'unknown time zone "Mars/Olympus"', 'Mars/Olympus');
    expect(e1.field).toBe('automationSpec.schedule.cron.timezone');
    const e2 = expectCronError(
      'CRON_TZ=Mars/Olympus 0 9 * * *',
      'unknown time zone "Mars/Olympus"',
    );
    expect(e2.field).toBe('automationSpec.schedule.cron.expression');
    const e3 = expectCronError('TZ=+05:30 0 9 * * *', 'unknown time zone "+05:30"');
    expect(e3.field).toBe('automationSpec.schedule.cron.expression');
    expectCronError('0 9 * * *', 'unknown time zone " UTC"', ' UTC');
  });

  it('rejects a CRON_TZ prefix together with the timezone field', () => {
    for (const expr of ['CRON_TZ=UTC 0 9 * * *', 'TZ=Europe/Berlin 0 9 * * *']) {
      const e = expectCronError(expr, /^the time zone is given twice/, 'Europe/Berlin');
      expect(e.field).toBe('automationSpec.schedule.cron.timezone');
    }
  });

  it('message without a trigger name', () => {
    const e = errorOf(cronSpec('61 * * * *'));
    expect(e.message).toBe(
      'invalid cron expression "61 * * * *": minute field: 61 is out of range 0-59',
    );
  });

  it('never-fires check is relative to now', () => {
    // Feb 29 fires within 8 years from any date (2100 is no leap year, but 2096 and 2104 are).
    expect(() =>
      parseSchedule(cronSpec('0 0 29 2 *'), { now: new Date('2097-01-01T00:00:00Z') }),
    ).not.toThrow();
  });
});

describe('automationSpec shape', () => {
  it.each<[string, AutomationSpecLike, string, string]>([
    [
      'SCHEDULE without schedule',
      { type: 'SCHEDULE' },
      'automationSpec.schedule',
      'VALIDATION_FAILED',
    ],
    [
      'SCHEDULE with null schedule',
      { type: 'SCHEDULE', schedule: null },
      'automationSpec.schedule',
      'VALIDATION_FAILED',
    ],
    [
      'neither cron nor rate',
      { type: 'SCHEDULE', schedule: {} },
      'automationSpec.schedule',
      'VALIDATION_FAILED',
    ],
    [
      'both cron and rate',
      {
        type: 'SCHEDULE',
        schedule: { cron: { expression: '* * * * *' }, rate: { value: 1, unit: 'MINUTE' } },
      },
      'automationSpec.schedule',
      'VALIDATION_FAILED',
    ],
    [
      'NONE with a schedule',
      { type: 'NONE', schedule: { cron: { expression: '* * * * *' } } },
      'automationSpec.schedule',
      'VALIDATION_FAILED',
    ],
    ['unknown type', { type: 'WEEKLY' }, 'automationSpec.type', 'VALIDATION_FAILED'],
    [
      'lowercase type',
      { type: 'schedule', schedule: { cron: { expression: '* * * * *' } } },
      'automationSpec.type',
      'VALIDATION_FAILED',
    ],
    [
      'expression not a string',
      { type: 'SCHEDULE', schedule: { cron: { expression: 5 as unknown as string } } },
      'automationSpec.schedule.cron.expression',
      'VALIDATION_FAILED',
    ],
    [
      'rate value not a number',
      { type: 'SCHEDULE', schedule: { rate: { value: '5' as unknown as number, unit: 'MINUTE' } } },
      'automationSpec.schedule.rate.value',
      'VALIDATION_FAILED',
    ],
    ['NONE (parse)', { type: 'NONE' }, 'automationSpec.type', 'INVALID_SCHEDULE'],
  ])('%s', (_name, spec, field, code) => {
    const e = errorOf(spec);
    expect(e.field).toBe(field);
    expect(e.code).toBe(code);
  });

  it('parse of a NONE spec names the trigger', () => {
    const e = errorOf({ type: 'NONE', schedule: null }, 'manual-only');
    expect(e.message).toBe('trigger "manual-only" has no schedule (automationSpec.type is NONE)');
  });

  it('validateAutomationSpec accepts NONE without schedule and rejects what parse rejects', () => {
    expect(() => validateAutomationSpec({ type: 'NONE' })).not.toThrow();
    expect(() => validateAutomationSpec({ type: 'NONE', schedule: null })).not.toThrow();
    expect(() => validateAutomationSpec(cronSpec('0 9 * * *'), { now: NOW })).not.toThrow();
    expect(() => validateAutomationSpec(cronSpec('0 0 30 2 *'), { now: NOW })).toThrow(
      ScheduleError,
    );
    expect(() => validateAutomationSpec({ type: 'SCHEDULE' })).toThrow(ScheduleError);
    expect(() =>
      validateAutomationSpec({ type: 'NONE', schedule: { rate: { value: 1, unit: 'DAY' } } }),
    ).toThrow(ScheduleError);
  });
});

describe('rates', () => {
  it.each<[number, unknown, string, string]>([
    [0, 'MINUTE', 'automationSpec.schedule.rate.value', 'value must be an integer ≥ 1 (got 0)'],
    [-3, 'MINUTE', 'automationSpec.schedule.rate.value', 'value must be an integer ≥ 1 (got -3)'],
    [1.5, 'HOUR', 'automationSpec.schedule.rate.value', 'value must be an integer ≥ 1 (got 1.5)'],
    [NaN, 'HOUR', 'automationSpec.schedule.rate.value', 'value must be an integer ≥ 1 (got NaN)'],
    [
      5,
      'WEEK',
      'automationSpec.schedule.rate.unit',
      'unit must be MINUTE, HOUR or DAY (got "WEEK")',
    ],
    [
      5,
      'minute',
      'automationSpec.schedule.rate.unit',
      'unit must be MINUTE, HOUR or DAY (got "minute")',
    ],
    [
      5,
      'toString',
      'automationSpec.schedule.rate.unit',
      'unit must be MINUTE, HOUR or DAY (got "toString")',
    ],
    [2923, 'DAY', 'automationSpec.schedule.rate.value', 'a period of 2923 DAY is over 8 years'],
    [70129, 'HOUR', 'automationSpec.schedule.rate.value', 'a period of 70129 HOUR is over 8 years'],
  ])('value %p unit %p is rejected', (value, unit, field, reason) => {
    const e = errorOf(rateSpec(value, unit as string), 'r1');
    expect(e.code).toBe('INVALID_SCHEDULE');
    expect(e.field).toBe(field);
    expect(e.message).toBe(`trigger "r1" has invalid rate: ${reason}`);
  });

  it('accepts exactly 8 years', () => {
    expect(parseSchedule(rateSpec(2922, 'DAY')).key).toBe('rate|252460800000|anchor');
    expect(parseSchedule(rateSpec(70128, 'HOUR')).key).toBe('rate|252460800000|anchor');
  });

  it.each([
    '2026-12-01',
    '2026-12-01T00:00:00',
    '2026-13-01T00:00:00Z',
    '2026-02-30T00:00:00Z',
    'tomorrow',
    'yesterday',
    '2026-12-01T25:00:00Z',
    '2026-12-01 00:00:00Z',
  ])('rejects startTime %p as a malformed field', (startTime) => {
    const e = errorOf(rateSpec(5, 'MINUTE', startTime));
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.field).toBe('automationSpec.schedule.rate.startTime');
    expect(e.message).toBe(
      'automationSpec.schedule.rate.startTime must be an ISO 8601 date-time with a time zone (e.g. 2026-12-01T00:00:00Z)',
    );
  });

  it('with startTime: the grid starts at startTime, nothing before it', () => {
    const s = parseSchedule(rateSpec(5, 'MINUTE', '2026-12-01T01:00:00+01:00'));
    expect(s.kind).toBe('RATE');
    expect(s.key).toBe('rate|300000|2026-12-01T00:00:00.000Z');
    expect(s.anchored).toBe(false);
    expect(s.timezone).toBe('UTC');
    const anchor = new Date('2026-11-25T13:17:42Z'); // ignored when startTime is given
    expect(iso(s.nextTimes(new Date('2026-11-01T00:00:00Z'), 3, anchor))).toEqual([
      '2026-12-01T00:00:00.000Z',
      '2026-12-01T00:05:00.000Z',
      '2026-12-01T00:10:00.000Z',
    ]);
    // strictly after: a grid point itself is excluded
    expect(s.next(new Date('2026-12-01T00:05:00.000Z'), anchor)?.toISOString()).toBe(
      '2026-12-01T00:10:00.000Z',
    );
    expect(s.next(new Date('2026-12-01T00:04:59.999Z'), anchor)?.toISOString()).toBe(
      '2026-12-01T00:05:00.000Z',
    );
    expect(s.next(new Date('2026-11-30T23:59:59.999Z'), anchor)?.toISOString()).toBe(
      '2026-12-01T00:00:00.000Z',
    );
    // backfill before startTime finds nothing before it
    expect(
      iso(
        s.slotsInRange(
          new Date('2026-11-30T00:00:00Z'),
          new Date('2026-12-01T00:10:00Z'),
          anchor,
          100,
        ),
      ),
    ).toEqual(['2026-12-01T00:00:00.000Z', '2026-12-01T00:05:00.000Z']);
  });

  it('without startTime: anchored on the anchor truncated to the second, both directions', () => {
    const s = parseSchedule(rateSpec(2, 'HOUR'));
    expect(s.key).toBe('rate|7200000|anchor');
    expect(s.anchored).toBe(true);
    const anchor = new Date('2026-06-10T10:20:30.999Z');
    expect(iso(s.nextTimes(anchor, 2, anchor))).toEqual([
      '2026-06-10T12:20:30.000Z',
      '2026-06-10T14:20:30.000Z',
    ]);
    expect(
      iso(
        s.slotsInRange(
          new Date('2026-06-10T04:20:30Z'),
          new Date('2026-06-10T10:20:31Z'),
          anchor,
          10,
        ),
      ),
    ).toEqual([
      '2026-06-10T04:20:30.000Z',
      '2026-06-10T06:20:30.000Z',
      '2026-06-10T08:20:30.000Z',
      '2026-06-10T10:20:30.000Z',
    ]);
  });

  it('DAY is 24 real hours, also across DST', () => {
    const s = parseSchedule(rateSpec(1, 'DAY', '2026-03-07T12:00:00-05:00'));
    expect(iso(s.nextTimes(new Date('2026-03-07T00:00:00Z'), 3, NOW))).toEqual([
      '2026-03-07T17:00:00.000Z',
      '2026-03-08T17:00:00.000Z',
      '2026-03-09T17:00:00.000Z',
    ]);
  });

  it('accepts startTime variants', () => {
    expect(parseSchedule(rateSpec(1, 'MINUTE', '2026-12-01T00:00Z')).key).toBe(
      'rate|60000|2026-12-01T00:00:00.000Z',
    );
    expect(parseSchedule(rateSpec(1, 'MINUTE', '2026-12-01T05:30:00.250+0530')).key).toBe(
      'rate|60000|2026-12-01T00:00:00.250Z',
    );
    expect(parseSchedule(rateSpec(1, 'MINUTE', null)).key).toBe('rate|60000|anchor');
  });
});

describe('windows', () => {
  const s = cron('0 * * * *');
  const a = new Date('2026-05-01T10:00:00Z');
  const b = new Date('2026-05-01T13:00:00Z');

  it('slotsAfter is (from, to]', () => {
    expect(iso(s.slotsAfter(a, b, a, 100))).toEqual([
      '2026-05-01T11:00:00.000Z',
      '2026-05-01T12:00:00.000Z',
      '2026-05-01T13:00:00.000Z',
    ]);
  });

  it('slotsInRange is [from, to)', () => {
    expect(iso(s.slotsInRange(a, b, a, 100))).toEqual([
      '2026-05-01T10:00:00.000Z',
      '2026-05-01T11:00:00.000Z',
      '2026-05-01T12:00:00.000Z',
    ]);
  });

  it('limits, empty and sub-second windows', () => {
    expect(iso(s.slotsAfter(a, b, a, 2))).toEqual([
      '2026-05-01T11:00:00.000Z',
      '2026-05-01T12:00:00.000Z',
    ]);
    expect(s.slotsAfter(a, b, a, 0)).toEqual([]);
    expect(s.slotsAfter(b, a, a, 10)).toEqual([]);
    expect(s.slotsInRange(a, a, a, 10)).toEqual([]);
    expect(iso(s.slotsInRange(a, new Date(a.getTime() + 1), a, 10))).toEqual([
      '2026-05-01T10:00:00.000Z',
    ]);
    expect(s.slotsAfter(new Date(a.getTime() - 1), new Date(a.getTime() - 1), a, 10)).toEqual([]);
    expect(iso(s.slotsAfter(new Date(a.getTime() - 1), a, a, 10))).toEqual([
      '2026-05-01T10:00:00.000Z',
    ]);
  });

  it('windows longer than the 8-year search horizon still find sparse fires', () => {
    const leap = cron('0 0 29 2 *');
    expect(
      iso(
        leap.slotsInRange(
          new Date('2000-01-01T00:00:00Z'),
          new Date('2030-01-01T00:00:00Z'),
          NOW,
          100,
        ),
      ),
    ).toEqual([
      '2000-02-29T00:00:00.000Z',
      '2004-02-29T00:00:00.000Z',
      '2008-02-29T00:00:00.000Z',
      '2012-02-29T00:00:00.000Z',
      '2016-02-29T00:00:00.000Z',
      '2020-02-29T00:00:00.000Z',
      '2024-02-29T00:00:00.000Z',
      '2028-02-29T00:00:00.000Z',
    ]);
  });

  it('nextTimes returns exactly count and is strictly after', () => {
    expect(s.nextTimes(a, 0, a)).toEqual([]);
    const ten = s.nextTimes(a, 10, a);
    expect(ten).toHaveLength(10);
    expect(ten[0].toISOString()).toBe('2026-05-01T11:00:00.000Z');
    expect(s.next(new Date('2026-05-01T10:59:59.999Z'), a)?.toISOString()).toBe(
      '2026-05-01T11:00:00.000Z',
    );
  });

  it('next() is null past the horizon only for schedules that never fire', () => {
    expect(cron('0 0 1 1 *').next(new Date('2026-01-01T00:00:00Z'), NOW)?.toISOString()).toBe(
      '2027-01-01T00:00:00.000Z',
    );
  });

  it('rejects invalid dates', () => {
    expect(() => s.next(new Date(NaN), a)).toThrow(RangeError);
  });
});

describe('parseScheduleCached', () => {
  beforeEach(() => clearScheduleCache());

  it('returns the same object for the same inputs, and the same errors as parseSchedule', () => {
    const a = parseScheduleCached(cronSpec('0 9 * * *', 'Europe/Berlin'), { now: NOW });
    const b = parseScheduleCached(cronSpec('0 9 * * *', 'Europe/Berlin'), { now: NOW });
    expect(b).toBe(a);
    expect(parseScheduleCached(cronSpec('0 9 * * *', 'Europe/Paris'), { now: NOW })).not.toBe(a);
    expect(parseScheduleCached(rateSpec(5, 'MINUTE'))).toBe(
      parseScheduleCached(rateSpec(5, 'MINUTE')),
    );
    expect(() => parseScheduleCached(cronSpec('61 * * * *'), { triggerName: 'x' })).toThrow(
      'trigger "x" has invalid cron expression "61 * * * *": minute field: 61 is out of range 0-59',
    );
    expect(() => parseScheduleCached({ type: 'NONE' })).toThrow(ScheduleError);
    expect(scheduleCacheSize()).toBe(3);
  });

  it('different spellings of one schedule share an object', () => {
    const a = parseScheduleCached(cronSpec('@daily', 'Asia/Tokyo'), { now: NOW });
    const b = parseScheduleCached(cronSpec('0 0 * * *', 'Asia/Tokyo'), { now: NOW });
    const c = parseScheduleCached(cronSpec('CRON_TZ=Asia/Tokyo 0 0 0 * * ?'), { now: NOW });
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(parseScheduleCached(cronSpec('0 0 * * *', 'Asia/Seoul'), { now: NOW })).not.toBe(a);
  });

  it('is bounded (LRU)', () => {
    for (let i = 0; i < 10_050; i++) parseScheduleCached(rateSpec(i + 1, 'MINUTE'));
    expect(scheduleCacheSize()).toBe(10_000);
  });
});
