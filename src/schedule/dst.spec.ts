import { toFireTime } from './fire-time';
import { cron } from './test-helpers';

/**
 * DST examples (product.md §3, Vixie's rule) for both transitions of 2026 and 2027. Expected fire
 * times are written as local wall-clock time with offset; each is checked as an instant and as the
 * `local` of toFireTime.
 */

type Case = [expression: string, after: string, expected: string[]];

function addDays(date: string, n: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** `${date}T${hhmm}:00${offset}` */
function at(date: string, hhmm: string, offset: string): string {
  return `${date}T${hhmm}:00${offset}`;
}

function quarter(
  date: string,
  hour: string,
  offset: string,
  minutes = ['00', '15', '30', '45'],
): string[] {
  return minutes.map((m) => at(date, `${hour}:${m}`, offset));
}

function check(zone: string, [expression, after, expected]: Case): void {
  const from = new Date(after);
  const got = cron(expression, zone).nextTimes(from, expected.length, from);
  expect(got.map((d) => toFireTime(d, zone).local)).toEqual(expected);
  expect(got.map((d) => d.getTime())).toEqual(expected.map((e) => new Date(e).getTime()));
}

interface ZoneYears {
  zone: string;
  years: { year: number; spring: string; fall: string }[];
  spring: (d: string, d1: string, dm: string) => Case[];
  fall: (d: string, d1: string, dm: string) => Case[];
}

const ZONES: ZoneYears[] = [
  {
    zone: 'America/New_York',
    years: [
      { year: 2026, spring: '2026-03-08', fall: '2026-11-01' },
      { year: 2027, spring: '2027-03-14', fall: '2027-11-07' },
    ],
    // 02:00 EST → 03:00 EDT (gap 02:00–03:00)
    spring: (d, d1, dm) => {
      const after = at(dm, '12:00', '-05:00');
      return [
        ['30 2 * * *', after, [at(d, '03:00', '-04:00'), at(d1, '02:30', '-04:00')]],
        [
          '0,30 2 * * *',
          after,
          [at(d, '03:00', '-04:00'), at(d1, '02:00', '-04:00'), at(d1, '02:30', '-04:00')],
        ],
        [
          '0 1-2 * * *',
          after,
          [at(d, '01:00', '-05:00'), at(d, '03:00', '-04:00'), at(d1, '01:00', '-04:00')],
        ],
        ['30 1 * * *', after, [at(d, '01:30', '-05:00'), at(d1, '01:30', '-04:00')]],
        ['0 30 2 * * *', after, [at(d, '03:00', '-04:00'), at(d1, '02:30', '-04:00')]],
        ['*/20 30 2 * * *', after, [at(d, '03:00', '-04:00'), at(d1, '02:30', '-04:00')]],
        [
          '*/15 * * * *',
          at(d, '01:40', '-05:00'),
          [at(d, '01:45', '-05:00'), at(d, '03:00', '-04:00'), at(d, '03:15', '-04:00')],
        ],
        [
          '0 * * * *',
          at(d, '00:30', '-05:00'),
          [at(d, '01:00', '-05:00'), at(d, '03:00', '-04:00'), at(d, '04:00', '-04:00')],
        ],
        ['@hourly', at(d, '00:30', '-05:00'), [at(d, '01:00', '-05:00'), at(d, '03:00', '-04:00')]],
        ['*/15 1 * * *', after, [...quarter(d, '01', '-05:00'), at(d1, '01:00', '-04:00')]],
        ['*/15 2 * * *', after, [at(d1, '02:00', '-04:00'), at(d1, '02:15', '-04:00')]],
      ];
    },
    // 02:00 EDT → 01:00 EST (01:00–02:00 twice)
    fall: (d, d1, dm) => {
      const after = at(dm, '12:00', '-04:00');
      return [
        ['30 2 * * *', after, [at(d, '02:30', '-05:00'), at(d1, '02:30', '-05:00')]],
        [
          '0,30 2 * * *',
          after,
          [at(d, '02:00', '-05:00'), at(d, '02:30', '-05:00'), at(d1, '02:00', '-05:00')],
        ],
        [
          '0 1-2 * * *',
          after,
          [at(d, '01:00', '-04:00'), at(d, '02:00', '-05:00'), at(d1, '01:00', '-05:00')],
        ],
        ['30 1 * * *', after, [at(d, '01:30', '-04:00'), at(d1, '01:30', '-05:00')]],
        [
          '*/20 30 1 * * *',
          after,
          [
            at(d, '01:30', '-04:00'),
            `${d}T01:30:20-04:00`,
            `${d}T01:30:40-04:00`,
            at(d1, '01:30', '-05:00'),
          ],
        ],
        // searching from inside the second pass: the repeated times do not fire again
        ['30 1 * * *', at(d, '01:10', '-05:00'), [at(d1, '01:30', '-05:00')]],
        ['0 1-2 * * *', at(d, '01:10', '-05:00'), [at(d, '02:00', '-05:00')]],
        [
          '*/15 * * * *',
          at(d, '01:40', '-04:00'),
          [at(d, '01:45', '-04:00'), at(d, '01:00', '-05:00'), at(d, '01:15', '-05:00')],
        ],
        [
          '0 * * * *',
          at(d, '00:30', '-04:00'),
          [at(d, '01:00', '-04:00'), at(d, '01:00', '-05:00'), at(d, '02:00', '-05:00')],
        ],
        [
          '*/15 1 * * *',
          after,
          [...quarter(d, '01', '-04:00'), ...quarter(d, '01', '-05:00'), at(d1, '01:00', '-05:00')],
        ],
        [
          '*/15 1 * * *',
          at(d, '01:20', '-05:00'),
          [at(d, '01:30', '-05:00'), at(d, '01:45', '-05:00')],
        ],
        ['*/15 2 * * *', after, [...quarter(d, '02', '-05:00'), at(d1, '02:00', '-05:00')]],
      ];
    },
  },
  {
    zone: 'Europe/Berlin',
    years: [
      { year: 2026, spring: '2026-03-29', fall: '2026-10-25' },
      { year: 2027, spring: '2027-03-28', fall: '2027-10-31' },
    ],
    // 02:00 CET → 03:00 CEST
    spring: (d, d1, dm) => {
      const after = at(dm, '12:00', '+01:00');
      return [
        ['30 2 * * *', after, [at(d, '03:00', '+02:00'), at(d1, '02:30', '+02:00')]],
        [
          '0,30 2 * * *',
          after,
          [at(d, '03:00', '+02:00'), at(d1, '02:00', '+02:00'), at(d1, '02:30', '+02:00')],
        ],
        [
          '0 1-2 * * *',
          after,
          [at(d, '01:00', '+01:00'), at(d, '03:00', '+02:00'), at(d1, '01:00', '+02:00')],
        ],
        ['0 2-3 * * *', after, [at(d, '03:00', '+02:00'), at(d1, '02:00', '+02:00')]],
        ['30 1 * * *', after, [at(d, '01:30', '+01:00'), at(d1, '01:30', '+02:00')]],
        [
          '*/15 * * * *',
          at(d, '01:40', '+01:00'),
          [at(d, '01:45', '+01:00'), at(d, '03:00', '+02:00'), at(d, '03:15', '+02:00')],
        ],
        [
          '0 * * * *',
          at(d, '00:30', '+01:00'),
          [at(d, '01:00', '+01:00'), at(d, '03:00', '+02:00'), at(d, '04:00', '+02:00')],
        ],
        ['*/15 1 * * *', after, [...quarter(d, '01', '+01:00'), at(d1, '01:00', '+02:00')]],
        ['*/15 2 * * *', after, [at(d1, '02:00', '+02:00'), at(d1, '02:15', '+02:00')]],
      ];
    },
    // 03:00 CEST → 02:00 CET (02:00–03:00 twice)
    fall: (d, d1, dm) => {
      const after = at(dm, '12:00', '+02:00');
      return [
        ['30 2 * * *', after, [at(d, '02:30', '+02:00'), at(d1, '02:30', '+01:00')]],
        [
          '0,30 2 * * *',
          after,
          [at(d, '02:00', '+02:00'), at(d, '02:30', '+02:00'), at(d1, '02:00', '+01:00')],
        ],
        [
          '0 1-2 * * *',
          after,
          [at(d, '01:00', '+02:00'), at(d, '02:00', '+02:00'), at(d1, '01:00', '+01:00')],
        ],
        ['30 1 * * *', after, [at(d, '01:30', '+02:00'), at(d1, '01:30', '+01:00')]],
        ['30 2 * * *', at(d, '02:10', '+01:00'), [at(d1, '02:30', '+01:00')]],
        [
          '*/15 * * * *',
          at(d, '02:40', '+02:00'),
          [at(d, '02:45', '+02:00'), at(d, '02:00', '+01:00'), at(d, '02:15', '+01:00')],
        ],
        [
          '0 * * * *',
          at(d, '01:30', '+02:00'),
          [at(d, '02:00', '+02:00'), at(d, '02:00', '+01:00'), at(d, '03:00', '+01:00')],
        ],
        ['*/15 1 * * *', after, [...quarter(d, '01', '+02:00'), at(d1, '01:00', '+01:00')]],
        [
          '*/15 2 * * *',
          after,
          [...quarter(d, '02', '+02:00'), ...quarter(d, '02', '+01:00'), at(d1, '02:00', '+01:00')],
        ],
      ];
    },
  },
  {
    zone: 'Australia/Lord_Howe',
    years: [
      { year: 2026, spring: '2026-10-04', fall: '2026-04-05' },
      { year: 2027, spring: '2027-10-03', fall: '2027-04-04' },
    ],
    // 02:00 +10:30 → 02:30 +11:00 (a 30-minute gap)
    spring: (d, d1, dm) => {
      const after = at(dm, '12:00', '+10:30');
      return [
        ['15 2 * * *', after, [at(d, '02:30', '+11:00'), at(d1, '02:15', '+11:00')]],
        ['30 2 * * *', after, [at(d, '02:30', '+11:00'), at(d1, '02:30', '+11:00')]],
        [
          '0,30 2 * * *',
          after,
          [at(d, '02:30', '+11:00'), at(d1, '02:00', '+11:00'), at(d1, '02:30', '+11:00')],
        ],
        [
          '0 1-2 * * *',
          after,
          [at(d, '01:00', '+10:30'), at(d, '02:30', '+11:00'), at(d1, '01:00', '+11:00')],
        ],
        ['30 1 * * *', after, [at(d, '01:30', '+10:30'), at(d1, '01:30', '+11:00')]],
        [
          '*/15 * * * *',
          at(d, '01:40', '+10:30'),
          [at(d, '01:45', '+10:30'), at(d, '02:30', '+11:00'), at(d, '02:45', '+11:00')],
        ],
        [
          '0 * * * *',
          at(d, '00:30', '+10:30'),
          [at(d, '01:00', '+10:30'), at(d, '03:00', '+11:00'), at(d, '04:00', '+11:00')],
        ],
        ['*/15 1 * * *', after, [...quarter(d, '01', '+10:30'), at(d1, '01:00', '+11:00')]],
        [
          '*/15 2 * * *',
          after,
          [at(d, '02:30', '+11:00'), at(d, '02:45', '+11:00'), at(d1, '02:00', '+11:00')],
        ],
      ];
    },
    // 02:00 +11:00 → 01:30 +10:30 (01:30–02:00 twice)
    fall: (d, d1, dm) => {
      const after = at(dm, '12:00', '+11:00');
      return [
        ['15 2 * * *', after, [at(d, '02:15', '+10:30'), at(d1, '02:15', '+10:30')]],
        ['45 1 * * *', after, [at(d, '01:45', '+11:00'), at(d1, '01:45', '+10:30')]],
        ['30 1 * * *', after, [at(d, '01:30', '+11:00'), at(d1, '01:30', '+10:30')]],
        [
          '0,30 2 * * *',
          after,
          [at(d, '02:00', '+10:30'), at(d, '02:30', '+10:30'), at(d1, '02:00', '+10:30')],
        ],
        [
          '0 1-2 * * *',
          after,
          [at(d, '01:00', '+11:00'), at(d, '02:00', '+10:30'), at(d1, '01:00', '+10:30')],
        ],
        ['45 1 * * *', at(d, '01:35', '+10:30'), [at(d1, '01:45', '+10:30')]],
        [
          '*/15 * * * *',
          at(d, '01:40', '+11:00'),
          [
            at(d, '01:45', '+11:00'),
            at(d, '01:30', '+10:30'),
            at(d, '01:45', '+10:30'),
            at(d, '02:00', '+10:30'),
          ],
        ],
        [
          '0 * * * *',
          at(d, '00:30', '+11:00'),
          [at(d, '01:00', '+11:00'), at(d, '02:00', '+10:30'), at(d, '03:00', '+10:30')],
        ],
        [
          '*/15 1 * * *',
          after,
          [
            ...quarter(d, '01', '+11:00'),
            ...quarter(d, '01', '+10:30', ['30', '45']),
            at(d1, '01:00', '+10:30'),
          ],
        ],
        ['*/15 2 * * *', after, [...quarter(d, '02', '+10:30'), at(d1, '02:00', '+10:30')]],
      ];
    },
  },
  {
    zone: 'Pacific/Chatham',
    years: [
      { year: 2026, spring: '2026-09-27', fall: '2026-04-05' },
      { year: 2027, spring: '2027-09-26', fall: '2027-04-04' },
    ],
    // 02:45 +12:45 → 03:45 +13:45
    spring: (d, d1, dm) => {
      const after = at(dm, '12:00', '+12:45');
      return [
        ['30 2 * * *', after, [at(d, '02:30', '+12:45'), at(d1, '02:30', '+13:45')]],
        [
          '0,30 2 * * *',
          after,
          [at(d, '02:00', '+12:45'), at(d, '02:30', '+12:45'), at(d1, '02:00', '+13:45')],
        ],
        [
          '0 1-2 * * *',
          after,
          [at(d, '01:00', '+12:45'), at(d, '02:00', '+12:45'), at(d1, '01:00', '+13:45')],
        ],
        ['30 1 * * *', after, [at(d, '01:30', '+12:45'), at(d1, '01:30', '+13:45')]],
        ['0 3 * * *', after, [at(d, '03:45', '+13:45'), at(d1, '03:00', '+13:45')]],
        [
          '0,30 3 * * *',
          after,
          [at(d, '03:45', '+13:45'), at(d1, '03:00', '+13:45'), at(d1, '03:30', '+13:45')],
        ],
        ['45 2 * * *', after, [at(d, '03:45', '+13:45'), at(d1, '02:45', '+13:45')]],
        [
          '*/15 * * * *',
          at(d, '02:35', '+12:45'),
          [at(d, '03:45', '+13:45'), at(d, '04:00', '+13:45')],
        ],
        [
          '0 * * * *',
          at(d, '01:30', '+12:45'),
          [at(d, '02:00', '+12:45'), at(d, '04:00', '+13:45'), at(d, '05:00', '+13:45')],
        ],
        ['*/15 1 * * *', after, [...quarter(d, '01', '+12:45'), at(d1, '01:00', '+13:45')]],
        [
          '*/15 2 * * *',
          after,
          [...quarter(d, '02', '+12:45', ['00', '15', '30']), at(d1, '02:00', '+13:45')],
        ],
        ['*/15 3 * * *', after, [at(d, '03:45', '+13:45'), at(d1, '03:00', '+13:45')]],
      ];
    },
    // 03:45 +13:45 → 02:45 +12:45 (02:45–03:45 twice)
    fall: (d, d1, dm) => {
      const after = at(dm, '12:00', '+13:45');
      return [
        ['0 3 * * *', after, [at(d, '03:00', '+13:45'), at(d1, '03:00', '+12:45')]],
        ['30 2 * * *', after, [at(d, '02:30', '+13:45'), at(d1, '02:30', '+12:45')]],
        ['50 2 * * *', after, [at(d, '02:50', '+13:45'), at(d1, '02:50', '+12:45')]],
        ['45 2 * * *', after, [at(d, '02:45', '+13:45'), at(d1, '02:45', '+12:45')]],
        [
          '0,30 3 * * *',
          after,
          [at(d, '03:00', '+13:45'), at(d, '03:30', '+13:45'), at(d1, '03:00', '+12:45')],
        ],
        [
          '0 1-2 * * *',
          after,
          [at(d, '01:00', '+13:45'), at(d, '02:00', '+13:45'), at(d1, '01:00', '+12:45')],
        ],
        ['30 1 * * *', after, [at(d, '01:30', '+13:45'), at(d1, '01:30', '+12:45')]],
        [
          '0 * * * *',
          at(d, '01:30', '+13:45'),
          [
            at(d, '02:00', '+13:45'),
            at(d, '03:00', '+13:45'),
            at(d, '03:00', '+12:45'),
            at(d, '04:00', '+12:45'),
          ],
        ],
        [
          '*/15 3 * * *',
          after,
          [
            ...quarter(d, '03', '+13:45', ['00', '15', '30']),
            ...quarter(d, '03', '+12:45'),
            at(d1, '03:00', '+12:45'),
          ],
        ],
        [
          '*/15 * * * *',
          at(d, '03:20', '+13:45'),
          [at(d, '03:30', '+13:45'), at(d, '02:45', '+12:45'), at(d, '03:00', '+12:45')],
        ],
        ['*/15 1 * * *', after, [...quarter(d, '01', '+13:45'), at(d1, '01:00', '+12:45')]],
        [
          '*/15 2 * * *',
          after,
          [...quarter(d, '02', '+13:45'), at(d, '02:45', '+12:45'), at(d1, '02:00', '+12:45')],
        ],
      ];
    },
  },
];

describe.each(ZONES.flatMap((z) => z.years.map((y) => ({ ...y, z }))))(
  '$z.zone $year',
  ({ z, spring, fall }) => {
    it.each(z.spring(spring, addDays(spring, 1), addDays(spring, -1)))(
      `spring forward ${spring}: %s after %s`,
      (...c) => check(z.zone, c),
    );
    it.each(z.fall(fall, addDays(fall, 1), addDays(fall, -1)))(
      `fall back ${fall}: %s after %s`,
      (...c) => check(z.zone, c),
    );
  },
);

describe('Asia/Kolkata (+05:30, no DST) on other zones’ transition days', () => {
  const days = [
    '2026-03-08',
    '2026-03-29',
    '2026-10-25',
    '2026-11-01',
    '2027-03-14',
    '2027-03-28',
    '2027-10-31',
    '2027-11-07',
  ];
  it.each(days)('%s', (d) => {
    const d1 = addDays(d, 1);
    const dm = addDays(d, -1);
    const o = '+05:30';
    const cases: Case[] = [
      ['30 2 * * *', at(dm, '12:00', o), [at(d, '02:30', o), at(d1, '02:30', o)]],
      [
        '0 1-2 * * *',
        at(dm, '12:00', o),
        [at(d, '01:00', o), at(d, '02:00', o), at(d1, '01:00', o)],
      ],
      ['30 1 * * *', at(dm, '12:00', o), [at(d, '01:30', o), at(d1, '01:30', o)]],
      [
        '0,30 2 * * *',
        at(dm, '12:00', o),
        [at(d, '02:00', o), at(d, '02:30', o), at(d1, '02:00', o)],
      ],
      [
        '*/15 * * * *',
        at(d, '01:40', o),
        [at(d, '01:45', o), at(d, '02:00', o), at(d, '02:15', o)],
      ],
      ['0 * * * *', at(d, '00:30', o), [at(d, '01:00', o), at(d, '02:00', o), at(d, '03:00', o)]],
      ['*/15 1 * * *', at(dm, '12:00', o), [...quarter(d, '01', o), at(d1, '01:00', o)]],
      ['*/15 2 * * *', at(dm, '12:00', o), [...quarter(d, '02', o), at(d1, '02:00', o)]],
    ];
    for (const c of cases) check('Asia/Kolkata', c);
  });
});

describe('slot windows across DST', () => {
  it('catch-up (from, to] over the New York fall-back night, fixed and non-fixed', () => {
    const from = new Date('2026-11-01T04:00:00Z');
    const to = new Date('2026-11-01T07:00:00Z');
    const fixed = cron('0,30 1 * * *', 'America/New_York');
    expect(fixed.slotsAfter(from, to, from, 100).map((d) => d.toISOString())).toEqual([
      '2026-11-01T05:00:00.000Z',
      '2026-11-01T05:30:00.000Z',
    ]);
    const wall = cron('*/30 * * * *', 'America/New_York');
    expect(wall.slotsAfter(from, to, from, 100)).toHaveLength(6);
    expect(wall.slotsInRange(from, to, from, 100)).toHaveLength(6);
  });

  it('backfill [from, to) over the spring-forward night keeps one fire for the gap', () => {
    const s = cron('*/10 2 * * *', 'Europe/Berlin');
    expect(
      s.slotsInRange(
        new Date('2026-03-28T00:00:00Z'),
        new Date('2026-03-30T00:00:00Z'),
        new Date(0),
        100,
      ).length,
    ).toBe(6); // Mar 28: 6 fires; Mar 29: none (not fixed-time)
    const f = cron('0/10 2 * * *', 'Europe/Berlin');
    expect(
      f
        .slotsInRange(
          new Date('2026-03-28T00:00:00Z'),
          new Date('2026-03-30T00:00:00Z'),
          new Date(0),
          100,
        )
        .map((d) => d.toISOString()),
    ).toEqual([
      '2026-03-28T01:00:00.000Z',
      '2026-03-28T01:10:00.000Z',
      '2026-03-28T01:20:00.000Z',
      '2026-03-28T01:30:00.000Z',
      '2026-03-28T01:40:00.000Z',
      '2026-03-28T01:50:00.000Z',
      '2026-03-29T01:00:00.000Z',
    ]);
  });
});
