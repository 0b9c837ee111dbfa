import { ValidationFailedError } from '../common/errors';
import type { PageTokenCodec } from '../common/page-token';
import type { RunKey } from './runs.repository';

const scope = (triggerId: string): string => `runs:${triggerId}`;

/** An opaque, tamper-evident cursor over one trigger's runs (the shared page-token codec). */
export function encodeRunPageToken(codec: PageTokenCodec, triggerId: string, key: RunKey): string {
  return codec.encode(scope(triggerId), [String(key.scheduledAt.getTime()), key.id]);
}

/** Decodes a token issued for this trigger's runs; anything else is a 400 on `token`. */
export function decodeRunPageToken(
  codec: PageTokenCodec,
  triggerId: string,
  token: string,
): RunKey {
  const key = codec.decode(scope(triggerId), token);
  const [ms, id] = key;
  if (key.length !== 2 || !/^-?\d{1,16}$/.test(ms) || !/^[1-9]\d{0,18}$/.test(id)) {
    throw ValidationFailedError.of('token', 'is not a valid page token for this list');
  }
  return { scheduledAt: new Date(Number(ms)), id };
}
