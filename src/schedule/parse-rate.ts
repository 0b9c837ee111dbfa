import { MS_PER_DAY } from './civil';
import { FIELD, malformed, rateError } from './errors';
import { GridSchedule } from './grid-schedule';
import { readIsoInstant } from './iso-instant';
import { EIGHT_YEARS_MS } from './limits';
import { present, type RateSpec } from './shape';
import type { ParseOptions, Schedule } from './types';

const UNIT_MS: Readonly<Record<string, number>> = {
  MINUTE: 60_000,
  HOUR: 3_600_000,
  DAY: MS_PER_DAY,
};

/** The start of the grid, or null; a malformed or out-of-range date is VALIDATION_FAILED. */
function startOf(rate: RateSpec, options: ParseOptions | undefined): number | null {
  if (!present(rate.startTime) || rate.startTime === '') return null;
  const text = rate.startTime as string;
  const read = readIsoInstant(text);
  if (!read.ok) throw malformed(FIELD.rateStartTime, `${FIELD.rateStartTime} ${read.reason}`);
  const now = options?.now?.getTime() ?? Date.now(); // the one clock read: callers pass `now`
  if (read.ms - now > EIGHT_YEARS_MS) {
    // Its first fire would lie beyond the 8-year horizon (docs/scheduler.md "Limits").
    throw rateError(
      FIELD.rateStartTime,
      `startTime ${text} is more than 8 years ahead (it would not fire within 8 years)`,
      options,
    );
  }
  return read.ms;
}

/** A rate (docs/scheduler.md "Rates"): value × MINUTE/HOUR/DAY in real time, on startTime's grid. */
export function parseRate(rate: RateSpec, options: ParseOptions | undefined): Schedule {
  const { value, unit } = rate;
  if (!Number.isInteger(value) || value < 1) {
    throw rateError(
      FIELD.rateValue,
      `value must be an integer ≥ 1 (got ${String(value)})`,
      options,
    );
  }
  const unitMs = Object.prototype.hasOwnProperty.call(UNIT_MS, unit) ? UNIT_MS[unit] : undefined;
  if (unitMs === undefined) {
    throw rateError(
      FIELD.rateUnit,
      `unit must be MINUTE, HOUR or DAY (got ${JSON.stringify(unit)})`,
      options,
    );
  }
  const periodMs = value * unitMs;
  if (periodMs > EIGHT_YEARS_MS) {
    throw rateError(FIELD.rateValue, `a period of ${value} ${unit} is over 8 years`, options);
  }
  const startMs = startOf(rate, options);
  const anchorKey = startMs === null ? 'anchor' : new Date(startMs).toISOString();
  return new GridSchedule(`rate|${periodMs}|${anchorKey}`, 'RATE', periodMs, startMs);
}
