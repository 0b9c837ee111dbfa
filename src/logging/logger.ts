import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/app-config';

/** Paths that must never reach a log line, whatever a caller passes in. */
const REDACT = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  '*.authorization',
  '*.headers.authorization',
  'headers.cookie',
  'req.headers.cookie',
];

/**
 * An error as a log field: its kind, message, code and stack, and nothing else — no query
 * parameters, request bodies or other values an error object may carry along.
 */
export function serializeError(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object') return { message: String(value).slice(0, 500) };
  const e = value as {
    name?: unknown;
    type?: unknown;
    message?: unknown;
    code?: unknown;
    stack?: unknown;
  };
  const out: Record<string, unknown> = {};
  const type = value instanceof Error ? value.name : e.type;
  if (typeof type === 'string') out.type = type;
  out.message = typeof e.message === 'string' ? e.message : Object.prototype.toString.call(value);
  if (typeof e.code === 'string' || typeof e.code === 'number') out.code = e.code;
  if (typeof e.stack === 'string') out.stack = e.stack;
  return out;
}

/** pino-pretty when stdout is a terminal and it is installed (a dev dependency); else null. */
function prettyStream(): DestinationStream | null {
  if (!process.stdout.isTTY) return null;
  try {
    const loaded = createRequire(__filename)('pino-pretty') as
      | ((options: object) => DestinationStream)
      | { default: (options: object) => DestinationStream };
    const pretty = typeof loaded === 'function' ? loaded : loaded.default;
    return pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
  } catch {
    return null;
  }
}

export interface CreateLoggerOptions {
  level: LogLevel;
  /** where lines go (tests capture them); default: stdout, pretty when it is a terminal */
  destination?: DestinationStream;
}

/** The process's root logger: one JSON object per line, at the configured level. */
export function createLogger(options: CreateLoggerOptions): Logger {
  const destination = options.destination ?? prettyStream() ?? pino.destination({ dest: 1 });
  return pino(
    {
      level: options.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT, censor: '[redacted]' },
      serializers: { err: serializeError, error: serializeError },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
