import { NOW, cron, cronSpec, errorOf, iso, rateSpec } from '../../test/support/schedule-helpers';
import { toFireTime } from './fire-time';
import {
  clearScheduleCache,
  parseSchedule,
  parseScheduleCached,
  readIsoInstant,
  scheduleCacheBytes,
  scheduleCacheSize,
} from './index';
import { CACHE_BYTES } from './schedule-cache';
import { BoundedLru } from './lru';
import { ZONE_MONTHS_CACHED, getZone } from './zone';

/** The limits of docs/scheduler.md "Limits". */
describe('date range', () => {
  it.each([
    ['1900-01-01T00:00:00Z', Date.UTC(1900, 0, 1)],
    ['1969-12-31T23:59:59.999Z', -1],
    ['2199-12-31T23:59:59.999Z', Date.UTC(2200, 0, 1) - 1],
    ['2200-01-01T01:00:00+02:00', Date.UTC(2199, 11, 31, 23)],
  ])('accepts %s', (text, ms) => {
    expect(readIsoInstant(text)).toEqual({ ok: true, ms });
  });

  it.each([
    '1899-12-31T23:59:59.999Z',
    '2200-01-01T00:00:00Z',
    '3450-06-01T00:00:00Z',
    '9999-12-31T23:59:59Z',
    '0000-01-01T00:00:00Z',
  ])('refuses %s as out of range', (text) => {
    expect(readIsoInstant(text)).toEqual({
      ok: false,
      reason: 'must lie from 1900-01-01T00:00:00Z (included) to 2200-01-01T00:00:00Z (excluded)',
    });
  });

  it('refuses a text that is not ISO 8601 with a zone', () => {
    expect(readIsoInstant('yesterday')).toEqual({
      ok: false,
      reason: 'must be an ISO 8601 date-time with a time zone (e.g. 2026-12-01T00:00:00Z)',
    });
  });
});

describe('expression and zone length', () => {
  it('accepts an expression of 1,024 characters and refuses 1,025 (VALIDATION_FAILED)', () => {
    const padded = (n: number) => `${' '.repeat(n - 9)}0 0 * * *`;
    expect(parseSchedule(cronSpec(padded(1024)), { now: NOW }).key).toBe('cron|UTC|0 0 0 * * *');
    const e = errorOf(cronSpec(padded(1025)));
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.field).toBe('automationSpec.schedule.cron.expression');
    expect(e.message).toBe(
      'automationSpec.schedule.cron.expression must be at most 1024 characters (got 1025)',
    );
  });

  it('refuses a zone over 128 characters (VALIDATION_FAILED), an unknown one of 128 is INVALID_SCHEDULE', () => {
    const long = errorOf(cronSpec('0 0 * * *', 'A'.repeat(129)));
    expect(long.code).toBe('VALIDATION_FAILED');
    expect(long.field).toBe('automationSpec.schedule.cron.timezone');
    expect(long.message).toMatch(/at most 128 characters \(got 129\)/);
    const unknown = errorOf(cronSpec('0 0 * * *', 'A'.repeat(128)));
    expect(unknown.code).toBe('INVALID_SCHEDULE');
    expect(unknown.field).toBe('automationSpec.schedule.cron.timezone');
  });
});

describe('rate startTime', () => {
  it('"yesterday" is a malformed field (VALIDATION_FAILED)', () => {
    const e = errorOf(rateSpec(5, 'MINUTE', 'yesterday'));
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.field).toBe('automationSpec.schedule.rate.startTime');
  });

  it.each(['1899-01-01T00:00:00Z', '9999-12-31T00:00:00Z'])(
    'out of range (%s) is VALIDATION_FAILED',
    (startTime) => {
      const e = errorOf(rateSpec(5, 'MINUTE', startTime));
      expect(e.code).toBe('VALIDATION_FAILED');
      expect(e.field).toBe('automationSpec.schedule.rate.startTime');
      expect(e.message).toMatch(/must lie from 1900-01-01T00:00:00Z/);
    },
  );

  it('more than 8 years after now is INVALID_SCHEDULE; up to 8 years it fires at startTime', () => {
    const e = errorOf(rateSpec(1, 'DAY', '2034-01-02T00:00:00Z'));
    expect(e.code).toBe('INVALID_SCHEDULE');
    expect(e.field).toBe('automationSpec.schedule.rate.startTime');
    expect(e.message).toMatch(/more than 8 years ahead/);
    const ok = parseSchedule(rateSpec(1, 'DAY', '2033-12-31T00:00:00Z'), { now: NOW });
    expect(ok.next(NOW, NOW)?.toISOString()).toBe('2033-12-31T00:00:00.000Z');
  });
});

