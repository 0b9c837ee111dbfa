import { DomainError } from '../common/errors';
import type { TriggerName } from './trigger-events';

/** `project/domain/taskName/name`, as used in messages. */
export function formatTriggerName(n: TriggerName): string {
  return `${n.project}/${n.domain}/${n.taskName}/${n.name}`;
}

/** 404 TRIGGER_NOT_FOUND: the trigger never existed, or (deleted) was deleted. */
export class TriggerNotFoundError extends DomainError {
  constructor(name: TriggerName, deleted = false) {
    super(
      'TRIGGER_NOT_FOUND',
      `trigger ${formatTriggerName(name)} not found${deleted ? ' (it has been deleted)' : ''}`,
    );
  }
}

/** The expected revision (body `revision` or `If-Match`) is not the trigger's current one. */
export class RevisionConflictError extends DomainError {
  constructor(name: TriggerName, expectedRevision: number, currentRevision: number) {
    super(
      'REVISION_CONFLICT',
      `trigger ${formatTriggerName(name)} is at revision ${currentRevision}, not ${expectedRevision}`,
      { expectedRevision, currentRevision },
    );
  }
}

/** `If-Match: *` on a trigger that is missing or deleted. */
export class PreconditionFailedError extends DomainError {
  constructor(name: TriggerName) {
    super(
      'PRECONDITION_FAILED',
      `If-Match: * requires trigger ${formatTriggerName(name)} to exist, but it is missing or deleted`,
    );
  }
}
