import { createHash } from 'node:crypto';
import { MAX_EVENT_FILTER_LENGTH } from '../triggers/dto/event-filter.dto';

/**
 * An event's identity (docs/events.md "Exactly once"): SHA-256 of the source's UTF-8 length, ':',
 * the source and the id, so (`a`, `bc`) and (`ab`, `c`) differ and the key is 32 bytes however
 * long the attributes are (the primary key of `events`, and `runs.event_key`).
 */
export function eventKey(source: string, id: string): Buffer {
  return createHash('sha256')
    .update(`${Buffer.byteLength(source, 'utf8')}:${source}${id}`, 'utf8')
    .digest();
}

/**
 * The match keys of the filters an event matches (the column of ix_triggers_event_filter): the
 * type's length in code points, ':', the type, then `=source` (an exact filter) or `^p` for every
 * prefix p of the source, the empty one included (a filter ending in `*`, or none). Prefixes are
 * whole code points and no longer than a filter can be, so an event probes at most 256 keys.
 */
export function matchProbes(type: string, source: string): string[] {
  const head = `${Array.from(type).length}:${type}`;
  const points = Array.from(source);
  const probes: string[] = [];
  if (points.length <= MAX_EVENT_FILTER_LENGTH) probes.push(`${head}=${source}`);
  const longest = Math.min(points.length, MAX_EVENT_FILTER_LENGTH - 1);
  let prefix = '';
  probes.push(`${head}^`);
  for (let i = 0; i < longest; i++) {
    prefix += points[i];
    probes.push(`${head}^${prefix}`);
  }
  return probes;
}
