import { parseGoDuration } from '../schedule/duration';

/**
 * Parses a configured duration into whole milliseconds: Go duration syntax (`30s`, `1m`, `500ms`,
 * `1h30m`; the one duration grammar, shared with `@every`, see docs/scheduler.md "@every") or a
 * bare number of seconds (`45`). Surrounding blanks are ignored. Returns null when the text is not
 * a duration.
 */
export function parseDuration(text: string): number | null {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const ms = parseGoDuration(trimmed);
  return ms === null ? null : Math.round(ms);
}
