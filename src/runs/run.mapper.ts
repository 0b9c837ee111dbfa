import type { TriggerName } from '../triggers/trigger-events';
import type { RunRow } from '../triggers/trigger-scheduling.repository';
import type { RunSource } from './runs.types';
import type { RunError, RunState, SkipReason } from './lifecycle/run-state';

/** A run as the API returns it (api.md "Runs", plus its lifecycle: docs/delivery.md). */
export interface RunResponse {
  /** absent only in a backfill dry run (nothing was created) */
  id?: string;
  name: string;
  trigger: { name: TriggerName; revision: number };
  taskVersion: string;
  source: RunSource;
  scheduledAt: string;
  /** null only in a backfill dry run (nothing was created) */
  createdAt: string | null;
  inputs: Record<string, unknown>;
  runSpec: Record<string, unknown>;
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
}

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

export function toRunResponse(trigger: TriggerName, row: RunRow): RunResponse {
  return {
    id: row.publicId,
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
  };
}
