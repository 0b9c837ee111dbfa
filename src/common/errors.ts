/** Every error code of the API (api.md "Errors"); the HTTP status of each is set in one place. */
export const ERROR_STATUS = {
  VALIDATION_FAILED: 400,
  INVALID_SCHEDULE: 400,
  INVALID_DELIVERY: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  TRIGGER_NOT_FOUND: 404,
  REVISION_NOT_FOUND: 404,
  RUN_NOT_FOUND: 404,
  REVISION_CONFLICT: 409,
  LEASE_LOST: 409,
  RUN_FINAL: 409,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface FieldError {
  field: string;
  message: string;
}

/** A failure the domain expects, with a stable code; the HTTP filter maps it to a response. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    /** extra response headers (e.g. Retry-After, WWW-Authenticate) */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationFailedError extends DomainError {
  constructor(readonly fields: FieldError[]) {
    super(
      'VALIDATION_FAILED',
      fields.length === 1
        ? `${fields[0].field}: ${fields[0].message}`
        : `${fields.length} fields are invalid: ${fields.map((f) => f.field).join(', ')}`,
      fields,
    );
  }

  static of(field: string, message: string): ValidationFailedError {
    return new ValidationFailedError([{ field, message }]);
  }
}

export class InvalidScheduleError extends DomainError {
  constructor(message: string, field: string) {
    super('INVALID_SCHEDULE', message, [{ field, message }]);
  }
}

export class UnavailableError extends DomainError {
  constructor(message = 'the database cannot be reached; try again shortly') {
    super('UNAVAILABLE', message, undefined, { 'Retry-After': '1' });
  }
}
