import { type ArgumentMetadata, ValidationPipe } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { FieldError, ValidationFailedError } from './errors';

function flatten(errors: ValidationError[], prefix: string, out: FieldError[]): FieldError[] {
  for (const error of errors) {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    for (const message of Object.values(error.constraints ?? {})) {
      out.push({
        field,
        message: message.replace(/^property (\S+) should not exist$/, 'unknown field'),
      });
    }
    if (error.children?.length) flatten(error.children, field, out);
  }
  return out;
}

/** class-validator errors as `{ field, message }` with dotted paths. */
export function toFieldErrors(errors: ValidationError[]): FieldError[] {
  return flatten(errors, '', []);
}

/**
 * The ValidationPipe, plus a check that the transformed value kept every key that was sent: a key
 * the transformer drops is reported as an unknown field instead of vanishing.
 */
class KeyKeepingValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const result: unknown = await super.transform(value, metadata);
    const dropped = findDroppedKey(value, result);
    if (dropped !== null) throw ValidationFailedError.of(dropped, 'unknown field');
    return result;
  }
}

/** The global pipe: strict DTOs (unknown fields rejected), errors in the API's shape. */
export function createValidationPipe(): ValidationPipe {
  return new KeyKeepingValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ValidationFailedError(toFieldErrors(errors)),
  });
}

/**
 * Keys that class-transformer (inside the ValidationPipe) silently drops as a prototype-pollution
 * guard: rejected up front so that no part of a body, inputs included, is lost without a word.
 * Other names of Object.prototype members (toString, valueOf, ...) are kept as sent in free-form
 * maps (see `KeepAsSent` in src/triggers/dto/validators.ts) and reported by the pipe elsewhere.
 */
const DROPPED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

// A lone surrogate: a high one not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const MAX_PATH_CHARS = 200;

function textProblem(s: string): string | null {
  if (s.includes('\u0000')) return 'must not contain the character U+0000';
  if (LONE_SURROGATE.test(s)) return 'must be well-formed Unicode (no lone surrogate)';
  return null;
}

function cut(path: string): string {
  return path.length > MAX_PATH_CHARS ? `${path.slice(0, MAX_PATH_CHARS)}…` : path;
}

/**
 * The first problem in a parsed JSON body that validation would not report: a string or key
 * holding U+0000 (PostgreSQL text and jsonb cannot store it) or a lone surrogate (jsonb refuses
 * it), or a key the pipe would drop. The one walker over request bodies: iterative (an explicit
 * stack), so no nesting can overflow the call stack (the parser bounds nesting anyway, see
 * docs/api-limits.md).
 */
export function findUnstorable(body: unknown): FieldError | null {
  const stack: { value: unknown; path: string }[] = [{ value: body, path: '' }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) return { field: cut(path) || '(body)', message: problem };
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--)
        stack.push({ value: value[i], path: `${path}[${i}]` });
    } else if (value !== null && typeof value === 'object') {
      const children: { value: unknown; path: string }[] = [];
      for (const [key, child] of Object.entries(value)) {
        const childPath = path ? `${path}.${key}` : key;
        const problem = textProblem(key);
        if (problem) return { field: cut(childPath), message: problem };
        if (DROPPED_KEYS.has(key)) {
          return {
            field: cut(childPath),
            message: `the key "${key}" is not accepted anywhere in a body`,
          };
        }
        children.push({ value: child, path: childPath });
      }
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
    }
  }
  return null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}

/**
 * The first key of `sent` that the transformed `kept` no longer has (class-transformer skips keys
 * named like Object.prototype members, e.g. `toString`, on DTO classes), or null. Iterative.
 */
export function findDroppedKey(sent: unknown, kept: unknown): string | null {
  const stack: { sent: unknown; kept: unknown; path: string }[] = [{ sent, kept, path: '' }];
  while (stack.length > 0) {
    const top = stack.pop()!;
    if (!isRecord(top.sent) || !isRecord(top.kept) || top.sent === top.kept) continue;
    if (Array.isArray(top.sent) !== Array.isArray(top.kept)) continue;
    for (const [key, child] of Object.entries(top.sent)) {
      const path = Array.isArray(top.sent)
        ? `${top.path}[${key}]`
        : top.path
          ? `${top.path}.${key}`
          : key;
      if (!Object.prototype.hasOwnProperty.call(top.kept, key)) return cut(path);
      stack.push({ sent: child, kept: top.kept[key], path });
    }
  }
  return null;
}
