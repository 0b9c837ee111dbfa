import { createHash } from 'node:crypto';
import { RunNotFoundError } from './run.errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Lease tokens are secrets: only their SHA-256 is stored or compared. */
export function hashLeaseToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A run id must look like one before it reaches SQL (a malformed id names no run: 404). */
export function checkRunId(id: string): string {
  if (!UUID.test(id)) throw new RunNotFoundError(id);
  return id.toLowerCase();
}
