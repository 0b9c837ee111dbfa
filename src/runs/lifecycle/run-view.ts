import type { RunEventRef, RunSource } from '../runs.types';
import type { AttemptRecord, RunRecord } from './run-record';
import type { RunError, RunState, SkipReason } from './run-state';

/** A run as the lifecycle endpoints return it: the run fields of api.md plus its lifecycle. */
export interface RunView {
  id: string;
  name: string;
  trigger: {
    name: { project: string; domain: string; taskName: string; name: string };
    revision: number;
  };
  taskVersion: string;
  source: RunSource;
  scheduledAt: string;
  createdAt: string;
  inputs: Record<string, unknown>;
  runSpec: Record<string, unknown>;
  state: RunState;
  queue: string;
  attempt: number;
  notBefore: string;
  startedAt: string | null;
  finishedAt: string | null;
  skipReason: SkipReason | null;
  result: unknown;
  error: RunError | null;
  cancelRequested: boolean;
  /** EVENT runs only: the event that created it */
  event?: RunEventRef;
}

export interface AttemptView {
  number: number;
  workerId: string;
  startedAt: string;
  endedAt: string | null;
  outcome: string | null;
  error?: RunError;
}

const iso = (d: Date | null): string | null => (d === null ? null : new Date(d).toISOString());

/** The lifecycle fields of a run (also added to the existing run responses). */
export function lifecycleFields(r: RunRecord): Omit<RunView, keyof RunViewBase> {
  return {
    state: r.state,
    queue: r.queue,
    attempt: r.attempt,
    notBefore: new Date(r.notBefore).toISOString(),
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
    skipReason: r.skipReason,
    result: r.result ?? null,
    error: r.error ?? null,
    cancelRequested: r.cancelRequested,
  };
}

type RunViewBase = Pick<
  RunView,
  | 'id'
  | 'name'
  | 'trigger'
  | 'taskVersion'
  | 'source'
  | 'scheduledAt'
  | 'createdAt'
  | 'inputs'
  | 'runSpec'
>;

export function toRunView(r: RunRecord): RunView {
  return {
    id: r.publicId,
    name: r.name,
    trigger: {
      name: { project: r.project, domain: r.domain, taskName: r.taskName, name: r.triggerName },
      revision: r.triggerRevision,
    },
    taskVersion: r.taskVersion,
    source: r.source,
    scheduledAt: new Date(r.scheduledAt).toISOString(),
    createdAt: new Date(r.createdAt).toISOString(),
    inputs: r.inputs,
    runSpec: r.runSpec,
    ...(r.eventId !== null && r.eventId !== undefined
      ? { event: { source: r.eventSource ?? '', id: r.eventId } }
      : {}),
    ...lifecycleFields(r),
  };
}

export function toAttemptView(a: AttemptRecord): AttemptView {
  return {
    number: a.number,
    workerId: a.workerId,
    startedAt: new Date(a.startedAt).toISOString(),
    endedAt: iso(a.endedAt),
    outcome: a.outcome,
    ...(a.error ? { error: a.error } : {}),
  };
}
