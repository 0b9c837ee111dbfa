import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { ERROR_STATUS, type ErrorCode } from '../errors';
import { ErrorResponseDto } from './error-response.dto';

const EXAMPLES: Partial<Record<ErrorCode, { message: string; details?: unknown }>> = {
  VALIDATION_FAILED: {
    message: 'spec.taskVersion: taskVersion must be longer than or equal to 1 characters',
    details: [
      {
        field: 'spec.taskVersion',
        message: 'taskVersion must be longer than or equal to 1 characters',
      },
    ],
  },
  INVALID_SCHEDULE: {
    message:
      'trigger "nightly" has invalid cron expression "0 25 * * *": hour 25 is out of range 0–23',
    details: [{ field: 'automationSpec.schedule.cron.expression', message: '…' }],
  },
  TRIGGER_NOT_FOUND: { message: 'trigger billing/production/export/nightly not found' },
  REVISION_NOT_FOUND: { message: 'trigger billing/production/export/nightly has no revision 9' },
  REVISION_CONFLICT: {
    message: 'trigger billing/production/export/nightly is at revision 5, not 3',
    details: { expectedRevision: 3, currentRevision: 5 },
  },
  RUN_NOT_FOUND: { message: 'no run has the id 0f8e2c1a-5b7d-4c3e-9a41-2d6f8b0e7c55' },
  LEASE_LOST: {
    message:
      'the lease token is not the current, unexpired lease of run 0f8e2c1a-5b7d-4c3e-9a41-2d6f8b0e7c55',
  },
  RUN_FINAL: { message: 'run 0f8e2c1a-5b7d-4c3e-9a41-2d6f8b0e7c55 is SUCCEEDED (final)' },
  INVALID_DELIVERY: { message: 'spec.delivery: the delivery target is refused' },
  PRECONDITION_FAILED: {
    message:
      'If-Match: * requires trigger billing/production/export/nightly to exist, but it is missing or deleted',
  },
  PAYLOAD_TOO_LARGE: { message: 'request body exceeds 1048576 bytes' },
  UNSUPPORTED_MEDIA_TYPE: { message: 'Content-Type must be application/json, got "text/plain"' },
  UNAUTHENTICATED: { message: 'a valid API key is required' },
  FORBIDDEN: { message: 'this key may not do this' },
  RATE_LIMITED: { message: 'too many requests' },
  UNAVAILABLE: { message: 'the database cannot be reached; try again shortly' },
};

/** Swagger responses for the given error codes, grouped by status, each with an example body. */
export function ApiErrors(...codes: ErrorCode[]): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERROR_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return applyDecorators(
    ApiExtraModels(ErrorResponseDto),
    ...[...byStatus].map(([status, group]) =>
      ApiResponse({
        status,
        description: group.join(' or '),
        content: {
          'application/json': {
            schema: { $ref: getSchemaPath(ErrorResponseDto) },
            examples: Object.fromEntries(
              group.map((code) => [
                code,
                {
                  value: {
                    statusCode: status,
                    code,
                    ...EXAMPLES[code],
                    requestId: '6f1c2e9a-1b7e-4c55-9a63-0d1f0b1c7a10',
                  },
                },
              ]),
            ),
          },
        },
      }),
    ),
  );
}

/** Errors any request may get (body parsing, availability). */
export const COMMON_ERRORS: ErrorCode[] = ['UNAVAILABLE'];
export const BODY_ERRORS: ErrorCode[] = ['PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'];
