import { backoffMs, type RetryPolicy } from './retry-policy';
import type { AttemptOutcome, RunError, RunState } from './run-state';

/** How an attempt ended, as its worker (or the sweeper) reports it. */
export type AttemptEnd =
  | { kind: 'COMPLETE'; result: unknown }
  | { kind: 'FAIL'; error: RunError; retryable: boolean; retryAfterMs: number | null }
  | { kind: 'RELEASE' }
  | { kind: 'LEASE_EXPIRED' };

/** What the decision needs to know about the run whose attempt ends. */
export interface RunAtAttemptEnd {
  /** failed attempts before this one (released attempts do not count) */
  failures: number;
  /** the first lease (maxRetryDuration counts from it) */
  startedAt: Date | null;
  cancelRequested: boolean;
  retry: RetryPolicy;
}

/** The run after the attempt: one guarded statement applies it (see RunStateRepository). */
export interface AttemptTransition {
  state: Extract<RunState, 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED'>;
  outcome: AttemptOutcome;
  /** the attempt's own error (null unless it failed or its lease expired) */
  attemptError: RunError | null;
  /** the run's error after the attempt (the last failed attempt's, unchanged otherwise) */
  runError: RunError | null | 'KEEP';
  result: unknown;
  /** when PENDING again: the earliest time it may be handed out */
  notBefore: Date | null;
  /** failed attempts after this one */
  failures: number;
}

export const LEASE_EXPIRED_ERROR: RunError = {
  message: 'the lease expired before the attempt ended',
  type: 'LEASE_EXPIRED',
};

export const EXPIRED_ERROR_TYPE = 'EXPIRED';

/**
 * The state machine of an attempt's end (docs/delivery.md "Retries", "Cancel"): pure, so it is
 * tested with a fake clock and a fixed random source.
 * - COMPLETE → SUCCEEDED (even with a cancel requested: the work was done).
 * - a cancel requested → CANCELLED for every other end.
 * - FAIL with retryable false → FAILED; RELEASE → PENDING now, not counted as a failure.
 * - FAIL and LEASE_EXPIRED count as failures: PENDING after the backoff (or retryAfter) while
 *   failures ≤ retryCount and maxRetryDuration (from the first lease) is not spent; else FAILED.
 */
export function decideAttemptEnd(
  run: RunAtAttemptEnd,
  end: AttemptEnd,
  nowMs: number,
  random: () => number,
): AttemptTransition {
  const base = { result: null, notBefore: null, failures: run.failures };
  switch (end.kind) {
    case 'COMPLETE':
      return {
        ...base,
        state: 'SUCCEEDED',
        outcome: 'SUCCEEDED',
        attemptError: null,
        runError: 'KEEP',
        result: end.result ?? null,
      };
    case 'RELEASE':
      return run.cancelRequested
        ? { ...base, state: 'CANCELLED', outcome: 'RELEASED', attemptError: null, runError: 'KEEP' }
        : {
            ...base,
            state: 'PENDING',
            outcome: 'RELEASED',
            attemptError: null,
            runError: 'KEEP',
            notBefore: new Date(nowMs),
          };
    case 'FAIL':
    case 'LEASE_EXPIRED': {
      const error = end.kind === 'FAIL' ? end.error : LEASE_EXPIRED_ERROR;
      const outcome: AttemptOutcome = end.kind === 'FAIL' ? 'FAILED' : 'LEASE_EXPIRED';
      const failures = run.failures + 1;
      const failed = { ...base, outcome, attemptError: error, runError: error, failures };
      if (run.cancelRequested) return { ...failed, state: 'CANCELLED' };
      if (end.kind === 'FAIL' && !end.retryable) return { ...failed, state: 'FAILED' };
      if (failures > run.retry.retryCount) return { ...failed, state: 'FAILED' };
      const wait =
        end.kind === 'FAIL' && end.retryAfterMs !== null
          ? end.retryAfterMs
          : backoffMs(run.retry, failures, random);
      const limit = run.retry.maxRetryDurationMs;
      const since = run.startedAt ? run.startedAt.getTime() : nowMs;
      if (limit > 0 && nowMs + wait - since > limit) return { ...failed, state: 'FAILED' };
      return { ...failed, state: 'PENDING', notBefore: new Date(nowMs + wait) };
    }
  }
}
