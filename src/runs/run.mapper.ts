import type { TriggerName } from '../triggers/trigger-events';
import type { RunHead, RunRow } from './run.row';
import type { RunSource } from './runs.types';

/** A run as the API returns it (docs/runs.md "What a run holds"). */
export interface RunResponse {
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
}

/** A run for the API; `planned`: a backfill dry run's run (not created: createdAt null). */
export function toRunResponse(
  trigger: TriggerName,
  row: RunRow | RunHead,
  planned = false,
): RunResponse {
  const response: RunResponse = {
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
  if ('inputs' in row) {
    response.inputs = row.inputs;
    response.runSpec = row.runSpec;
  }
  return response;
}
