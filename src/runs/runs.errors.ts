import { DomainError } from '../common/errors';
import type { TriggerName } from '../triggers/trigger-events';

function display(name: TriggerName): string {
  return `${name.project}/${name.domain}/${name.taskName}/${name.name}`;
}

/** 404 TRIGGER_NOT_FOUND for the runs endpoints. */
export class RunTriggerNotFoundError extends DomainError {
  constructor(name: TriggerName, deleted = false) {
    super(
      'TRIGGER_NOT_FOUND',
      `trigger ${display(name)} ${deleted ? 'has been deleted' : 'does not exist'}`,
      { name },
    );
  }
}
