import { noSchedule } from './errors';
import { parseCron } from './parse-cron';
import { parseRate } from './parse-rate';
import { checkShape } from './shape';
import type { AutomationSpecLike, ParseOptions, Schedule } from './types';

/** Parses an automation spec into a schedule, or throws a ScheduleError naming the field. */
export function parseSchedule(spec: AutomationSpecLike, options?: ParseOptions): Schedule {
  const shape = checkShape(spec);
  switch (shape.kind) {
    case 'NONE':
    case 'EVENT':
      throw noSchedule(options, shape.kind);
    case 'CRON':
      return parseCron(shape.cron, options);
    case 'RATE':
      return parseRate(shape.rate, options);
  }
}

/** Validates like parseSchedule, except that a NONE or EVENT spec (no schedule) is valid. */
export function validateAutomationSpec(spec: AutomationSpecLike, options?: ParseOptions): void {
  const kind = checkShape(spec).kind;
  if (kind === 'NONE' || kind === 'EVENT') return;
  parseSchedule(spec, options);
}
