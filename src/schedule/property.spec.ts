import fc from 'fast-check';
import { ScheduleError } from './errors';
import { parseSchedule } from './index';
import { cronSpec, rateSpec } from '../../test/support/schedule-helpers';

/**
 * Property tests: the cron search against a brute-force reference that walks real UTC instants
 * minute by minute (second by second for 6-field expressions), reads local wall-clock fields from
 * Intl, matches them with value sets built by the generator (not by the module's parser), and
 * applies docs/scheduler.md's DST rule itself.
 */

const ZONES = [
  'America/New_York',
  'Europe/Berlin',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
  'Pacific/Chatham',
  'Europe/London',
  'America/Santiago',
  'Asia/Tehran',
  'UTC',
];

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const RANGE_START = Date.UTC(2026, 0, 1);
const RANGE_END = Date.UTC(2029, 0, 1);

// ---------- reference time zone arithmetic (Intl, memoized per 15-minute UTC block) ----------

const formatters = new Map<string, Intl.DateTimeFormat>();
const offsetMemo = new Map<string, Map<number, number>>();

function intlOffset(zone: string, t: number): number {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(t))
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - t;
}

/** Offsets of these zones change only at quarter-hour UTC instants (checked below). */
let lastZone = '';
let lastBlock = NaN;
let lastOffset = 0;

function offsetAt(zone: string, t: number): number {
  const block = Math.floor(t / (15 * MIN)) * 15 * MIN;
  if (block === lastBlock && zone === lastZone) return lastOffset;
  let memo = offsetMemo.get(zone);
  if (memo === undefined) {
    memo = new Map();
    offsetMemo.set(zone, memo);
  }
  let o = memo.get(block);
  if (o === undefined) {
    o = intlOffset(zone, block);
    memo.set(block, o);
  }
  lastZone = zone;
  lastBlock = block;
  lastOffset = o;
  return o;
}

/** Instants (hour precision) where a zone's offset changes in 2026–2028. */
function transitionsOf(zone: string): number[] {
  const out: number[] = [];
  let prev = intlOffset(zone, RANGE_START);
  for (let t = RANGE_START + 6 * HOUR; t <= RANGE_END; t += 6 * HOUR) {
    const o = intlOffset(zone, t);
    if (o !== prev) {
      let h = t - 6 * HOUR;
      while (intlOffset(zone, h) === prev) h += 15 * MIN;
      out.push(h);
      prev = o;
    }
  }
  return out;
}
const TRANSITIONS = new Map(ZONES.map((z) => [z, transitionsOf(z)]));

// ---------- reference expression model ----------

interface Field {
  text: string;
  values: Set<number>;
}

interface Expr {
  text: string;
  seconds: Set<number> | null;
  minutes: Set<number>;
  hours: Set<number>;
  dom: Field;
  months: Set<number>;
  dow: Field;
  fixed: boolean;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

function span(a: number, b: number, step: number): number[] {
  const out: number[] = [];
  for (let v = a; v <= b; v += step) out.push(v);
  return out;
}

/** Generator of one field: text and the values it means. */
function fieldArb(
  min: number,
  max: number,
  opts: { names?: string[]; nameBase?: number; question?: boolean; dow?: boolean } = {},
): fc.Arbitrary<Field> {
  const hi = opts.dow === true ? 7 : max;
  const stepHi = opts.dow === true ? 6 : max;
  const name = (v: number, useName: boolean): string =>
    useName && opts.names !== undefined && v - (opts.nameBase ?? 0) < opts.names.length
      ? opts.names[v - (opts.nameBase ?? 0)].toLowerCase()
      : String(v);
  const value = fc.integer({ min, max: hi });
  const single = fc.tuple(value, fc.boolean()).map(([v, n]) => ({ text: name(v, n), values: [v] }));
  const range = fc
    .tuple(value, value, fc.boolean())
    .map(([a, b, n]) => [Math.min(a, b), Math.max(a, b), n] as const)
    .map(([a, b, n]) => ({ text: `${name(a, n)}-${name(b, n)}`, values: span(a, b, 1) }));
  const stepRange = fc
    .tuple(value, value, fc.integer({ min: 1, max: Math.max(1, hi - min) }))
    .map(([a, b, s]) => [Math.min(a, b), Math.max(a, b), s] as const)
    .map(([a, b, s]) => ({ text: `${a}-${b}/${s}`, values: span(a, b, s) }));
  const stepFrom = fc
    .tuple(fc.integer({ min, max: stepHi }), fc.integer({ min: 1, max: Math.max(1, stepHi - min) }))
    .map(([a, s]) => ({ text: `${a}/${s}`, values: span(a, stepHi, s) }));
  const element = fc.oneof(single, range, stepRange, stepFrom);
  const list = fc.array(element, { minLength: 2, maxLength: 3 }).map((els) => ({
    text: els.map((e) => e.text).join(','),
    values: els.flatMap((e) => e.values),
  }));
  const starStep = fc
    .integer({ min: 1, max: stepHi - min + 1 })
    .map((s) => ({ text: s === 1 ? '*' : `*/${s}`, values: span(min, stepHi, s) }));
  const choices = [
    { arbitrary: starStep, weight: 3 },
    { arbitrary: element, weight: 4 },
    { arbitrary: list, weight: 2 },
  ];
  if (opts.question === true) {
    choices.push({
      arbitrary: fc.constant({ text: '?', values: span(min, stepHi, 1) }),
      weight: 1,
    });
  }
  return fc.oneof(...choices).map((f) => ({
    text: f.text,
    values: new Set(f.values.map((v) => (opts.dow === true && v === 7 ? 0 : v))),
  }));
}

const anyDay = fc.constant<Field>({ text: '*', values: new Set(span(1, 31, 1)) });
const anyMonth = fc.constant<Field>({ text: '*', values: new Set(span(1, 12, 1)) });
const anyDow = fc.constant<Field>({ text: '*', values: new Set(span(0, 6, 1)) });
// Hours around typical transition times (00:00–04:00 local) make DST cases frequent.
const nightHours = fc
  .tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 2 }))
  .map(([a, len]) => ({
    text: len === 0 ? `${a}` : `${a}-${a + len}`,
    values: new Set(span(a, a + len, 1)),
  }));

