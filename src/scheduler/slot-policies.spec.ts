import { misfireSkip, notBeforeOf, slotPoliciesOf } from './slot-policies';

const name = { project: 'p', domain: 'd', taskName: 't', name: 'n' };
const S = 1000;
const policies = (p: Record<string, unknown>) =>
  slotPoliciesOf(name, { type: 'SCHEDULE', schedule: {}, policies: p });

describe('misfire decisions', () => {
  const now = 100 * S;
  const threshold = 10 * S;

  it('a slot within the threshold always runs', () => {
    for (const p of ['FIRE_ALL', 'FIRE_LATEST', 'SKIP']) {
      expect(
        misfireSkip(policies({ misfirePolicy: p }), now - 5 * S, now - 4 * S, now, threshold),
      ).toBeNull();
    }
  });

  it('FIRE_ALL runs every missed slot; SKIP skips every one', () => {
    expect(misfireSkip(policies({}), now - 50 * S, now - 49 * S, now, threshold)).toBeNull();
    expect(
      misfireSkip(policies({ misfirePolicy: 'SKIP' }), now - 50 * S, now - 49 * S, now, threshold),
    ).toBe('MISFIRE');
  });

  it('FIRE_LATEST runs only the missed slot whose next slot is not missed', () => {
    const p = policies({ misfirePolicy: 'FIRE_LATEST' });
    expect(misfireSkip(p, now - 50 * S, now - 49 * S, now, threshold)).toBe('MISFIRE');
    expect(misfireSkip(p, now - 11 * S, now - 10 * S, now, threshold)).toBeNull();
    expect(misfireSkip(p, now - 11 * S, Number.POSITIVE_INFINITY, now, threshold)).toBeNull();
  });

  it('catchupWindow skips what is older, whatever the policy and the threshold', () => {
    const p = policies({ catchupWindow: '3s' });
    expect(misfireSkip(p, now - 4 * S, now - 3 * S, now, threshold)).toBe('MISSED_CATCHUP_WINDOW');
    expect(misfireSkip(p, now - 2 * S, now - 1 * S, now, threshold)).toBeNull();
  });
});

describe('slot jitter', () => {
  it('is the same for the same trigger and slot, none without jitter', () => {
    const p = policies({ jitter: '30s' });
    const a = notBeforeOf(p, 60 * S)!.getTime();
    expect(notBeforeOf(policies({ jitter: '30s' }), 60 * S)!.getTime()).toBe(a);
    expect(a - 60 * S).toBeGreaterThanOrEqual(0);
    expect(a - 60 * S).toBeLessThan(30 * S);
    expect(notBeforeOf(policies({}), 60 * S)).toBeNull();
  });
});

describe('plain policies (the plain fire statement)', () => {
  it('plain: ALLOW_ALL (or none), no run limit, not one-time; the misfire, jitter and window policies do not matter', () => {
    expect(policies({}).plain).toBe(true);
    expect(policies({ overlapPolicy: 'ALLOW_ALL', maxConcurrentRuns: 3 }).plain).toBe(true);
    expect(policies({ overlapPolicy: null, maxRuns: null }).plain).toBe(true);
    expect(policies({ misfirePolicy: 'SKIP', catchupWindow: '3s', jitter: '1s' }).plain).toBe(true);
    expect(slotPoliciesOf(name, { type: 'SCHEDULE', schedule: {} }).plain).toBe(true);
  });

  it('not plain: another overlap policy, a run limit, a one-time schedule', () => {
    for (const p of ['SKIP', 'BUFFER_ONE', 'BUFFER_ALL', 'CANCEL_OTHER']) {
      expect(policies({ overlapPolicy: p }).plain).toBe(false);
    }
    expect(policies({ maxRuns: 5 }).plain).toBe(false);
    const once = { type: 'SCHEDULE', schedule: { at: '2030-01-01T00:00:00Z' }, policies: {} };
    expect(slotPoliciesOf(name, once).plain).toBe(false);
  });
});
