import type { TriggerName } from '../triggers/trigger-events';
import type { RunRow } from '../triggers/trigger-scheduling.repository';
import type { RunSource } from './runs.types';

/** A run as the API returns it (api.md "Runs"). */
export interface RunResponse {
  name: string;
  trigger: { name: TriggerName; revision: number };
  taskVersion: string;
  source: RunSource;
  scheduledAt: string;
  /** null only in a backfill dry run (nothing was created) */
  createdAt: string | null;
  inputs: Record<string, unknown>;
  runSpec: Record<string, unknown>;
}

export function toRunResponse(trigger: TriggerName, row: RunRow): RunResponse {
  return {
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
    createdAt: row.createdAt.toISOString(),
    inputs: row.inputs,
    runSpec: row.runSpec,
  };
}
