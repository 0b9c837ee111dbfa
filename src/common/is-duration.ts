import { ValidateBy, ValidationOptions, buildMessage } from 'class-validator';
import { parseGoDuration } from '../schedule/duration';

/**
 * A duration as Go and Cloud Scheduler write it (`30s`, `1m`, `1h30m`, `500ms`, `0`), units h,
 * m, s, ms only (PostgreSQL's interval reads those exactly alike), from minMs to maxMs.
 */
export const DURATION_PATTERN = /^(0|(\d+(\.\d+)?(h|ms|m|s))+)$/;

export function durationMs(value: string): number | null {
  return DURATION_PATTERN.test(value) ? parseGoDuration(value) : null;
}

function label(ms: number): string {
  if (ms === 0) return '0s';
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

export function IsDuration(
  minMs: number,
  maxMs: number,
  options?: ValidationOptions,
): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isDuration',
      constraints: [minMs, maxMs],
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string') return false;
          const ms = durationMs(value);
          return ms !== null && ms >= minMs && ms <= maxMs;
        },
        defaultMessage: buildMessage(
          (each) =>
            `${each}$property must be a duration such as 30s, 5m or 1h30m, from ${label(minMs)} to ${label(maxMs)}`,
          options,
        ),
      },
    },
    options,
  );
}
