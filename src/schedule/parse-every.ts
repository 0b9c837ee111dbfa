import { MS_PER_SECOND } from './civil';
import { parseGoDuration } from './duration';
import { FIELD, cronError } from './errors';
import { GridSchedule } from './grid-schedule';
import { EIGHT_YEARS_MS } from './limits';
import type { ParseOptions, Schedule } from './types';

/**
 * `@every <Go duration>` (docs/scheduler.md "@every"): at least 1 s, a whole number of seconds,
 * at most 8 years; a UTC grid on the anchor. `text` is what follows `@every`, `expression` the
 * expression as sent (for messages).
 */
export function parseEvery(
  text: string,
  expression: string,
  options: ParseOptions | undefined,
): Schedule {
  const fail = (reason: string) => cronError(FIELD.cronExpression, expression, reason, options);
  if (text === '') throw fail('@every needs a duration (e.g. @every 90s)');
  const ms = parseGoDuration(text);
  if (ms === null) {
    throw fail(`@every: ${JSON.stringify(text)} is not a duration (e.g. 90s, 1h30m)`);
  }
  if (ms < MS_PER_SECOND) throw fail('@every: the duration must be at least 1s');
  if (ms % MS_PER_SECOND !== 0) {
    throw fail('@every: the duration must be a whole number of seconds');
  }
  if (ms > EIGHT_YEARS_MS) throw fail('@every: the duration is over 8 years');
  return new GridSchedule(`every|${ms}`, 'EVERY', ms, null);
}
