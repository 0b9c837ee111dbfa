import {
  checkDeployable,
  isOneTime,
  jitterOffsetMs,
  jitteredMs,
  parseSchedule,
  ScheduleError,
  shortestGapMs,
  type AutomationSpecLike,
} from '.';

const T0 = Date.parse('2030-01-01T00:00:00Z');
const hourly: AutomationSpecLike = {
  type: 'SCHEDULE',
  schedule: { cron: { expression: '0 * * * *', timezone: 'UTC' } },
};

function errorOf(fn: () => unknown): ScheduleError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ScheduleError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('one-time schedules (schedule.at)', () => {
  const at: AutomationSpecLike = {
    type: 'SCHEDULE',
    schedule: { at: '2030-01-01T12:30:00+02:00' },
  };

  it('fires once, at its instant, whatever the anchor', () => {
    const s = parseSchedule(at);
    expect(s.kind).toBe('AT');
    expect(isOneTime(s)).toBe(true);
    expect(s.next(new Date(T0), new Date(0))?.toISOString()).toBe('2030-01-01T10:30:00.000Z');
    expect(s.nextTimes(new Date(T0), 5, new Date(0)).map((d) => d.toISOString())).toEqual([
      '2030-01-01T10:30:00.000Z',
    ]);
    expect(s.next(new Date(Date.parse('2030-01-01T10:30:00Z')), new Date(0))).toBeNull();
    expect(s.slotsInRange(new Date(T0), new Date(T0 + 86_400_000), new Date(0), 10)).toHaveLength(
      1,
    );
  });

  it('is exactly one of cron, rate and at; a malformed instant is VALIDATION_FAILED', () => {
    const both = errorOf(() =>
      parseSchedule({
        type: 'SCHEDULE',
        schedule: { at: '2030-01-01T00:00:00Z', cron: { expression: '* * * * *' } },
      }),
    );
    expect([both.code, both.field]).toEqual(['VALIDATION_FAILED', 'automationSpec.schedule']);
    const bad = errorOf(() => parseSchedule({ type: 'SCHEDULE', schedule: { at: '2030-01-01' } }));
    expect([bad.code, bad.field]).toEqual(['VALIDATION_FAILED', 'automationSpec.schedule.at']);
  });

  it('in the past is INVALID_SCHEDULE at deploy', () => {
    const e = errorOf(() =>
      checkDeployable(at, { now: new Date(Date.parse('2031-01-01T00:00:00Z')) }),
    );
    expect([e.code, e.field]).toEqual(['INVALID_SCHEDULE', 'automationSpec.schedule.at']);
    expect(() => checkDeployable(at, { now: new Date(T0) })).not.toThrow();
  });
});

