import { ValidationFailedError } from '../common/errors';
import type { RunKey } from './runs.repository';

interface TokenBody {
  v: 1;
  /** the trigger the token was issued for */
  t: string;
  /** scheduledAt (ms) and id of the last run of the page */
  s: number;
  i: string;
}

/** An opaque cursor over one trigger's runs (base64url JSON). */
export function encodeRunPageToken(triggerId: string, key: RunKey): string {
  const body: TokenBody = { v: 1, t: triggerId, s: key.scheduledAt.getTime(), i: key.id };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

/** Decodes a token issued for this trigger; anything else is a 400 on `token`. */
export function decodeRunPageToken(triggerId: string, token: string): RunKey {
  const invalid = (): never => {
    throw ValidationFailedError.of('token', 'is not a valid page token for this list');
  };
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(token)) invalid();
  let body: Partial<TokenBody>;
  try {
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<TokenBody>;
  } catch {
    return invalid();
  }
  if (
    body === null ||
    typeof body !== 'object' ||
    body.v !== 1 ||
    body.t !== triggerId ||
    typeof body.s !== 'number' ||
    !Number.isSafeInteger(body.s) ||
    Math.abs(body.s) > 8.64e15 ||
    typeof body.i !== 'string' ||
    !/^[1-9]\d{0,18}$/.test(body.i)
  ) {
    return invalid();
  }
  return { scheduledAt: new Date(body.s), id: body.i };
}
