import type { IncomingHttpHeaders } from 'node:http';
import { ValidationFailedError, type FieldError } from '../common/errors';
import { findUnstorable } from '../common/validation';
import { parseJsonBody } from '../common/body-parsing';
import { readIsoInstant } from '../schedule/iso-instant';

/** At most this many bytes per event, as JSON (docs/events.md "Bounds"). */
export const MAX_EVENT_BYTES = 256 * 1024;
/** At most this many events per batch. */
export const MAX_BATCH_EVENTS = 100;

/**
 * A CloudEvents 1.0 event as Sundial keeps it (docs/events.md): the context attributes, any
 * extension attributes, and `data` (any JSON, or a string for other content types) or
 * `data_base64`. This whole object is what `eventInputArg` receives.
 */
export interface CloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject?: string;
  time?: string;
  datacontenttype?: string;
  dataschema?: string;
  data?: unknown;
  data_base64?: string;
  [extension: string]: unknown;
}

/** An accepted event with what matching and the run need. */
export interface ReceivedEvent {
  event: CloudEvent;
  /** the event's `time` in epoch ms, or null without one */
  timeMs: number | null;
}

const REQUIRED = ['id', 'source', 'type'] as const;
const OPTIONAL_STRINGS = ['subject', 'datacontenttype', 'dataschema'] as const;
const KNOWN = new Set([
  'specversion',
  ...REQUIRED,
  ...OPTIONAL_STRINGS,
  'time',
  'data',
  'data_base64',
]);
/** CloudEvents 1.0 "Attribute Naming Convention": lower-case ASCII letters and digits. */
const ATTRIBUTE_NAME = /^[a-z0-9]{1,64}$/;

type Problem = FieldError;