describe('active windows (policies.activeFrom, activeUntil)', () => {
  const windowed = (activeFrom?: string, activeUntil?: string): AutomationSpecLike => ({
    ...hourly,
    policies: { activeFrom, activeUntil },
  });

  it('keeps the fire times t with from <= t < until, in every enumeration', () => {
    const s = parseSchedule(windowed('2030-01-01T02:00:00Z', '2030-01-01T05:00:00Z'));
    const all = s.nextTimes(new Date(T0 - 1), 10, new Date(0)).map((d) => d.toISOString());
    expect(all).toEqual([
      '2030-01-01T02:00:00.000Z',
      '2030-01-01T03:00:00.000Z',
      '2030-01-01T04:00:00.000Z',
    ]);
    expect(s.next(new Date(Date.parse('2030-01-01T04:00:00Z')), new Date(0))).toBeNull();
    expect(s.slotsAfter(new Date(T0), new Date(T0 + 86_400_000), new Date(0), 100)).toHaveLength(3);
    expect(
      s.slotsInRange(new Date(T0), new Date(T0 + 3 * 3_600_000), new Date(0), 100),
    ).toHaveLength(1);
    expect(s.key).toContain('|window|2030-01-01T02:00:00.000Z|2030-01-01T05:00:00.000Z');
  });

  it('may be open on either side', () => {
    const from = parseSchedule(windowed('2030-01-01T02:00:00Z'));
    expect(from.next(new Date(T0), new Date(0))?.toISOString()).toBe('2030-01-01T02:00:00.000Z');
    const until = parseSchedule(windowed(undefined, '2030-01-01T02:00:00Z'));
    expect(until.nextTimes(new Date(T0 - 1), 10, new Date(0))).toHaveLength(2);
  });

  it('refuses activeUntil at or before activeFrom (INVALID_SCHEDULE) and malformed bounds', () => {
    const e = errorOf(() =>
      parseSchedule(windowed('2030-01-02T00:00:00Z', '2030-01-02T00:00:00Z')),
    );
    expect([e.code, e.field]).toEqual(['INVALID_SCHEDULE', 'automationSpec.policies.activeUntil']);
    const bad = errorOf(() => parseSchedule(windowed('soon')));
    expect([bad.code, bad.field]).toEqual([
      'VALIDATION_FAILED',
      'automationSpec.policies.activeFrom',
    ]);
  });

  it('applies to rates anchored on the effective time too', () => {
    const s = parseSchedule({
      type: 'SCHEDULE',
      schedule: { rate: { value: 30, unit: 'MINUTE' } },
      policies: { activeFrom: '2030-01-01T01:00:00Z' },
    });
    expect(s.next(new Date(T0), new Date(T0 + 10 * 60_000))?.toISOString()).toBe(
      '2030-01-01T01:10:00.000Z',
    );
  });
});

describe('jitter', () => {
  it('is deterministic, in [0, jitter), and spread', () => {
    const offsets = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const o = jitterOffsetMs('seed', T0 + i * 1000, 30_000);
      expect(o).toBe(jitterOffsetMs('seed', T0 + i * 1000, 30_000));
      expect(o >= 0 && o < 30_000 && Number.isInteger(o)).toBe(true);
      offsets.add(Math.floor(o / 3_000));
    }
    expect(offsets.size).toBe(10); // every tenth of the range is hit
    expect(jitterOffsetMs('other', T0, 30_000)).not.toBe(jitterOffsetMs('seed', T0, 30_000));
    expect(jitteredMs('seed', T0, 0)).toBe(T0);
    expect(jitterOffsetMs('seed', T0, 1)).toBe(0);
  });

  it('must be below the shortest gap between fire times (INVALID_SCHEDULE)', () => {
    const weekdays: AutomationSpecLike = {
      type: 'SCHEDULE',
      schedule: { cron: { expression: '0 9,17 * * 1-5', timezone: 'UTC' } },
    };
    expect(shortestGapMs(parseSchedule(weekdays), new Date(T0), new Date(T0))).toBe(8 * 3_600_000);
    const now = { now: new Date(T0) };
    expect(() =>
      checkDeployable({ ...weekdays, policies: { jitter: '7h59m' } }, now),
    ).not.toThrow();
    const e = errorOf(() => checkDeployable({ ...weekdays, policies: { jitter: '8h' } }, now));
    expect([e.code, e.field]).toEqual(['INVALID_SCHEDULE', 'automationSpec.policies.jitter']);
    const rate: AutomationSpecLike = {
      type: 'SCHEDULE',
      schedule: { rate: { value: 5, unit: 'MINUTE' } },
      policies: { jitter: '5m' },
    };
    expect(errorOf(() => checkDeployable(rate, now)).field).toBe('automationSpec.policies.jitter');
    // a one-time schedule has no gap: any jitter
    const once: AutomationSpecLike = {
      type: 'SCHEDULE',
      schedule: { at: '2030-06-01T00:00:00Z' },
      policies: { jitter: '1h' },
    };
    expect(() => checkDeployable(once, now)).not.toThrow();
  });
});
