import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { isDatabaseUnavailable } from './db-errors';
import { DomainError, ERROR_STATUS, ErrorCode } from './errors';

export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  details?: unknown;
  requestId: string;
}

const CODE_FOR_STATUS: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'NOT_FOUND',
  412: 'PRECONDITION_FAILED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'UNAVAILABLE',
};

interface Mapped {
  status: number;
  code: string;
  message: string;
  details?: unknown;
  headers?: Record<string, string>;
}

function messageOf(response: unknown, fallback: string): string {
  if (typeof response === 'string') return response;
  const m = (response as { message?: unknown } | null)?.message;
  if (typeof m === 'string') return m;
  if (Array.isArray(m)) return m.join('; ');
  return fallback;
}

/** Maps any thrown value to a status, code and message: the one place errors become HTTP. */
export function mapError(exception: unknown): Mapped | null {
  if (exception instanceof DomainError) {
    return {
      status: ERROR_STATUS[exception.code],
      code: exception.code,
      message: exception.message,
      details: exception.details,
      headers: exception.headers,
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const code = CODE_FOR_STATUS[status] ?? (status >= 500 ? 'INTERNAL' : 'BAD_REQUEST');
    if (status >= 500 && status !== 503) return null;
    const details =
      status === 503 && typeof response === 'object' && response !== null ? response : undefined;
    return { status, code, message: messageOf(response, exception.message), details };
  }
  if (isDatabaseUnavailable(exception)) {
    return {
      status: 503,
      code: 'UNAVAILABLE',
      message: 'the database cannot be reached; try again shortly',
      headers: { 'Retry-After': '1' },
    };
  }
  // Errors raised by Express and its body parser before routing carry a 4xx status.
  const e = exception as {
    status?: unknown;
    statusCode?: unknown;
    type?: unknown;
    message?: unknown;
  };
  const status = typeof e?.status === 'number' ? e.status : e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const code = CODE_FOR_STATUS[status] ?? 'VALIDATION_FAILED';
    let message = typeof e.message === 'string' ? e.message : 'bad request';
    if (e.type === 'entity.parse.failed') message = `malformed JSON body: ${message}`;
    if (exception instanceof URIError) message = 'the path contains a malformed percent-encoding';
    return { status, code, message };
  }
  // PostgreSQL data exceptions (class 22) mean input got past validation: still the caller's fault.
  const sqlState = (exception as { driverError?: { code?: unknown } })?.driverError?.code;
  if (typeof sqlState === 'string' && sqlState.startsWith('22')) {
    return {
      status: 400,
      code: 'VALIDATION_FAILED',
      message: 'a value is out of range or malformed',
    };
  }
  return null;
}

/** Quoted values in messages are cut to this many characters, whole messages to MAX_MESSAGE_CHARS. */
const MAX_QUOTED_CHARS = 64;
const MAX_MESSAGE_CHARS = 500;
const MAX_FIELD_CHARS = 200;
/** an unquoted echo: a run of more than MAX_QUOTED_CHARS characters without a space or quote */
const LONG_WORD = new RegExp(`[^\\s"…]{${MAX_QUOTED_CHARS + 1},}`, 'g');

/**
 * A message without long echoes of the input: a quoted value, or a long run without spaces, keeps
 * a short prefix (`"abc…"`), and the whole message is cut at MAX_MESSAGE_CHARS
 * (docs/api-limits.md).
 */
export function shortenMessage(message: string): string {
  const short =
    message.length <= MAX_QUOTED_CHARS
      ? message
      : message
          .split('"')
          .map((part, i) =>
            i % 2 === 1 && part.length > MAX_QUOTED_CHARS
              ? `${part.slice(0, MAX_QUOTED_CHARS)}…`
              : part,
          )
          .join('"')
          .replace(LONG_WORD, (word) => `${word.slice(0, MAX_QUOTED_CHARS)}…`);
  return short.length > MAX_MESSAGE_CHARS ? `${short.slice(0, MAX_MESSAGE_CHARS)}…` : short;
}

function shortenDetails(details: unknown): unknown {
  if (!Array.isArray(details)) return details;
  return details.slice(0, 100).map((d: unknown) => {
    if (d === null || typeof d !== 'object') return d;
    const out: Record<string, unknown> = { ...(d as Record<string, unknown>) };
    if (typeof out.message === 'string') out.message = shortenMessage(out.message);
    if (typeof out.field === 'string' && out.field.length > MAX_FIELD_CHARS) {
      out.field = `${out.field.slice(0, MAX_FIELD_CHARS)}…`;
    }
    return out;
  });
}

/** Writes the error body of api.md for a request; unexpected errors are logged, not shown. */
export function writeError(exception: unknown, req: Request, res: Response, logger: Logger): void {
  const requestId = req.id ?? 'unknown';
  let mapped = mapError(exception);
  if (!mapped) {
    logger.error(
      { requestId, method: req.method, path: req.path, err: exception },
      exception instanceof Error ? exception.stack : String(exception),
    );
    mapped = { status: 500, code: 'INTERNAL', message: 'internal error' };
  }
  const body: ErrorBody = {
    statusCode: mapped.status,
    code: mapped.code,
    message: shortenMessage(mapped.message),
    ...(mapped.details !== undefined ? { details: shortenDetails(mapped.details) } : {}),
    requestId,
  };
  if (res.headersSent) return;
  for (const [name, value] of Object.entries(mapped.headers ?? {})) res.setHeader(name, value);
  res.status(mapped.status).json(body);
}

@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    writeError(exception, ctx.getRequest<Request>(), ctx.getResponse<Response>(), this.logger);
  }
}
