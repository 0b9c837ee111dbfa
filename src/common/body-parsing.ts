import { raw, type NextFunction, type Request, type Response } from 'express';
import { Logger } from '@nestjs/common';
import { DomainError, ValidationFailedError } from './errors';
import { writeError } from './http-error.filter';
import { firstInvalidUtf8, MAX_JSON_DEPTH, scanJson } from './json-scan';
import type { RouteTable } from './route-table';
import { findUnstorable } from './validation';

export const BODY_LIMIT_BYTES = 1024 * 1024;
const logger = new Logger('BodyParser');
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** How long a refused request's declared body may take to arrive before the answer goes anyway. */
const DISCARD_WAIT_MS = 5_000;

/**
 * Answers without parsing the body, with `Connection: close`. A declared body within the limit is
 * read and discarded first (no parsing, so its cost stays small): answering and closing while the
 * client still sends would reset the connection before the client reads the answer. A chunked or
 * oversized body is answered at once.
 */
export function refuseUnread(err: unknown, req: Request, res: Response): void {
  if (!hasBody(req)) return writeError(err, req, res, logger);
  res.setHeader('Connection', 'close');
  const declared = Number(req.headers['content-length']);
  if (!(declared > 0 && declared <= BODY_LIMIT_BYTES) || req.readableEnded) {
    return writeError(err, req, res, logger);
  }
  let answered = false;
  const answer = () => {
    if (answered) return;
    answered = true;
    clearTimeout(timer);
    writeError(err, req, res, logger);
  };
  const timer = setTimeout(answer, DISCARD_WAIT_MS);
  req.on('end', answer);
  req.on('error', answer);
  req.resume();
}

export interface BodyParsingOptions {
  routes: RouteTable;
  /** false when the request will be refused as unauthenticated anyway: its body is not read */
  mayReadBody?: (req: Request) => boolean;
}

/** Parses a UTF-8 JSON body of at most MAX_JSON_DEPTH levels; the error names the field. */
export function parseJsonBody(bytes: Buffer): unknown {
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    const before = bytes.subarray(0, Math.max(0, at)).toString('utf8');
    throw ValidationFailedError.of(
      scanJson(before).pathAtEnd,
      `is not valid UTF-8 (invalid byte at offset ${at})`,
    );
  }
  if (text.trim() === '') return {};
  const { problem } = scanJson(text, MAX_JSON_DEPTH);
  if (problem) throw new ValidationFailedError([problem]);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw new DomainError('VALIDATION_FAILED', `malformed JSON body: ${(e as Error).message}`);
  }
  const unstorable = findUnstorable(body);
  if (unstorable) throw new ValidationFailedError([unstorable]);
  return body;
}

/**
 * Routes that take any content type and parse their body themselves (the bytes, at most 1 MiB,
 * arrive as a Buffer): POST /events reads CloudEvents in structured, batch and binary mode
 * (docs/events.md), where a binary event's body may be of any type.
 */
const RAW_BODY_PATHS = [/^\/events\/?$/i];

const rawReader = raw({ limit: BODY_LIMIT_BYTES, type: () => true });

function refuseRead(err: unknown, req: Request, res: Response): void {
  const e = err as { type?: string };
  if (e.type === 'entity.too.large') {
    return refuseUnread(
      new DomainError('PAYLOAD_TOO_LARGE', `request body exceeds ${BODY_LIMIT_BYTES} bytes`),
      req,
      res,
    );
  }
  return writeError(err, req, res, logger);
}

function readRaw(req: Request, res: Response, next: NextFunction): void {
  rawReader(req, res, (err?: unknown) => {
    if (err) return refuseRead(err, req, res);
    if (!Buffer.isBuffer(req.body)) req.body = Buffer.alloc(0);
    next();
  });
}

/**
 * JSON bodies only, at most 1 MiB, and only to routes that take one: a body to an unknown route
 * is 404 and to a route without one 415, both before a byte of it is read. Then a body of another
 * type is 415, an oversized one 413, a malformed, too deep or unstorable one 400, each in the
 * API's error shape (these fail before routing, so they are answered here rather than by the
 * exception filter). See docs/api-limits.md.
 */
export function bodyParsingMiddleware(
  options: BodyParsingOptions,
): (req: Request, res: Response, next: NextFunction) => void {
  const reader = rawReader;
  return (req, res, next) => {
    if (!hasBody(req)) return next();
    const kind = options.routes.classify(req.method, req.path);
    if (kind === 'unknown') {
      return refuseUnread(
        new DomainError('NOT_FOUND', `no route ${req.method} ${req.path.slice(0, 100)}`),
        req,
        res,
      );
    }
    if (kind === 'no-body') {
      return refuseUnread(
        new DomainError(
          'UNSUPPORTED_MEDIA_TYPE',
          `${req.method} ${req.path.slice(0, 100)} takes no request body`,
        ),
        req,
        res,
      );
    }
    const refusedUnread = () => {
      res.setHeader('Connection', 'close');
      next();
    };
    if (req.method === 'POST' && RAW_BODY_PATHS.some((p) => p.test(req.path))) {
      if (options.mayReadBody && !options.mayReadBody(req)) return refusedUnread();
      return readRaw(req, res, next);
    }
    const type = req.headers['content-type'] ?? '';
    const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(type)?.[1]?.toLowerCase();
    if (
      !/^application\/([\w.+-]*\+)?json\s*(;|$)/i.test(type) ||
      (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8')
    ) {
      return refuseUnread(
        new DomainError(
          'UNSUPPORTED_MEDIA_TYPE',
          `Content-Type must be application/json (UTF-8), got ${type === '' ? 'none' : JSON.stringify(type.slice(0, 100))}`,
        ),
        req,
        res,
      );
    }
    if (options.mayReadBody && !options.mayReadBody(req)) return refusedUnread();
    reader(req, res, (err?: unknown) => {
      if (err) return refuseRead(err, req, res);
      try {
        const bytes: unknown = req.body;
        req.body = parseJsonBody(Buffer.isBuffer(bytes) ? bytes : Buffer.alloc(0));
      } catch (e) {
        return writeError(e, req, res, logger);
      }
      next();
    });
  };
}
