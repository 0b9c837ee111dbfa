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

/**
 * Answers before the body is read; `Connection: close` so that Node does not read the rest of
 * the body to keep the connection alive.
 */
export function refuseUnread(err: unknown, req: Request, res: Response): void {
  if (hasBody(req)) res.setHeader('Connection', 'close');
  writeError(err, req, res, logger);
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
 * JSON bodies only, at most 1 MiB, and only to routes that take one: a body to an unknown route
 * is 404 and to a route without one 415, both before a byte of it is read. Then a body of another
 * type is 415, an oversized one 413, a malformed, too deep or unstorable one 400, each in the
 * API's error shape (these fail before routing, so they are answered here rather than by the
 * exception filter). See docs/api-limits.md.
 */
export function bodyParsingMiddleware(
  options: BodyParsingOptions,
): (req: Request, res: Response, next: NextFunction) => void {
  const reader = raw({ limit: BODY_LIMIT_BYTES, type: () => true });
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
    if (options.mayReadBody && !options.mayReadBody(req)) {
      res.setHeader('Connection', 'close');
      return next();
    }
    reader(req, res, (err?: unknown) => {
      if (err) {
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
