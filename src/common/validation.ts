import { ValidationPipe } from '@nestjs/common';
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

/** The global pipe: strict DTOs (unknown fields rejected), errors in the API's shape. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
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
 */
const DROPPED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The first problem in a parsed JSON body that validation would not report: a string or key
 * holding U+0000 (PostgreSQL text and jsonb cannot store it), or a key the pipe would drop.
 */
export function findUnstorable(value: unknown, path = ''): FieldError | null {
  if (typeof value === 'string') {
    return value.includes('\u0000')
      ? { field: path || '(body)', message: 'must not contain the character U+0000' }
      : null;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorable(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const childPath = path ? `${path}.${key}` : key;
      if (key.includes('\u0000')) {
        return { field: childPath, message: 'must not contain the character U+0000' };
      }
      if (DROPPED_KEYS.has(key)) {
        return { field: childPath, message: `the key "${key}" is not accepted anywhere in a body` };
      }
      const found = findUnstorable(child, childPath);
      if (found) return found;
    }
  }
  return null;
}
