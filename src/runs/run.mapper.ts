import type { TriggerName } from '../triggers/trigger-events';
import type { RunHead, RunRow } from './run.row';
import type { RunEventRef, RunSource } from './runs.types';
import type { RunError, RunState, SkipReason } from './lifecycle/run-state';

/** A run as the API returns it (docs/runs.md "What a run holds", docs/delivery.md "Run states"). */
export interface RunResponse {
  /** the lifecycle fields are absent only in a backfill dry run (nothing was created) */
  id?: string;
  name: string;
  trigger: { name: TriggerName; revision: number };
  taskVersion: string;
  source: RunSource;
  scheduledAt: string;
  /** null only in a backfill dry run (nothing was created) */
  createdAt: string | null;
  /** absent only in a backfill answer whose payloads were too large (payloadsOmitted) */
  inputs?: Record<string, unknown>;
  runSpec?: Record<string, unknown>;
  state?: RunState;
  queue?: string;
  attempt?: number;
  notBefore?: string;
  startedAt?: string | null;
  finishedAt?: string | null;
  skipReason?: SkipReason | null;
  result?: unknown;
  error?: RunError | null;
  cancelRequested?: boolean;
  /** EVENT runs only: the event that created it */
  event?: RunEventRef;
}

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

/** A run for the API; `planned`: a backfill dry run's run (not created: createdAt null). */
export function toRunResponse(
  trigger: TriggerName,
  row: RunRow | RunHead,
  planned = false,
): RunResponse {
  const response: RunResponse = {
    ...(planned ? {} : { id: row.publicId }),
    name: row.name,
    trigger: {
      name: {
        project: trigger.project,
        domain: trigger.domain,
        taskName: trigger.taskName,
        name: trigger.name,
      },
      revision: row.triggerRevision,
    },
    taskVersion: row.taskVersion,
    source: row.source,
    scheduledAt: row.scheduledAt.toISOString(),
    createdAt: planned ? null : row.createdAt.toISOString(),
  };
  if (row.eventId !== null && row.eventId !== undefined) {
    response.event = { source: row.eventSource ?? '', id: row.eventId };
  }
  if ('inputs' in row) {
    response.inputs = row.inputs;
    response.runSpec = row.runSpec;
  }
  if (!planned) {
    Object.assign(response, {
      state: row.state,
      queue: row.queue,
      attempt: row.attempt,
      notBefore: row.notBefore.toISOString(),
      startedAt: iso(row.startedAt),
      finishedAt: iso(row.finishedAt),
      skipReason: row.skipReason,
      result: row.result ?? null,
      error: row.error ?? null,
      cancelRequested: row.cancelRequested,
    });
  }
  return response;
}
