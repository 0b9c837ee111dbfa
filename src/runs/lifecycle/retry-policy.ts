import { parseGoDuration } from '../../schedule/duration';

/** `spec.retryConfig` resolved to numbers (Cloud Scheduler's names; docs/delivery.md "Retries"). */
export interface RetryPolicy {
  retryCount: number;
  minBackoffMs: number;
  maxBackoffMs: number;
  maxDoublings: number;
  /** 0: unlimited */
  maxRetryDurationMs: number;
}

export const DEFAULT_RETRY = {
  retryCount: 3,
  minBackoffDuration: '5s',
  maxBackoffDuration: '1h',
  maxDoublings: 5,
  maxRetryDuration: '0s',
} as const;

/** The stored form: any field may be missing (then the default applies). */
export interface StoredRetryConfig {
  retryCount?: number;
  minBackoffDuration?: string;
  maxBackoffDuration?: string;
  maxDoublings?: number;
  maxRetryDuration?: string;
}

function durationOr(value: unknown, fallback: string): number {
  const ms = typeof value === 'string' ? parseGoDuration(value) : null;
  return ms ?? (parseGoDuration(fallback) as number);
}

function intOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : fallback;
}

/** The retry config with every default applied (the form responses show). */
export function withRetryDefaults(stored: unknown): Required<StoredRetryConfig> {
  const s = (stored !== null && typeof stored === 'object' ? stored : {}) as StoredRetryConfig;
  return {
    retryCount: intOr(s.retryCount, DEFAULT_RETRY.retryCount),
    minBackoffDuration: s.minBackoffDuration ?? DEFAULT_RETRY.minBackoffDuration,
    maxBackoffDuration: s.maxBackoffDuration ?? DEFAULT_RETRY.maxBackoffDuration,
    maxDoublings: intOr(s.maxDoublings, DEFAULT_RETRY.maxDoublings),
    maxRetryDuration: s.maxRetryDuration ?? DEFAULT_RETRY.maxRetryDuration,
  };
}

/** Parses a stored retry config (validated at deploy); anything unreadable takes its default. */
export function resolveRetryPolicy(stored: unknown): RetryPolicy {
  const c = withRetryDefaults(stored);
  return {
    retryCount: c.retryCount,
    minBackoffMs: durationOr(c.minBackoffDuration, DEFAULT_RETRY.minBackoffDuration),
    maxBackoffMs: durationOr(c.maxBackoffDuration, DEFAULT_RETRY.maxBackoffDuration),
    maxDoublings: c.maxDoublings,
    maxRetryDurationMs: durationOr(c.maxRetryDuration, DEFAULT_RETRY.maxRetryDuration),
  };
}

/** The cap of the n-th retry's wait (n ≥ 1): min(maxBackoff, minBackoff × 2^min(n−1, maxDoublings)). */
export function backoffCapMs(policy: RetryPolicy, n: number): number {
  const doublings = Math.min(Math.max(0, n - 1), policy.maxDoublings);
  return Math.min(policy.maxBackoffMs, policy.minBackoffMs * 2 ** doublings);
}

/** The n-th retry's wait with full jitter: uniform in [0, cap]; `random` returns [0, 1). */
export function backoffMs(policy: RetryPolicy, n: number, random: () => number): number {
  return Math.floor(random() * (backoffCapMs(policy, n) + 1));
}
