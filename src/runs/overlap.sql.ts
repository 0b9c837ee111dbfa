import type { InitialStateSql } from './lifecycle/delivery-spec';

/** BUFFER_ALL keeps at most this many BUFFERED runs per trigger (docs/policies.md "Overlap"). */
export const MAX_BUFFERED = 1_000;

/** What a run cancelled by CANCEL_OTHER shows as its error. */
export const CANCEL_OTHER_ERROR = {
  message: 'cancelled by a newer run (overlap policy CANCEL_OTHER)',
  type: 'OVERLAP',
};

/** The trigger's overlap policy (jsonb SQL of its automation spec), `override` first. */
export function overlapPolicySql(automationSpec: string, override = 'NULL'): string {
  return `coalesce(${override}, ${automationSpec}->'policies'->>'overlapPolicy', 'ALLOW_ALL')`;
}

/** The trigger's maxConcurrentRuns (default 1). */
export function maxConcurrentSql(automationSpec: string): string {
  return `coalesce((${automationSpec}->'policies'->>'maxConcurrentRuns')::int, 1)`;
}

/**
 * The overlap decision (docs/policies.md "Overlap"): the one place that decides a new run's state
 * from its trigger's active runs. Every statement that creates runs (scheduled fire, manual fire,
 * backfill, events of triggers with a policy; events of triggers without one start PENDING, as
 * ALLOW_ALL decides) puts its new runs in a CTE named by `cand` with the columns
 * `ord, trigger_id, scheduled_at, policy, max_conc, pre_skip` (pre_skip: a skip reason decided
 * before, e.g. MISFIRE, or NULL) — only runs that will really be inserted (the slot or idempotency
 * key is free) — and appends these CTEs:
 *
 * - `ov_ranked`, `ov_decided (ord, trigger_id, state, skip_reason, cancels)`: the state of each new run;
 * - `ov_cancel`: the CANCEL_OTHER cancellations (waiting runs CANCELLED, running ones
 *   cancelRequested), returning the queue of each run changed.
 *
 * Runs of one statement are decided together, in slot order, as if created one after the other:
 * with `SKIP` and 0 active runs, the first of three new slots is PENDING and the others SKIPPED.
 * CANCEL_OTHER: when the new runs would exceed maxConcurrentRuns, every active run is cancelled;
 * of several new runs only the latest starts (the others are created CANCELLED), BUFFERED while
 * cancelled runs still run (promotion starts it when they end).
 *
 * The caller must hold the lock of each trigger (RunWritesRepository.lockTriggers) and read the
 * runs after taking it (a new statement in READ COMMITTED), so two replicas never both see room
 * for a run: the counting below then sees every committed run of the trigger.
 */
export function overlapDecisionSql(cand: string): string {
  return `ov_ranked AS (
         SELECT c.ord, c.trigger_id, c.policy, c.max_conc, c.pre_skip,
                a.started + a.buffered AS active,
                a.running,
                GREATEST(c.max_conc - a.started - a.buffered, 0) AS free,
                GREATEST(CASE WHEN c.policy = 'BUFFER_ONE' THEN 1 ELSE ${MAX_BUFFERED} END
                         - a.buffered, 0) AS room,
                count(*) FILTER (WHERE c.pre_skip IS NULL) OVER (
                  PARTITION BY c.trigger_id ORDER BY c.scheduled_at, c.ord
                  ROWS UNBOUNDED PRECEDING) AS k,
                count(*) FILTER (WHERE c.pre_skip IS NULL) OVER (PARTITION BY c.trigger_id) AS n
         FROM ${cand} c
         -- each trigger's active runs through the partial index ix_runs_trigger_active: a
         -- probe per new run, never a join of whole sets (planned as nested loops over CTEs)
         CROSS JOIN LATERAL (
           SELECT count(*) FILTER (WHERE r.state IN ('PENDING', 'RUNNING'))::int AS started,
                  count(*) FILTER (WHERE r.state = 'BUFFERED')::int AS buffered,
                  count(*) FILTER (WHERE r.state = 'RUNNING')::int AS running
           FROM runs r
           WHERE c.policy <> 'ALLOW_ALL' AND r.trigger_id = c.trigger_id
             AND r.state IN ('PENDING', 'BUFFERED', 'RUNNING')
         ) a
       ),
       ov_decided AS (
         SELECT o.ord, o.trigger_id,
                CASE WHEN o.pre_skip IS NOT NULL THEN 'SKIPPED'
                     WHEN o.policy = 'ALLOW_ALL' THEN 'PENDING'
                     WHEN o.policy = 'CANCEL_OTHER' THEN
                       CASE WHEN o.active + o.n <= o.max_conc THEN 'PENDING'
                            WHEN o.k < o.n THEN 'CANCELLED'
                            WHEN o.running >= o.max_conc THEN 'BUFFERED'
                            ELSE 'PENDING' END
                     WHEN o.k <= o.free THEN 'PENDING'
                     WHEN o.policy = 'SKIP' THEN 'SKIPPED'
                     WHEN o.k <= o.free + o.room THEN 'BUFFERED'
                     ELSE 'SKIPPED' END AS state,
                CASE WHEN o.pre_skip IS NOT NULL THEN o.pre_skip
                     WHEN o.policy IN ('ALLOW_ALL', 'CANCEL_OTHER') OR o.k <= o.free THEN NULL
                     WHEN o.policy = 'SKIP' THEN 'OVERLAP'
                     WHEN o.k <= o.free + o.room THEN NULL
                     ELSE 'BUFFER_FULL' END AS skip_reason,
                o.pre_skip IS NULL AND o.policy = 'CANCEL_OTHER'
                  AND o.active + o.n > o.max_conc AS cancels
         FROM ov_ranked o
       ),
       ov_cancel AS (
         UPDATE runs r SET
           state = CASE WHEN r.state = 'RUNNING' THEN r.state ELSE 'CANCELLED' END,
           cancel_requested = r.cancel_requested OR r.state = 'RUNNING',
           finished_at = CASE WHEN r.state = 'RUNNING' THEN r.finished_at ELSE clock_timestamp() END,
           expires_at = CASE WHEN r.state = 'RUNNING' THEN r.expires_at END,
           error = coalesce(r.error, '${JSON.stringify(CANCEL_OTHER_ERROR)}'::jsonb)
         WHERE r.trigger_id = ANY(ARRAY(SELECT d.trigger_id FROM ov_decided d WHERE d.cancels))
           AND r.state IN ('PENDING', 'BUFFERED', 'RUNNING')
         RETURNING r.queue
       )`;
}

/** The insert's state columns from ov_decided aliased `alias`. */
export function decidedState(alias: string): InitialStateSql {
  return { state: `${alias}.state`, skipReason: `${alias}.skip_reason` };
}