function exprArb(withSeconds: boolean): fc.Arbitrary<Expr> {
  return fc
    .record({
      seconds: withSeconds ? fieldArb(0, 59).map((f) => f as Field | null) : fc.constant(null),
      minutes: fieldArb(0, 59),
      hours: fc.oneof(
        { arbitrary: fieldArb(0, 23), weight: 2 },
        { arbitrary: nightHours, weight: 3 },
      ),
      dom: fc.oneof(
        { arbitrary: anyDay, weight: 5 },
        { arbitrary: fieldArb(1, 31, { question: true }), weight: 1 },
      ),
      months: fc.oneof(
        { arbitrary: anyMonth, weight: 5 },
        { arbitrary: fieldArb(1, 12, { names: MONTHS, nameBase: 1 }), weight: 1 },
      ),
      dow: fc.oneof(
        { arbitrary: anyDow, weight: 4 },
        { arbitrary: fieldArb(0, 6, { names: DAYS, question: true, dow: true }), weight: 2 },
      ),
    })
    .map((r) => ({
      text: [r.seconds?.text, r.minutes.text, r.hours.text, r.dom.text, r.months.text, r.dow.text]
        .filter((t) => t !== undefined)
        .join(' '),
      seconds: r.seconds?.values ?? null,
      minutes: r.minutes.values,
      hours: r.hours.values,
      dom: r.dom,
      months: r.months.values,
      dow: r.dow,
      fixed: !r.minutes.text.startsWith('*') && !r.hours.text.startsWith('*'),
    }));
}

interface Matcher {
  seconds: boolean[];
  minutes: boolean[];
  hours: boolean[];
  months: boolean[];
  dom: boolean[];
  dow: boolean[];
  domStar: boolean;
  dowStar: boolean;
}

function table(values: Iterable<number>): boolean[] {
  const t = new Array<boolean>(64).fill(false);
  for (const v of values) t[v] = true;
  return t;
}

function matcherOf(e: Expr): Matcher {
  return {
    seconds: table(e.seconds ?? [0]),
    minutes: table(e.minutes),
    hours: table(e.hours),
    months: table(e.months),
    dom: table(e.dom.values),
    dow: table(e.dow.values),
    domStar: e.dom.text === '*' || e.dom.text === '?',
    dowStar: e.dow.text === '*' || e.dow.text === '?',
  };
}

