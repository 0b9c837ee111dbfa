import { toFireTime } from './fire-time';
import { isValidTimeZone } from './zone';

describe('toFireTime', () => {
  it.each([
    ['2026-03-08T07:00:00.000Z', 'America/New_York', '2026-03-08T03:00:00-04:00'],
    ['2026-11-01T05:30:00.000Z', 'America/New_York', '2026-11-01T01:30:00-04:00'],
    ['2026-11-01T06:30:00.000Z', 'America/New_York', '2026-11-01T01:30:00-05:00'],
    ['2026-06-30T18:30:00.000Z', 'Asia/Kolkata', '2026-07-01T00:00:00+05:30'],
    ['2026-07-01T00:00:00.000Z', 'Pacific/Chatham', '2026-07-01T12:45:00+12:45'],
    ['2026-01-01T00:00:00.000Z', 'Pacific/Chatham', '2026-01-01T13:45:00+13:45'],
    ['2026-07-01T12:00:00.000Z', 'America/St_Johns', '2026-07-01T09:30:00-02:30'],
    ['2026-12-31T23:59:59.000Z', 'UTC', '2026-12-31T23:59:59+00:00'],
    ['2026-12-31T23:59:59.250Z', 'UTC', '2026-12-31T23:59:59.250+00:00'],
    ['2026-12-31T23:00:00.000Z', 'Europe/Berlin', '2027-01-01T00:00:00+01:00'],
    ['2026-07-01T00:00:00.000Z', 'Australia/Lord_Howe', '2026-07-01T10:30:00+10:30'],
    ['2026-04-04T15:00:00.000Z', 'Australia/Lord_Howe', '2026-04-05T01:30:00+10:30'],
    ['2026-04-04T14:59:59.000Z', 'Australia/Lord_Howe', '2026-04-05T01:59:59+11:00'],
  ])('%s in %s', (at, zone, local) => {
    expect(toFireTime(new Date(at), zone)).toEqual({ at, local });
  });

  it('accepts any zone spelling Intl knows and rejects unknown zones', () => {
    expect(toFireTime(new Date('2026-07-01T00:00:00Z'), 'america/new_york').local).toBe(
      '2026-06-30T20:00:00-04:00',
    );
    expect(() => toFireTime(new Date('2026-07-01T00:00:00Z'), 'Mars/Olympus')).toThrow(RangeError);
    expect(() => toFireTime(new Date(NaN), 'UTC')).toThrow(RangeError);
  });
});

describe('isValidTimeZone', () => {
  it.each([
    'UTC',
    'Etc/UTC',
    'America/New_York',
    'Asia/Kolkata',
    'Pacific/Chatham',
    'europe/berlin',
  ])('%s is valid', (tz) => expect(isValidTimeZone(tz)).toBe(true));
  it.each(['', ' UTC', 'Mars/Olympus', '+05:30', '-03:00', 'America/New York', 'x'.repeat(200)])(
    '%j is not',
    (tz) => expect(isValidTimeZone(tz)).toBe(false),
  );
});
