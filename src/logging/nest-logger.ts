import type { LoggerService } from '@nestjs/common';
import type { Level, Logger } from 'pino';
import { serializeError } from './logger';

const STACK = /\n\s+at /;
/** Nest's start-up chatter (one line per module and route): debug, not info. */
const CHATTY = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory']);

/**
 * Nest's LoggerService on pino, so framework messages and `new Logger(context)` calls come out as
 * the same JSON lines as the request log. Nest passes the context as the last string argument,
 * and for errors a stack before it.
 */
export class NestPinoLogger implements LoggerService {
  constructor(readonly pino: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    const context = params[params.length - 1];
    this.write(
      typeof context === 'string' && CHATTY.has(context) ? 'debug' : 'info',
      message,
      params,
    );
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: Level, message: unknown, params: unknown[]): void {
    if (!this.pino.isLevelEnabled(level)) return;
    const rest = [...params];
    const fields: Record<string, unknown> = {};
    const last = rest[rest.length - 1];
    if (typeof last === 'string' && !STACK.test(last)) {
      fields.context = last;
      rest.pop();
    }
    for (const extra of rest) {
      if (typeof extra === 'string' && STACK.test(extra)) fields.stack = extra;
    }
    let text: string;
    if (message instanceof Error) {
      fields.err = serializeError(message);
      text = message.message;
    } else if (message !== null && typeof message === 'object') {
      Object.assign(fields, message);
      const err = (message as { err?: unknown }).err;
      if (err !== undefined) {
        fields.err = serializeError(err);
        delete fields.stack;
      }
      text =
        err instanceof Error
          ? err.message
          : typeof fields.context === 'string'
            ? fields.context
            : '';
    } else {
      text = String(message);
    }
    this.pino[level](fields, text);
  }
}
