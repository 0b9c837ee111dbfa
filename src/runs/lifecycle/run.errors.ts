import { DomainError } from '../../common/errors';
import type { RunState } from './run-state';

export class RunNotFoundError extends DomainError {
  constructor(id: string) {
    super('RUN_NOT_FOUND', `no run has the id ${JSON.stringify(id.slice(0, 64))}`);
  }
}

/** The token is not the run's current, unexpired lease (docs/delivery.md "Fencing"). */
export class LeaseLostError extends DomainError {
  constructor(id: string, state: RunState) {
    super(
      'LEASE_LOST',
      `the lease token is not the current, unexpired lease of run ${id} (the run is ${state})`,
    );
  }
}

export class RunFinalError extends DomainError {
  constructor(id: string, state: RunState) {
    super('RUN_FINAL', `run ${id} is ${state} (final)`);
  }
}