/** Does a local wall-clock time (ms on the local calendar) match? Vixie day rule. */
function matchesLocal(m: Matcher, local: number): boolean {
  if (m.seconds[Math.floor(local / 1000) % 60] !== true) return false;
  if (m.minutes[Math.floor(local / MIN) % 60] !== true) return false;
  if (m.hours[Math.floor(local / HOUR) % 24] !== true) return false;
  const d = new Date(local);
  if (m.months[d.getUTCMonth() + 1] !== true) return false;
  const domOk = m.dom[d.getUTCDate()] === true;
  const dowOk = m.dow[d.getUTCDay()] === true;
  if (m.domStar && m.dowStar) return true;
  if (m.domStar) return dowOk;
  if (m.dowStar) return domOk;
  return domOk || dowOk;
}

/**
 * Brute force: fire instants in (from, to], walking real time from `from − context` in steps of a
 * minute (a second with a seconds field).
 */
function reference(e: Expr, zone: string, from: number, to: number, context: number): number[] {
  const step = e.seconds === null ? MIN : 1000;
  const m = matcherOf(e);
  const out: number[] = [];
  let t = Math.floor((from - context) / step) * step;
  let prevLocal = t + offsetAt(zone, t);
  let highWater = prevLocal;
  for (t += step; t <= to; t += step) {
    const local = t + offsetAt(zone, t);
    let fire: boolean;
    if (e.fixed) {
      let gap = false;
      for (let l = prevLocal + step; l < local && !gap; l += step) gap = matchesLocal(m, l);
      fire = gap || (local > highWater && matchesLocal(m, local));
    } else {
      fire = matchesLocal(m, local);
    }
    if (fire && t > from) out.push(t);
    prevLocal = local;
    highWater = Math.max(highWater, local);
  }
  return out;
}

/** No day can ever match: every allowed month is too short for every allowed day-of-month. */
function neverFires(e: Expr): boolean {
  const domStar = e.dom.text === '*' || e.dom.text === '?';
  const dowStar = e.dow.text === '*' || e.dow.text === '?';
  if (domStar || !dowStar) return false;
  const maxDays = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  const minDom = Math.min(...e.dom.values);
  return [...e.months].every((m) => minDom > maxDays[m]);
}

const zoneArb = fc.constantFrom(...ZONES);

/** A start instant: near one of the zone's transitions (mostly) or anywhere in 2026–2028. */
function startArb(zone: string): fc.Arbitrary<number> {
  const tr = TRANSITIONS.get(zone) ?? [];
  const anywhere = fc.integer({ min: RANGE_START, max: RANGE_END - 4 * DAY });
  if (tr.length === 0) return anywhere;
  const near = fc
    .tuple(
      fc.constantFrom(...tr),
      fc.integer({ min: -26 * 60, max: 2 * 60 }),
      fc.integer({ min: 0, max: 59_999 }),
    )
    .map(([t, minutes, ms]) => t + minutes * MIN + ms);
  return fc.oneof({ arbitrary: near, weight: 4 }, { arbitrary: anywhere, weight: 1 });
}

const caseArb = (withSeconds: boolean): fc.Arbitrary<{ e: Expr; zone: string; start: number }> =>
  zoneArb.chain((zone) =>
    fc.record({ e: exprArb(withSeconds), zone: fc.constant(zone), start: startArb(zone) }),
  );

function compare(e: Expr, zone: string, start: number, window: number, context: number): void {
  let schedule;
  try {
    schedule = parseSchedule(cronSpec(e.text, zone), { now: new Date(start) });
  } catch (err) {
    if (err instanceof ScheduleError && neverFires(e)) return;
    throw err;
  }
  expect(neverFires(e)).toBe(false);
  const from = new Date(start);
  const to = new Date(start + window);
  const expected = reference(e, zone, start, start + window, context);
  const got = schedule.slotsAfter(from, to, from, 100_000).map((d) => d.getTime());
  expect({ expr: e.text, zone, start: from.toISOString(), fires: got }).toEqual({
    expr: e.text,
    zone,
    start: from.toISOString(),
    fires: expected,
  });
  const k = Math.min(expected.length, 5);
  const next = schedule.nextTimes(from, k, from).map((d) => d.getTime());
  expect(next).toEqual(expected.slice(0, k));
  // [from, to) is (from − 1 ms, to − 1 ms]
  const inRange = schedule.slotsInRange(
    new Date(start + 1),
    new Date(start + window + 1),
    from,
    100_000,
  );
  expect(inRange.map((d) => d.getTime())).toEqual(expected);
}

