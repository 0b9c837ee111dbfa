import { AtSchedule } from './at-schedule';
import { FIELD, contentError, malformed, noSchedule } from './errors';
import { readIsoInstant } from './iso-instant';
import { parseCron } from './parse-cron';
import { parseRate } from './parse-rate';
import { checkShape, type Shape, type WindowSpec } from './shape';
import type { AutomationSpecLike, ParseOptions, Schedule } from './types';
import { WindowedSchedule } from './window';

function instant(field: string, text: string): number {
  const read = readIsoInstant(text);
  if (!read.ok) throw malformed(field, `${field} ${read.reason}`);
  return read.ms;
}

/** Wraps `schedule` in its active window (docs/policies.md "Active window"), when it has one. */
function withWindow(
  schedule: Schedule,
  window: WindowSpec | undefined,
  options: ParseOptions | undefined,
): Schedule {
  if (!window) return schedule;
  const from = window.activeFrom === null ? null : instant(FIELD.activeFrom, window.activeFrom);
  const until = window.activeUntil === null ? null : instant(FIELD.activeUntil, window.activeUntil);
  if (from !== null && until !== null && until <= from) {
    throw contentError(FIELD.activeUntil, 'activeUntil must be after activeFrom', options);
  }
  return new WindowedSchedule(schedule, from, until);
}

function parseShape(shape: Shape, options: ParseOptions | undefined): Schedule {
  switch (shape.kind) {
    case 'NONE':
    case 'EVENT':
      throw noSchedule(options, shape.kind);
    case 'CRON':
      return withWindow(parseCron(shape.cron, options), shape.window, options);
    case 'RATE':
      return withWindow(parseRate(shape.rate, options), shape.window, options);
    case 'AT':
      return withWindow(new AtSchedule(instant(FIELD.at, shape.at)), shape.window, options);
  }
}

/** Parses an automation spec into a schedule, or throws a ScheduleError naming the field. */
export function parseSchedule(spec: AutomationSpecLike, options?: ParseOptions): Schedule {
  return parseShape(checkShape(spec), options);
}

/** Validates like parseSchedule, except that a NONE or EVENT spec (no schedule) is valid. */
export function validateAutomationSpec(spec: AutomationSpecLike, options?: ParseOptions): void {
  const kind = checkShape(spec).kind;
  if (kind === 'NONE' || kind === 'EVENT') return;
  parseSchedule(spec, options);
}
