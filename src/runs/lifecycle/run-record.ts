import type { RunSource } from '../runs.types';
import type { RunError, RunState, SkipReason } from './run-state';

/** A run with its lifecycle and its trigger's name, as the lifecycle statements return it. */
export interface RunRecord {
  /** internal key (bigint as text): never shown; `publicId` is the run's `id` */
  id: string;
  publicId: string;
  triggerId: string;
  triggerRevision: number;
  project: string;
  domain: string;
  taskName: string;
  triggerName: string;
  name: string;
  source: RunSource;
  scheduledAt: Date;
  createdAt: Date;
  taskVersion: string;
  inputs: Record<string, unknown>;
  runSpec: Record<string, unknown>;
  state: RunState;
  skipReason: SkipReason | null;
  queue: string;
  attempt: number;
  failures: number;
  notBefore: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  result: unknown;
  error: RunError | null;
  cancelRequested: boolean;
  retryConfig: unknown;
  leaseExpiresAt: Date | null;
  /** EVENT runs: the event's source and id; null otherwise */
  eventSource: string | null;
  eventId: string | null;
}

/**
 * The select list of a RunRecord, for a `runs` row aliased `r` joined to its trigger `t`. Every
 * lifecycle statement returns exactly these columns, so one mapper reads them all.
 */
export const RUN_RECORD_COLUMNS = `r.id::text AS id, r.public_id::text AS "publicId",
  r.trigger_id::text AS "triggerId", r.trigger_revision AS "triggerRevision", r.project,
  t.domain, t.task_name AS "taskName", t.name AS "triggerName", r.name, r.source,
  r.scheduled_at AS "scheduledAt", r.created_at AS "createdAt", r.task_version AS "taskVersion",
  r.inputs, r.run_spec AS "runSpec", r.state, r.skip_reason AS "skipReason", r.queue, r.attempt,
  r.failures, r.not_before AS "notBefore", r.started_at AS "startedAt",
  r.finished_at AS "finishedAt", r.result, r.error, r.cancel_requested AS "cancelRequested",
  r.retry_config AS "retryConfig", r.lease_expires_at AS "leaseExpiresAt",
  r.event_source AS "eventSource", r.event_id AS "eventId"`;

/** One attempt of a run (`run_attempts`). */
export interface AttemptRecord {
  number: number;
  workerId: string;
  startedAt: Date;
  endedAt: Date | null;
  outcome: string | null;
  error: RunError | null;
}

export const ATTEMPT_COLUMNS = `number, worker_id AS "workerId", started_at AS "startedAt",
  ended_at AS "endedAt", outcome, error`;
