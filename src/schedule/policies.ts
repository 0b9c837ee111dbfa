import { AtSchedule } from './at-schedule';
import { parseGoDuration } from './duration';
import { FIELD, contentError, malformed } from './errors';
import { shortestGapMs } from './jitter';
import { validateAutomationSpec } from './parse';
import { parseScheduleCached } from './schedule-cache';
import type { AutomationSpecLike, ParseOptions, Schedule } from './types';
import { WindowedSchedule } from './window';

/** The jitter of a spec in ms (0: none); a malformed duration is VALIDATION_FAILED. */
export function jitterMsOf(spec: AutomationSpecLike): number {
  const text = spec.policies?.jitter;
  if (text === undefined || text === null || text === '') return 0;
  const ms = typeof text === 'string' ? parseGoDuration(text) : null;
  if (ms === null) throw malformed(FIELD.jitter, `${FIELD.jitter} must be a duration such as 30s`);
  return ms;
}

function atOf(schedule: Schedule): AtSchedule | null {
  if (schedule instanceof AtSchedule) return schedule;
  if (schedule instanceof WindowedSchedule) return atOf(schedule.inner);
  return null;
}

/** True for a one-time schedule (`schedule.at`), windowed or not. */
export function isOneTime(schedule: Schedule): boolean {
  return atOf(schedule) !== null;
}

/**
 * The content checks that depend on "now" or on the schedule as a whole, made when a spec is
 * deployed or previewed (INVALID_SCHEDULE): a one-time `at` must lie in the future, and `jitter`
 * must be below the schedule's shortest gap between fire times (docs/policies.md).
 */
export function checkScheduleContent(
  spec: AutomationSpecLike,
  schedule: Schedule,
  options: ParseOptions & { now: Date },
): void {
  const at = atOf(schedule);
  if (at !== null && at.atMs <= options.now.getTime()) {
    throw contentError(FIELD.at, `at ${new Date(at.atMs).toISOString()} is in the past`, options);
  }
  const jitter = jitterMsOf(spec);
  if (jitter === 0) return;
  const gap = shortestGapMs(schedule, options.now, options.now);
  if (gap !== null && jitter >= gap) {
    throw contentError(
      FIELD.jitter,
      `jitter ${spec.policies?.jitter} is not below the schedule's shortest gap of ${gap / 1000}s`,
      options,
    );
  }
}

/**
 * Every check a deploy makes of an automation spec (structure, schedule content, and the checks
 * above), with the parser the scheduler uses; a NONE spec without a schedule is valid.
 */
export function checkDeployable(
  spec: AutomationSpecLike,
  options: ParseOptions & { now: Date },
): void {
  if (spec.type !== 'SCHEDULE') {
    validateAutomationSpec(spec, options);
    return;
  }
  checkScheduleContent(spec, parseScheduleCached(spec, options), options);
}
