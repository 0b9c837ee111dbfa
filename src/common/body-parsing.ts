import { json, type NextFunction, type Request, type Response } from 'express';
import { Logger } from '@nestjs/common';
import { DomainError, ValidationFailedError } from './errors';
import { writeError } from './http-error.filter';
import { findUnstorable } from './validation';

export const BODY_LIMIT_BYTES = 1024 * 1024;
const logger = new Logger('BodyParser');

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * JSON bodies only, at most 1 MiB. A body of another type is 415, an oversized one 413, a
 * malformed one 400, each in the API's error shape (these fail before routing, so they are
 * answered here rather than by the exception filter).
 */
export function bodyParsingMiddleware(): ((
  req: Request,
  res: Response,
  next: NextFunction,
) => void)[] {
  const parser = json({ limit: BODY_LIMIT_BYTES, strict: false, type: () => true });
  return [
    (req, res, next) => {
      if (!hasBody(req)) return next();
      const type = req.headers['content-type'] ?? '';
      if (!/^application\/([\w.+-]*\+)?json\s*(;|$)/i.test(type)) {
        return writeError(
          new DomainError(
            'UNSUPPORTED_MEDIA_TYPE',
            `Content-Type must be application/json, got ${type === '' ? 'none' : JSON.stringify(type.slice(0, 100))}`,
          ),
          req,
          res,
          logger,
        );
      }
      parser(req, res, (err?: unknown) => {
        if (!err) {
          const problem = findUnstorable(req.body);
          if (problem === null) return next();
          return writeError(new ValidationFailedError([problem]), req, res, logger);
        }
        const e = err as { type?: string };
        if (e.type === 'entity.too.large') {
          return writeError(
            new DomainError('PAYLOAD_TOO_LARGE', `request body exceeds ${BODY_LIMIT_BYTES} bytes`),
            req,
            res,
            logger,
          );
        }
        writeError(err, req, res, logger);
      });
    },
  ];
}
