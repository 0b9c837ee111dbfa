import { DomainError } from '../../common/errors';

export class RevisionNotFoundError extends DomainError {
  constructor(triggerName: string, revision: number) {
    super('REVISION_NOT_FOUND', `trigger ${triggerName} has no revision ${revision}`);
  }
}
