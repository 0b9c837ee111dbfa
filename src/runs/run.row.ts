import type { RunSource } from './runs.types';
import type { RunError, RunState, SkipReason } from './lifecycle/run-state';

/** A run row as created or read (the runs module maps it to the API). */
export interface RunRow {
  id: string;
  triggerId: string;
  triggerRevision: number;
  name: string;
  source: RunSource;
  scheduledAt: Date;
  createdAt: Date;
  taskVersion: string;
  inputs: Record<string, unknown>;
  runSpec: Record<string, unknown>;
  /** the lifecycle (docs/delivery.md); publicId is the run's `id` in the API */
  publicId: string;
  state: RunState;
  skipReason: SkipReason | null;
  queue: string;
  attempt: number;
  notBefore: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  result: unknown;
  error: RunError | null;
  cancelRequested: boolean;
  /** EVENT runs: the event's source and id; null otherwise */
  eventSource: string | null;
  eventId: string | null;
}

/** The one column list of `runs`, camelCased as RunRow (every read and RETURNING uses it). */
export const RUN_COLUMNS = `id::text AS id, trigger_id::text AS "triggerId", trigger_revision AS "triggerRevision",
  name, source, scheduled_at AS "scheduledAt", created_at AS "createdAt", task_version AS "taskVersion",
  inputs, run_spec AS "runSpec", public_id::text AS "publicId", state, skip_reason AS "skipReason",
  queue, attempt, not_before AS "notBefore", started_at AS "startedAt", finished_at AS "finishedAt",
  result, error, cancel_requested AS "cancelRequested", event_source AS "eventSource",
  event_id AS "eventId"`;

/** A run as a statement returns it: RUN_COLUMNS, or the same through json_agg/row_to_json. */
export type RunJson = Omit<
  RunRow,
  'scheduledAt' | 'createdAt' | 'notBefore' | 'startedAt' | 'finishedAt'
> & {
  scheduledAt: Date | string;
  createdAt: Date | string;
  notBefore: Date | string;
  startedAt: Date | string | null;
  finishedAt: Date | string | null;
};

/** A run without its copied payloads (a backfill answer too large to carry them). */
export type RunHead = Omit<RunRow, 'inputs' | 'runSpec'>;
export type RunHeadJson = Omit<RunJson, 'inputs' | 'runSpec'>;

/** The one mapper: json_agg turns timestamps (and ids) into strings; bring them back. */
export function runFromJson(row: RunJson): RunRow;
export function runFromJson(row: RunJson | RunHeadJson): RunRow | RunHead;
export function runFromJson(row: RunJson | RunHeadJson): RunRow | RunHead {
  return {
    ...row,
    id: String(row.id),
    triggerId: String(row.triggerId),
    scheduledAt: new Date(row.scheduledAt),
    createdAt: new Date(row.createdAt),
    // a backfill plan (nothing created) has no lifecycle columns
    notBefore: new Date(row.notBefore ?? row.scheduledAt),
    startedAt: row.startedAt ? new Date(row.startedAt) : null,
    finishedAt: row.finishedAt ? new Date(row.finishedAt) : null,
  };
}
