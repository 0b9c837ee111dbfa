import type { FieldError } from './errors';

/** Objects and arrays may nest at most this deep, the body itself counting as level 1 (docs/api-limits.md). */
export const MAX_JSON_DEPTH = 32;
/** An object may have at most this many members (docs/api-limits.md). */
export const MAX_JSON_MEMBERS = 1_000;
/** A body may hold at most this many values (objects, arrays and scalars) in all. */
export const MAX_JSON_VALUES = 20_000;
/** Field paths in error details are cut to this many characters. */
const MAX_PATH_CHARS = 200;

interface Frame {
  array: boolean;
  /** object: the raw (still escaped) text of the current member's key; array: unused */
  key: string;
  /** array: index of the current element */
  index: number;
  /** object: the next string is a key */
  expectKey: boolean;
  /** object: members read so far */
  members: number;
}

function decodeKey(raw: string): string {
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return raw;
  }
}

function pathOf(stack: Frame[]): string {
  let path = '';
  for (const frame of stack) {
    if (path.length > MAX_PATH_CHARS) break;
    if (frame.array) path += `[${frame.index}]`;
    else if (!frame.expectKey || frame.key !== '') {
      const key = decodeKey(frame.key);
      path += path === '' ? key : `.${key}`;
    }
  }
  if (path === '') return '(body)';
  return path.length > MAX_PATH_CHARS ? `${path.slice(0, MAX_PATH_CHARS)}…` : path;
}

/** sign, significant digits and exponent: `1.50e2` and `150` both give `15e1` */
function canonicalNumber(text: string): string {
  let t = text;
  const negative = t.startsWith('-');
  if (negative) t = t.slice(1);
  let exponent = 0;
  const e = t.search(/[eE]/);
  if (e >= 0) {
    exponent = Number(t.slice(e + 1));
    t = t.slice(0, e);
  }
  const dot = t.indexOf('.');
  if (dot >= 0) {
    exponent -= t.length - dot - 1;
    t = t.slice(0, dot) + t.slice(dot + 1);
  }
  t = t.replace(/^0+/, '');
  if (t === '') return '0';
  const trimmed = t.replace(/0+$/, '');
  exponent += t.length - trimmed.length;
  return `${negative ? '-' : ''}${trimmed}e${exponent}`;
}

/**
 * Whether a JSON number means exactly the double it parses to: `1e400` (Infinity), `1e-400` (0),
 * `9007199254740993` (2^53 + 1, read as 2^53) and `0.1000000000000000000001` do not.
 */
export function numberSurvives(text: string): boolean {
  if (/^-?\d{1,15}$/.test(text)) return true;
  const n = Number(text);
  if (!Number.isFinite(n)) return false;
  return canonicalNumber(text) === canonicalNumber(String(n));
}

const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WORD = /true|false|null/y;

export interface ScanResult {
  problem: FieldError | null;
  /** the path of the value being read where the text ended (for errors found past it) */
  pathAtEnd: string;
}

/**
 * One iterative pass over JSON text before it is parsed: nesting deeper than MAX_JSON_DEPTH and
 * numbers that would not survive the parse are reported with their field path. Syntax errors
 * are left to JSON.parse (the scan stops at the first one without a problem).
 */
export function scanJson(text: string, maxDepth = MAX_JSON_DEPTH): ScanResult {
  const stack: Frame[] = [];
  let i = 0;
  let values = 0;
  const n = text.length;
  const stop = (): ScanResult => ({ problem: null, pathAtEnd: pathOf(stack) });
  const fail = (message: string): ScanResult => ({
    problem: { field: pathOf(stack), message },
    pathAtEnd: pathOf(stack),
  });
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x3a) {
      i++;
      continue;
    }
    const top = stack[stack.length - 1];
    const startsValue = c !== 0x7d && c !== 0x5d && c !== 0x2c && !(top?.expectKey ?? false);
    if (startsValue && ++values > MAX_JSON_VALUES) {
      return fail(`the body holds more than ${MAX_JSON_VALUES} values`);
    }
    if (c === 0x7b || c === 0x5b) {
      if (stack.length >= maxDepth) {
        return fail(`nests deeper than ${maxDepth} levels of objects and arrays`);
      }
      stack.push({ array: c === 0x5b, key: '', index: 0, expectKey: c === 0x7b, members: 0 });
      i++;
    } else if (c === 0x7d || c === 0x5d) {
      stack.pop();
      i++;
    } else if (c === 0x2c) {
      if (top?.array) top.index++;
      else if (top) {
        top.expectKey = true;
        top.key = '';
      }
      i++;
    } else if (c === 0x22) {
      let end = text.indexOf('"', i + 1);
      while (end !== -1) {
        let backslashes = 0;
        while (text.charCodeAt(end - 1 - backslashes) === 0x5c) backslashes++;
        if (backslashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      if (top && !top.array && top.expectKey) {
        top.key = text.slice(i + 1, end === -1 ? n : end);
        top.expectKey = end === -1;
        if (++top.members > MAX_JSON_MEMBERS) {
          top.expectKey = true;
          top.key = '';
          return fail(`has more than ${MAX_JSON_MEMBERS} members`);
        }
      }
      if (end === -1) return stop();
      i = end + 1;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m) return stop();
      if (!numberSurvives(m[0])) {
        const shown = m[0].length > 32 ? `${m[0].slice(0, 32)}…` : m[0];
        return fail(
          `the number ${shown} cannot be stored exactly (it is out of range or too precise)`,
        );
      }
      i += m[0].length;
    } else {
      WORD.lastIndex = i;
      const m = WORD.exec(text);
      if (!m) return stop();
      i += m[0].length;
    }
  }
  return stop();
}

/** The byte offset of the first invalid UTF-8 sequence in `bytes`, or -1. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const next = bytes[i + k];
      if (next === undefined || (next & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (next & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}