describe('cron search vs brute-force reference', () => {
  it('reference offsets only change at quarter hours', () => {
    for (const [zone, list] of TRANSITIONS) {
      for (const t of list) {
        expect(intlOffset(zone, t - 1000)).toBe(intlOffset(zone, t - 15 * MIN));
        expect(intlOffset(zone, t)).toBe(intlOffset(zone, t + 15 * MIN - 1000));
      }
    }
    expect(TRANSITIONS.get('America/New_York')).toHaveLength(6);
    expect(TRANSITIONS.get('Asia/Kolkata')).toHaveLength(0);
  });

  it('5-field expressions over a 30-hour window', () => {
    fc.assert(
      fc.property(caseArb(false), ({ e, zone, start }) =>
        compare(e, zone, start, 30 * HOUR, 3 * HOUR),
      ),
      { numRuns: 1500 },
    );
  });

  it('6-field expressions (seconds) over a 3-hour window', () => {
    fc.assert(
      fc.property(caseArb(true), ({ e, zone, start }) =>
        compare(e, zone, start, 3 * HOUR, 2 * HOUR),
      ),
      { numRuns: 150 },
    );
  });

  it('next() agrees with slotsAfter and is strictly increasing over long spans', () => {
    fc.assert(
      fc.property(caseArb(false), ({ e, zone, start }) => {
        let schedule;
        try {
          schedule = parseSchedule(cronSpec(e.text, zone), { now: new Date(start) });
        } catch {
          return;
        }
        const from = new Date(start);
        const times = schedule.nextTimes(from, 50, from);
        for (let i = 1; i < times.length; i++)
          expect(times[i].getTime()).toBeGreaterThan(times[i - 1].getTime());
        if (times.length > 0) {
          const last = times[times.length - 1];
          expect(schedule.slotsAfter(from, last, from, 1000)).toEqual(times);
          expect(schedule.next(new Date(times[0].getTime() - 1), from)).toEqual(times[0]);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('rates vs grid arithmetic', () => {
  const unitMs: Record<string, number> = { MINUTE: MIN, HOUR, DAY };
  it('every fire is on the grid, gaps are exact, nothing before startTime', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2000 }),
        fc.constantFrom('MINUTE', 'HOUR', 'DAY'),
        fc.option(fc.integer({ min: RANGE_START, max: RANGE_END }), { nil: null }),
        fc.integer({ min: RANGE_START, max: RANGE_END }),
        fc.integer({ min: RANGE_START, max: RANGE_END }),
        (value, unit, startTime, anchorMs, afterMs) => {
          const period = value * unitMs[unit];
          const s = parseSchedule(
            rateSpec(value, unit, startTime === null ? null : new Date(startTime).toISOString()),
          );
          const anchor = new Date(anchorMs);
          const origin = startTime ?? Math.floor(anchorMs / 1000) * 1000;
          const times = s.nextTimes(new Date(afterMs), 20, anchor).map((d) => d.getTime());
          expect(times).toHaveLength(20);
          expect(times[0]).toBeGreaterThan(afterMs);
          if (startTime !== null && afterMs < startTime) expect(times[0]).toBe(startTime);
          else expect(times[0] - period).toBeLessThanOrEqual(afterMs);
          for (let i = 0; i < times.length; i++) {
            expect(Math.abs((times[i] - origin) % period)).toBe(0);
            if (startTime !== null) expect(times[i]).toBeGreaterThanOrEqual(startTime);
            if (i > 0) expect(times[i] - times[i - 1]).toBe(period);
          }
          const window = s.slotsInRange(new Date(times[0]), new Date(times[19]), anchor, 1000);
          expect(window.map((d) => d.getTime())).toEqual(times.slice(0, 19));
          const after = s.slotsAfter(new Date(times[0]), new Date(times[19]), anchor, 1000);
          expect(after.map((d) => d.getTime())).toEqual(times.slice(1));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('@every is a grid on the anchor truncated to the second', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: RANGE_START, max: RANGE_END }),
        fc.integer({ min: RANGE_START, max: RANGE_END }),
        (seconds, anchorMs, afterMs) => {
          const s = parseSchedule(cronSpec(`@every ${seconds}s`), { now: new Date(afterMs) });
          const origin = Math.floor(anchorMs / 1000) * 1000;
          const times = s
            .nextTimes(new Date(afterMs), 5, new Date(anchorMs))
            .map((d) => d.getTime());
          expect(times[0]).toBeGreaterThan(afterMs);
          expect(times[0] - seconds * 1000).toBeLessThanOrEqual(afterMs);
          for (const t of times) expect(Math.abs((t - origin) % (seconds * 1000))).toBe(0);
        },
      ),
      { numRuns: 500 },
    );
  });
});
