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

/** Finds the first string (or key) holding U+0000, which PostgreSQL text and jsonb cannot store. */
export function findNulChar(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path || '(body)' : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNulChar(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const childPath = path ? `${path}.${key}` : key;
      if (key.includes('\u0000')) return childPath;
      const found = findNulChar(child, childPath);
      if (found) return found;
    }
  }
  return null;
}
