/** PostgreSQL SQLSTATE classes and socket errors that mean "the database cannot be reached". */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '57014', // query_canceled: DATABASE_STATEMENT_TIMEOUT ran out (the database is overloaded)
]);

const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'connection timeout',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Cannot use a pool after calling end',
  'PGlite is closed',
  'Driver not Connected',
];

/** True when an error (from pg, PGlite or TypeORM) means the database is unreachable. */
export function isDatabaseUnavailable(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; e && depth < 4; depth++) {
    const err = e as { code?: unknown; message?: unknown; driverError?: unknown; cause?: unknown };
    if (
      typeof err.code === 'string' &&
      (UNAVAILABLE_CODES.has(err.code) || err.code.startsWith('08'))
    ) {
      return true;
    }
    if (
      typeof err.message === 'string' &&
      UNAVAILABLE_MESSAGES.some((m) => (err.message as string).includes(m))
    ) {
      return true;
    }
    e = err.driverError ?? err.cause;
  }
  return false;
}
