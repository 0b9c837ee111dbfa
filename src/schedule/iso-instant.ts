import { MS_PER_DAY, daysFromCivil, daysInMonth } from './civil';
import { INSTANT_RANGE, MAX_INSTANT_MS, MIN_INSTANT_MS } from './limits';

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;

/** Why a text is not an accepted instant: it is not ISO 8601 with a zone, or it is out of range. */
export type InstantResult = { ok: true; ms: number } | { ok: false; reason: string };

export const INSTANT_FORMAT =
  'must be an ISO 8601 date-time with a time zone (e.g. 2026-12-01T00:00:00Z)';
export const INSTANT_OUT_OF_RANGE = `must lie ${INSTANT_RANGE}`;
/** Both rules in one message, for callers that only learn "not accepted" (parseIsoInstant). */
export const ISO_INSTANT_RULE = `must be an ISO 8601 date-time with a time zone, ${INSTANT_RANGE}`;

function civilInstant(text: string): number | null {
  const m = ISO.exec(text);
  if (m === null) return null;
  const [y, mo, d, h, mi] = [m[1], m[2], m[3], m[4], m[5]].map(Number);
  const s = m[6] === undefined ? 0 : Number(m[6]);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59)
    return null;
  const ms = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
  let offset = 0;
  if (m[9] !== undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return null;
    offset = (m[9] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  return daysFromCivil(y, mo, d) * MS_PER_DAY + ((h * 60 + mi) * 60 + s) * 1000 + ms - offset;
}

/**
 * Reads an ISO 8601 date-time with an explicit zone (`Z` or an offset) into epoch milliseconds,
 * accepting only instants in the documented range (docs/scheduler.md "Limits").
 */
export function readIsoInstant(text: string): InstantResult {
  const ms = typeof text === 'string' ? civilInstant(text) : null;
  if (ms === null) return { ok: false, reason: INSTANT_FORMAT };
  if (ms < MIN_INSTANT_MS || ms >= MAX_INSTANT_MS)
    return { ok: false, reason: INSTANT_OUT_OF_RANGE };
  return { ok: true, ms };
}

/** Instant of an accepted ISO 8601 date-time (see readIsoInstant), or null. */
export function parseIsoInstant(text: string): number | null {
  const r = readIsoInstant(text);
  return r.ok ? r.ms : null;
}
