import { NotFoundException } from '@nestjs/common';
import { mapError } from './http-error.filter';
import { DomainError } from './errors';
import { SilentConnectionError } from '../database/pg-sessions';

class RevisionConflictLike extends DomainError {
  constructor() {
    super('REVISION_CONFLICT', 'conflict', { expectedRevision: 1, currentRevision: 2 });
  }
}

describe('mapError', () => {
  it('maps a domain error to its code, status, details and headers', () => {
    expect(mapError(new RevisionConflictLike())).toEqual({
      status: 409,
      code: 'REVISION_CONFLICT',
      message: 'conflict',
      details: { expectedRevision: 1, currentRevision: 2 },
      headers: undefined,
    });
  });

  it('maps an unreachable database to 503 UNAVAILABLE', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    expect(mapError(refused)).toMatchObject({ status: 503, code: 'UNAVAILABLE' });
    const wrapped = { message: 'query failed', driverError: { code: '57P01', message: 'x' } };
    expect(mapError(wrapped)).toMatchObject({ status: 503, code: 'UNAVAILABLE' });
    // DATABASE_STATEMENT_TIMEOUT ran out, or the connection went silent (docs/deployment.md)
    const cancelled = {
      message: 'x',
      driverError: { code: '57014', message: 'statement timeout' },
    };
    expect(mapError(cancelled)).toMatchObject({ status: 503, code: 'UNAVAILABLE' });
    expect(mapError(new SilentConnectionError(65_000))).toMatchObject({
      status: 503,
      code: 'UNAVAILABLE',
    });
  });

  it('maps Nest and Express 4xx errors to the API codes', () => {
    expect(mapError(new NotFoundException('Cannot GET /x'))).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
    });
    const bad = Object.assign(new URIError('URI malformed'), { status: 400 });
    expect(mapError(bad)).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
  });

  it('maps a PostgreSQL data exception to 400 rather than 500', () => {
    expect(mapError({ driverError: { code: '22003' } })).toMatchObject({ status: 400 });
  });

  it('leaves unexpected errors to the 500 path', () => {
    expect(mapError(new Error('boom'))).toBeNull();
  });
});
