import { decideAttemptEnd, LEASE_EXPIRED_ERROR, type RunAtAttemptEnd } from './attempt-end';
import { backoffCapMs, backoffMs, resolveRetryPolicy, withRetryDefaults } from './retry-policy';
import { isFinal } from './run-state';

/** A fake clock: time moves only when the test says so. */
class FakeClock {
  constructor(public ms = Date.parse('2026-07-01T09:00:00Z')) {}
  advance(ms: number): number {
    this.ms += ms;
    return this.ms;
  }
}

const defaults = resolveRetryPolicy({});
const run = (over: Partial<RunAtAttemptEnd> = {}): RunAtAttemptEnd => ({
  failures: 0,
  startedAt: new Date('2026-07-01T09:00:00Z'),
  cancelRequested: false,
  retry: defaults,
  ...over,
});
const top = () => 0.999999;
const bottom = () => 0;

describe('retry policy', () => {
  it("applies Cloud Scheduler's defaults", () => {
    expect(withRetryDefaults(undefined)).toEqual({
      retryCount: 3,
      minBackoffDuration: '5s',
      maxBackoffDuration: '1h',
      maxDoublings: 5,
      maxRetryDuration: '0s',
    });
    expect(defaults).toEqual({
      retryCount: 3,
      minBackoffMs: 5000,
      maxBackoffMs: 3_600_000,
      maxDoublings: 5,
      maxRetryDurationMs: 0,
    });
  });

  it('doubles up to maxDoublings, capped by maxBackoff', () => {
    const p = resolveRetryPolicy({
      minBackoffDuration: '1s',
      maxBackoffDuration: '20s',
      maxDoublings: 3,
    });
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffCapMs(p, n))).toEqual([
      1000, 2000, 4000, 8000, 8000, 8000,
    ]);
    const q = resolveRetryPolicy({ minBackoffDuration: '10s', maxBackoffDuration: '30s' });
    expect([1, 2, 3].map((n) => backoffCapMs(q, n))).toEqual([10_000, 20_000, 30_000]);
  });

  it('uses full jitter: anywhere in [0, cap]', () => {
    expect(backoffMs(defaults, 1, bottom)).toBe(0);
    expect(backoffMs(defaults, 1, top)).toBe(5000);
    expect(backoffMs(defaults, 2, () => 0.5)).toBe(5000);
  });
});

describe('attempt end state machine (fake clock)', () => {
  it('complete → SUCCEEDED with the result, even when a cancel was requested', () => {
    const clock = new FakeClock();
    const t = decideAttemptEnd(
      run({ cancelRequested: true }),
      { kind: 'COMPLETE', result: { n: 1 } },
      clock.ms,
      top,
    );
    expect(t).toMatchObject({ state: 'SUCCEEDED', outcome: 'SUCCEEDED', result: { n: 1 } });
    expect(isFinal(t.state)).toBe(true);
  });

  it('a retryable failure returns to PENDING after the backoff, then FAILED when retries are spent', () => {
    const clock = new FakeClock();
    let failures = 0;
    const waits: number[] = [];
    for (let i = 0; i < 3; i++) {
      const now = clock.advance(1000);
      const t = decideAttemptEnd(
        run({ failures }),
        { kind: 'FAIL', error: { message: 'boom' }, retryable: true, retryAfterMs: null },
        now,
        top,
      );
      expect(t.state).toBe('PENDING');
      expect(t.runError).toEqual({ message: 'boom' });
      waits.push(t.notBefore!.getTime() - now);
      failures = t.failures;
    }
    expect(waits).toEqual([5000, 10_000, 20_000]);
    const last = decideAttemptEnd(
      run({ failures }),
      { kind: 'FAIL', error: { message: 'boom', type: 'X' }, retryable: true, retryAfterMs: null },
      clock.advance(1000),
      top,
    );
    expect(last).toMatchObject({ state: 'FAILED', outcome: 'FAILED', failures: 4 });
  });

  it('retryAfter replaces the backoff; retryable false fails at once', () => {
    const clock = new FakeClock();
    const t = decideAttemptEnd(
      run(),
      { kind: 'FAIL', error: { message: 'later' }, retryable: true, retryAfterMs: 90_000 },
      clock.ms,
      top,
    );
    expect(t.notBefore!.getTime()).toBe(clock.ms + 90_000);
    const no = decideAttemptEnd(
      run(),
      { kind: 'FAIL', error: { message: 'bad input' }, retryable: false, retryAfterMs: null },
      clock.ms,
      top,
    );
    expect(no.state).toBe('FAILED');
  });

  it('retryCount 0 fails on the first failure', () => {
    const policy = resolveRetryPolicy({ retryCount: 0 });
    const t = decideAttemptEnd(run({ retry: policy }), { kind: 'LEASE_EXPIRED' }, Date.now(), top);
    expect(t).toMatchObject({
      state: 'FAILED',
      outcome: 'LEASE_EXPIRED',
      runError: LEASE_EXPIRED_ERROR,
    });
  });

  it('maxRetryDuration counts from the first lease', () => {
    const clock = new FakeClock();
    const policy = resolveRetryPolicy({ maxRetryDuration: '1m', minBackoffDuration: '10s' });
    const startedAt = new Date(clock.ms);
    const early = decideAttemptEnd(
      run({ retry: policy, startedAt }),
      { kind: 'LEASE_EXPIRED' },
      clock.advance(30_000),
      top,
    );
    expect(early.state).toBe('PENDING');
    const late = decideAttemptEnd(
      run({ retry: policy, startedAt, failures: 1 }),
      { kind: 'LEASE_EXPIRED' },
      clock.advance(25_000),
      top,
    );
    expect(late.state).toBe('FAILED');
  });

  it('release → PENDING now and does not count as a failure', () => {
    const clock = new FakeClock();
    const t = decideAttemptEnd(run({ failures: 2 }), { kind: 'RELEASE' }, clock.ms, top);
    expect(t).toMatchObject({
      state: 'PENDING',
      outcome: 'RELEASED',
      failures: 2,
      runError: 'KEEP',
    });
    expect(t.notBefore!.getTime()).toBe(clock.ms);
  });

  it('with a cancel requested, fail, release and lease expiry end CANCELLED', () => {
    const clock = new FakeClock();
    const r = run({ cancelRequested: true });
    const fail = {
      kind: 'FAIL' as const,
      error: { message: 'x' },
      retryable: true,
      retryAfterMs: null,
    };
    expect(decideAttemptEnd(r, fail, clock.ms, top)).toMatchObject({
      state: 'CANCELLED',
      outcome: 'FAILED',
    });
    expect(decideAttemptEnd(r, { kind: 'RELEASE' }, clock.ms, top)).toMatchObject({
      state: 'CANCELLED',
      outcome: 'RELEASED',
    });
    expect(decideAttemptEnd(r, { kind: 'LEASE_EXPIRED' }, clock.ms, top)).toMatchObject({
      state: 'CANCELLED',
      outcome: 'LEASE_EXPIRED',
    });
  });
});