function fail(field: string, message: string): never {
  throw ValidationFailedError.of(field, message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks one event of structured or batch mode (the JSON object itself) and returns it as kept;
 * `at` prefixes the attribute named in an error (`[3].` in a batch). A JSON null attribute counts
 * as absent (CloudEvents JSON format).
 */
export function readStructuredEvent(raw: unknown, at = ''): ReceivedEvent {
  if (!isRecord(raw)) fail(at === '' ? '(body)' : at.replace(/\.$/, ''), 'must be a JSON object');
  const problem = checkAttributes(raw, at, (name) => `${at}${name}`);
  if (problem) throw new ValidationFailedError([problem]);
  return finish(raw, at === '' ? 'event' : at.replace(/\.$/, ''), at);
}

function checkAttributes(
  raw: Record<string, unknown>,
  at: string,
  field: (attribute: string) => string,
): Problem | null {
  const specversion = raw.specversion;
  if (specversion === undefined || specversion === null) {
    return { field: field('specversion'), message: 'is required ("1.0")' };
  }
  if (specversion !== '1.0') {
    return {
      field: field('specversion'),
      message: `must be "1.0" (CloudEvents 1.0), got ${JSON.stringify(specversion)}`,
    };
  }
  for (const name of REQUIRED) {
    const value = raw[name];
    if (value === undefined || value === null) {
      return { field: field(name), message: 'is required (a non-empty string)' };
    }
    if (typeof value !== 'string' || value === '') {
      return { field: field(name), message: 'must be a non-empty string' };
    }
  }
  for (const name of OPTIONAL_STRINGS) {
    const value = raw[name];
    if (value !== undefined && value !== null && (typeof value !== 'string' || value === '')) {
      return { field: field(name), message: 'must be a non-empty string when present' };
    }
  }
  const time = raw.time;
  if (time !== undefined && time !== null) {
    if (typeof time !== 'string' || !readIsoInstant(time).ok) {
      return {
        field: field('time'),
        message: 'must be an RFC 3339 timestamp with a zone (e.g. 2026-12-01T09:00:00Z)',
      };
    }
  }
  if (raw.data_base64 !== undefined && raw.data_base64 !== null) {
    if (typeof raw.data_base64 !== 'string') {
      return { field: field('data_base64'), message: 'must be a base64 string' };
    }
    if (raw.data !== undefined && raw.data !== null) {
      return { field: field('data_base64'), message: 'data and data_base64 are exclusive' };
    }
  }
  for (const [name, value] of Object.entries(raw)) {
    if (KNOWN.has(name)) continue;
    if (!ATTRIBUTE_NAME.test(name)) {
      return {
        field: field(name),
        message:
          'is not a CloudEvents attribute: extension names are 1–64 lower-case letters and digits',
      };
    }
    if (value !== null && !['string', 'boolean', 'number'].includes(typeof value)) {
      return {
        field: field(name),
        message: 'an extension attribute must be a string, a boolean or an integer',
      };
    }
    if (typeof value === 'number' && !Number.isSafeInteger(value)) {
      return { field: field(name), message: 'an extension attribute number must be an integer' };
    }
  }
  void at;
  return null;
}

/** The kept event (nulls dropped), its size checked (`sizeField` names it) and its time read. */
function finish(raw: Record<string, unknown>, sizeField: string, at: string): ReceivedEvent {
  const event = Object.fromEntries(
    Object.entries(raw).filter(([, v]) => v !== null && v !== undefined),
  ) as CloudEvent;
  const unstorable = findUnstorable(event);
  if (unstorable) fail(`${at}${unstorable.field}`, unstorable.message);
  const bytes = Buffer.byteLength(JSON.stringify(event), 'utf8');
  if (bytes > MAX_EVENT_BYTES) {
    fail(sizeField, `the event is ${bytes} bytes as JSON; at most ${MAX_EVENT_BYTES} (256 KiB)`);
  }
  const time = typeof event.time === 'string' ? readIsoInstant(event.time) : null;
  return { event, timeMs: time && time.ok ? time.ms : null };
}

/** `application/json`, `application/cloudevents+json`, `text/x+json; charset=utf-8`, … */
export function isJsonType(contentType: string): boolean {
  return /^[\w.-]+\/([\w.+-]*\+)?json\s*(;|$)/i.test(contentType);
}

/** A `ce-` header value: percent-decoded (CloudEvents HTTP binding, §3.1.3.2). */
function headerValue(name: string, value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, '%2B'));
  } catch {
    return fail(name, 'is not a valid percent-encoded value');
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Binary mode: the attributes from `ce-*` headers (errors name the header), `datacontenttype`
 * from Content-Type, `data` from the body (parsed when the type is JSON, else the UTF-8 text).
 */
export function readBinaryEvent(headers: IncomingHttpHeaders, body: Buffer): ReceivedEvent {
  const raw: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith('ce-') || value === undefined) continue;
    const attribute = name.slice(3);
    const text = Array.isArray(value) ? value.join(',') : value;
    raw[attribute] = headerValue(name, text);
  }
  const contentType = headers['content-type'];
  if (typeof contentType === 'string' && contentType !== '') raw.datacontenttype = contentType;
  if (body.length > 0) {
    if (typeof contentType === 'string' && isJsonType(contentType)) {
      raw.data = parseJsonBody(body);
    } else {
      try {
        raw.data = strictUtf8.decode(body);
      } catch {
        fail('data', 'a binary-mode body that is not JSON must be UTF-8 text');
      }
    }
  }
  const problem = checkAttributes(raw, '', (a) =>
    a === 'data' || a === 'data_base64' ? a : `ce-${a}`,
  );
  if (problem) throw new ValidationFailedError([problem]);
  return finish(raw, 'event', '');
}

/** Batch mode: a JSON array of at most MAX_BATCH_EVENTS structured events. */
export function readBatch(body: unknown): ReceivedEvent[] {
  if (!Array.isArray(body)) fail('(body)', 'a batch must be a JSON array of events');
  if (body.length > MAX_BATCH_EVENTS) {
    fail('(body)', `a batch holds at most ${MAX_BATCH_EVENTS} events, got ${body.length}`);
  }
  return body.map((raw, i) => readStructuredEvent(raw, `[${i}].`));
}
