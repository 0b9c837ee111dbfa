import { Logger } from '@nestjs/common';
import { parseScheduleCached, type AutomationSpecLike } from '../schedule';

const logger = new Logger('NextFire');

/**
 * The next fire time strictly after `now` of an automation spec anchored on `effectiveAt`
 * (docs/scheduler.md), or null when it has no schedule. A stored spec that no longer parses (the rules
 * tightened since it was deployed) has no next fire time rather than failing the read.
 */
export function nextFireAt(
  automationSpec: Record<string, unknown>,
  effectiveAt: Date,
  now: Date,
): Date | null {
  if (automationSpec.type !== 'SCHEDULE') return null;
  try {
    return parseScheduleCached(automationSpec as unknown as AutomationSpecLike, { now }).next(
      now,
      effectiveAt,
    );
  } catch (e) {
    logger.warn(`stored automation spec does not parse: ${(e as Error).message}`);
    return null;
  }
}
