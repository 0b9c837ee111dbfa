import { createHash } from 'node:crypto';
import type { Schedule } from './types';

/** How many fire times the shortest-gap check looks at (a cron's gaps repeat well within this). */
export const GAP_SAMPLES = 1_000;

/**
 * The deterministic jitter of one slot (docs/policies.md "Jitter"): an offset in [0, jitterMs)
 * from a SHA-256 of the seed (the trigger's name, or an unsaved spec's schedule key) and the
 * slot, so every replica, every restart and the preview compute the same notBefore.
 */
export function jitterOffsetMs(seed: string, slotMs: number, jitterMs: number): number {
  if (!(jitterMs > 0)) return 0;
  const digest = createHash('sha256').update(`${seed}\u0000${slotMs}`, 'utf8').digest();
  // 48 bits: uniform enough, and exact in a double
  const unit = digest.readUIntBE(0, 6) / 2 ** 48;
  return Math.min(Math.floor(unit * jitterMs), Math.ceil(jitterMs) - 1);
}

/** notBefore of a slot with jitter: the slot plus its offset. */
export function jitteredMs(seed: string, slotMs: number, jitterMs: number): number {
  return slotMs + jitterOffsetMs(seed, slotMs, jitterMs);
}

/**
 * The shortest gap between consecutive fire times after `after` (the first GAP_SAMPLES of
 * them), or null when the schedule fires at most once there (a one-time schedule).
 */
export function shortestGapMs(schedule: Schedule, after: Date, anchor: Date): number | null {
  const times = schedule.nextTimes(after, GAP_SAMPLES, anchor);
  let gap: number | null = null;
  for (let i = 1; i < times.length; i++) {
    const d = times[i].getTime() - times[i - 1].getTime();
    if (gap === null || d < gap) gap = d;
  }
  return gap;
}
