import { jitterMsOf, jitteredMs, type AutomationSpecLike } from '../schedule';
import { parseGoDuration } from '../schedule/duration';
import { jitterSeed } from '../runs/run-jitter';
import type { TriggerName } from '../triggers/trigger-events';

export type MisfirePolicy = 'FIRE_ALL' | 'FIRE_LATEST' | 'SKIP';
export type MisfireSkip = 'MISFIRE' | 'MISSED_CATCHUP_WINDOW';

/** What the scheduler needs of a trigger's policies to plan its slots (docs/policies.md). */
export interface SlotPolicies {
  misfirePolicy: MisfirePolicy;
  /** null: unlimited */
  catchupWindowMs: number | null;
  jitterMs: number;
  /** the jitter's seed: the trigger's name */
  seed: string;
  /**
   * Nothing of the trigger's but the slot decides its run: overlap policy ALLOW_ALL, no run limit
   * (maxRuns), not a one-time schedule (`at`). Its slots may use the plain fire statement
   * (docs/scheduler.md "The fire statement").
   */
  plain: boolean;
}

function record(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : {};
}

/** A stored automation spec's slot policies (deploy validated them; odd values read as absent). */
export function slotPoliciesOf(name: TriggerName, automationSpec: unknown): SlotPolicies {
  const p = record(record(automationSpec).policies);
  const schedule = record(record(automationSpec).schedule);
  const misfire = p.misfirePolicy;
  const window = typeof p.catchupWindow === 'string' ? parseGoDuration(p.catchupWindow) : null;
  let jitterMs: number;
  try {
    jitterMs = jitterMsOf(automationSpec as AutomationSpecLike);
  } catch {
    jitterMs = 0;
  }
  return {
    misfirePolicy: misfire === 'FIRE_LATEST' || misfire === 'SKIP' ? misfire : 'FIRE_ALL',
    catchupWindowMs: window !== null && window > 0 ? window : null,
    jitterMs,
    seed: jitterSeed(name),
    // as the fire statement reads them: overlapPolicy and maxRuns JSON null count as absent
    plain:
      (p.overlapPolicy ?? 'ALLOW_ALL') === 'ALLOW_ALL' &&
      (p.maxRuns ?? null) === null &&
      !Object.prototype.hasOwnProperty.call(schedule, 'at'),
  };
}

/** notBefore of a slot: the slot plus its deterministic jitter (null: no jitter). */
export function notBeforeOf(p: SlotPolicies, atMs: number): Date | null {
  return p.jitterMs > 0 ? new Date(jitteredMs(p.seed, atMs, p.jitterMs)) : null;
}

/**
 * Whether a slot is recorded SKIPPED instead of run (docs/policies.md "Missed slots"). A slot is
 * missed when it is fired more than `thresholdMs` after its time. A slot fired more than the
 * catch-up window late is MISSED_CATCHUP_WINDOW (whatever the threshold); else SKIP skips every missed slot, FIRE_LATEST every
 * one but the latest (the one whose next slot `nextMs` is not missed), FIRE_ALL none.
 */
export function misfireSkip(
  p: SlotPolicies,
  atMs: number,
  nextMs: number,
  nowMs: number,
  thresholdMs: number,
): MisfireSkip | null {
  if (p.catchupWindowMs !== null && nowMs - atMs > p.catchupWindowMs) {
    return 'MISSED_CATCHUP_WINDOW';
  }
  if (nowMs - atMs <= thresholdMs) return null;
  switch (p.misfirePolicy) {
    case 'FIRE_ALL':
      return null;
    case 'SKIP':
      return 'MISFIRE';
    case 'FIRE_LATEST':
      return nowMs - nextMs > thresholdMs ? 'MISFIRE' : null;
  }
}
