import { jitterMsOf, jitteredMs, type AutomationSpecLike } from '../schedule';
import type { TriggerName } from '../triggers/trigger-events';

/** The seed of a saved trigger's jitter: its full name (docs/policies.md "Jitter"). */
export function jitterSeed(name: TriggerName): string {
  return JSON.stringify([name.project, name.domain, name.taskName, name.name]);
}

/**
 * notBefore of each slot of a trigger with `policies.jitter` (null without jitter): the same
 * function for the scheduler, backfill and the previews, so every one of them agrees.
 */
export function slotNotBefore(
  name: TriggerName,
  automationSpec: unknown,
): ((slot: Date) => Date) | null {
  let jitter: number;
  try {
    jitter = jitterMsOf(automationSpec as AutomationSpecLike);
  } catch {
    return null;
  }
  if (jitter <= 0) return null;
  const seed = jitterSeed(name);
  return (slot) => new Date(jitteredMs(seed, slot.getTime(), jitter));
}
