import { ValidationFailedError } from '../common/errors';
import { MAX_REVISION } from './dto/trigger-name.dto';

/** What a deploy expects of the trigger's current state. */
export interface DeployPrecondition {
  /** 0: any revision (unconditional); > 0: must be exactly this revision */
  expectedRevision: number;
  /** `If-Match: *`: the trigger must exist and not be deleted */
  mustExist: boolean;
}

const ETAG = /^\s*(?:W\/)?"(\d{1,10})"\s*$|^\s*(\d{1,10})\s*$/;

/** The revision of an If-Match header (`"3"`, `W/"3"`, `3`) or '*'; VALIDATION_FAILED otherwise. */
export function parseIfMatch(header: string): number | '*' {
  if (header.trim() === '*') return '*';
  const m = ETAG.exec(header);
  const revision = m ? Number(m[1] ?? m[2]) : NaN;
  if (!Number.isInteger(revision) || revision > MAX_REVISION) {
    throw ValidationFailedError.of(
      'If-Match',
      'must be "<revision>", W/"<revision>", <revision> or * with a revision from 0 to 2147483647',
    );
  }
  return revision;
}

/**
 * Combines the body `revision` (null = absent) with the If-Match header; when both name a
 * revision they must agree.
 */
export function deployPrecondition(
  bodyRevision: number | null | undefined,
  ifMatch: string | string[] | undefined,
): DeployPrecondition {
  if (Array.isArray(ifMatch)) ifMatch = ifMatch.join(', ');
  const header = ifMatch === undefined ? undefined : parseIfMatch(ifMatch);
  const body = bodyRevision ?? undefined;
  if (header === '*') return { expectedRevision: body ?? 0, mustExist: true };
  if (header !== undefined && body !== undefined && header !== body) {
    throw ValidationFailedError.of(
      'revision',
      `the body revision ${body} disagrees with If-Match revision ${header}`,
    );
  }
  return { expectedRevision: header ?? body ?? 0, mustExist: false };
}