describe('fire times before 1970', () => {
  it('a daily cron lists every slot across 1970 (not just those after it)', () => {
    const slots = cron('0 12 * * *').slotsInRange(
      new Date('1969-12-29T00:00:00Z'),
      new Date('1970-01-03T00:00:00Z'),
      NOW,
      100,
    );
    expect(iso(slots)).toEqual([
      '1969-12-29T12:00:00.000Z',
      '1969-12-30T12:00:00.000Z',
      '1969-12-31T12:00:00.000Z',
      '1970-01-01T12:00:00.000Z',
      '1970-01-02T12:00:00.000Z',
    ]);
  });

  it('in a zone west of UTC, where local times near 1970 are negative', () => {
    const after = new Date('1969-12-31T12:00:00Z');
    expect(iso(cron('0 0 * * *', 'America/New_York').nextTimes(after, 2, after))).toEqual([
      '1970-01-01T05:00:00.000Z',
      '1970-01-02T05:00:00.000Z',
    ]);
  });

  it('next() of an early instant and a rate grid before 1970', () => {
    const after = new Date('1950-06-01T00:00:00Z');
    expect(cron('30 6 1 * *').next(after, after)?.toISOString()).toBe('1950-06-01T06:30:00.000Z');
    const rate = parseSchedule(rateSpec(1, 'DAY', '1969-12-30T00:00:00Z'), { now: NOW });
    const from = new Date('1969-12-29T00:00:00Z');
    expect(iso(rate.nextTimes(from, 3, from))).toEqual([
      '1969-12-30T00:00:00.000Z',
      '1969-12-31T00:00:00.000Z',
      '1970-01-01T00:00:00.000Z',
    ]);
  });
});

describe('local time of any representable year', () => {
  it('is well-formed past year 9999 (expanded years, like `at`)', () => {
    const at = new Date(Date.UTC(10000, 0, 1, 12));
    expect(toFireTime(at, 'UTC')).toEqual({
      at: '+010000-01-01T12:00:00.000Z',
      local: '+010000-01-01T12:00:00+00:00',
    });
  });
});

describe('bounded caches', () => {
  afterEach(() => clearScheduleCache());

  it('a zone keeps at most ZONE_MONTHS_CACHED months of transitions', () => {
    const zone = getZone('Europe/Berlin');
    for (let y = 1900; y < 2200; y++) for (let m = 0; m < 12; m++) zone.offsetAt(Date.UTC(y, m, 2));
    expect(zone.cachedMonths).toBeLessThanOrEqual(ZONE_MONTHS_CACHED);
    // Evicted months are recomputed correctly.
    expect(zone.offsetAt(Date.UTC(1990, 6, 1))).toBe(2 * 3_600_000);
  });

  it('the parse cache stays within its byte budget with long expressions', () => {
    clearScheduleCache();
    const n = 9_000;
    for (let i = 0; i < n; i++) {
      // Distinct texts of about 1,000 characters (one schedule after canonicalization).
      const expression = `${' '.repeat(980)}0 ${i % 24} * * *${' '.repeat(i % 7)}${'\t'.repeat(i % 11)}`;
      parseScheduleCached(cronSpec(`${expression}`, i % 2 === 0 ? 'UTC' : 'Etc/UTC'), {
        now: NOW,
      });
    }
    expect(scheduleCacheBytes()).toBeLessThanOrEqual(2 * CACHE_BYTES);
    expect(scheduleCacheSize()).toBeLessThan(n);
  });

  it('BoundedLru evicts the least recently used entries by count and by bytes', () => {
    const lru = new BoundedLru<string>(3, 100, (v) => v.length * 2);
    lru.set('a', 'x'.repeat(10)); // 2 + 20
    lru.set('b', 'x'.repeat(10));
    lru.set('c', 'x'.repeat(10));
    lru.get('a');
    lru.set('d', 'x'.repeat(10)); // over 3 entries: b goes
    expect([lru.get('a'), lru.get('b')]).toEqual(['x'.repeat(10), undefined]);
    lru.set('e', 'x'.repeat(30)); // 62 bytes: over 100, the oldest go
    expect(lru.bytes).toBeLessThanOrEqual(100);
    expect(lru.get('e')).toBe('x'.repeat(30));
    lru.set('f', 'x'.repeat(60)); // larger than the budget alone: not cached
    expect(lru.get('f')).toBeUndefined();
    expect(lru.bytes).toBeLessThanOrEqual(100);
  });
});

describe('bounded search cost', () => {
  it('a rare schedule over the whole date range reads the offsets of a few months only', () => {
    const zone = getZone('America/Havana');
    const leapDay = cron('0 0 29 2 *', 'America/Havana');
    const from = new Date('1900-01-01T00:00:00Z');
    const fires = leapDay.nextTimes(from, 100, from);
    expect(fires).toHaveLength(73); // every leap day of 1904–2196; nothing from 2200 on
    expect(fires.at(-1)?.toISOString()).toBe('2196-02-29T05:00:00.000Z');
    // Without skipping, the walk would read every month of 300 years (3,600).
    expect(zone.cachedMonths).toBeLessThan(400);
  });
});
