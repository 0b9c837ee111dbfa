import { insertRevisionsSql } from '../triggers/revisions/revision-snapshot.sql';
import { ACTIVE_SCHEDULE } from '../triggers/trigger-reads.repository';
import {
  RUN_LIFECYCLE_INSERT_COLUMNS,
  runLifecycleInsertValues,
  type InitialStateSql,
} from './lifecycle/delivery-spec';
import { inputsSql, runSpecSql } from './run-inputs.sql';
import {
  decidedState,
  maxConcurrentSql,
  overlapDecisionSql,
  overlapPolicySql,
} from './overlap.sql';

/** The actor of the revisions Sundial makes itself (docs/policies.md). */
export const SUNDIAL_ACTOR = 'sundial';

/**
 * SQL of a self-deactivation inside an UPDATE of triggers `t`: when `done` (a boolean SQL
 * expression) holds, the trigger becomes inactive with a new revision by `sundial` and `note`.
 */
export function selfDeactivateSet(done: string, note: string): string {
  return `active = CASE WHEN ${done} THEN false ELSE t.active END,
          spec = CASE WHEN ${done} THEN jsonb_set(t.spec, '{active}', 'false') ELSE t.spec END,
          latest_revision = t.latest_revision + CASE WHEN ${done} THEN 1 ELSE 0 END,
          updated_at = CASE WHEN ${done} THEN GREATEST(now(), t.updated_at) ELSE t.updated_at END,
          updated_by = CASE WHEN ${done} THEN '${SUNDIAL_ACTOR}' ELSE t.updated_by END,
          note = CASE WHEN ${done} THEN ${note} ELSE t.note END`;
}

/**
 * The DEACTIVATE revisions of the rows of `moved` (a CTE returning `id` and `after`, the
 * trigger row as jsonb after the change, or NULL when it did not deactivate).
 */
export function selfDeactivationRevisionsSql(moved: string): string {
  return insertRevisionsSql(
    `(SELECT (jsonb_populate_record(NULL::triggers, m.after)).* FROM ${moved} m
      WHERE m.after IS NOT NULL)`,
    'DEACTIVATE',
  );
}

/**
 * The trigger row of slot `d`, for a LATERAL join: looked up by its primary key for each slot
 * (the caller filters it with ACTIVE_SCHEDULE). OFFSET 0 keeps the planner from flattening it
 * into a join it may plan as a scan of every active trigger (it hashed them all for a few
 * hundred slots: 10,000 rows read for 250 slots, 8–18 ms of a 30 ms embedded statement), and
 * with no condition but the key inside, no partial index matches it (with ACTIVE_SCHEDULE
 * inside, each slot walked the partition index: 0.16 ms a slot). A filter `t.id = ANY(ids)` on
 * the join did no better: it walked that index whole (1,000 slots among 100,000 triggers on
 * PostgreSQL: fire p50 18 ms -> 46 ms).
 */
export const TRIGGER_OF_SLOT_SQL = `SELECT t.id, t.latest_revision, t.task_version, t.spec,
                 t.automation_spec, t.last_scheduled_at, t.project, t.remaining_runs, t.active,
                 t.deleted_at, t.automation_type
          FROM triggers t WHERE t.id = d.trigger_id OFFSET 0`;

/**
 * The `due` CTE of both fire statements: the slots of the parameters $1–$8 (trigger ids,
 * revisions, times, run names, through, floor, notBefore, pre-decided skip reasons), one row each
 * with its `ord`.
 */
export const DUE_SLOTS_CTE = `due AS (
         SELECT d.ord, d.trigger_id, d.revision, d.at::timestamptz AS scheduled_at, d.at AS iso,
                d.name, d.through::timestamptz AS through, d.floor::timestamptz AS floor,
                coalesce(d.not_before, d.at)::timestamptz AS not_before, d.skip AS pre_skip
         FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[],
                     $7::text[], $8::text[])
              WITH ORDINALITY AS d(trigger_id, revision, at, name, through, floor, not_before, skip, ord)
       )`;

/**
 * The insert of both fire statements: a SCHEDULE run for each row `c` of `from` (slot columns of
 * `due`, trigger columns task_version, spec, automation_spec, project), in `ord` order, in state
 * `initial`, fired_by $9; a slot that already has a run is left alone (the unique slot index).
 * Returns trigger_id, scheduled_at, created_at, queue, state, skip_reason.
 */
export function insertScheduledRunsSql(initial: InitialStateSql | undefined, from: string): string {
  return `INSERT INTO runs (trigger_id, trigger_revision, name, source, scheduled_at, created_at,
                           task_version, inputs, run_spec, fired_by, ${RUN_LIFECYCLE_INSERT_COLUMNS})
         SELECT c.trigger_id, c.revision, c.name, 'SCHEDULE', c.scheduled_at, clock_timestamp(),
                c.task_version, ${inputsSql('c', 'c.iso')}, ${runSpecSql('c')}, $9,
                ${runLifecycleInsertValues('c', 'c.scheduled_at', initial, 'c.not_before')}
         FROM ${from} ORDER BY c.ord
         ON CONFLICT (trigger_id, scheduled_at) WHERE source IN ('SCHEDULE', 'BACKFILL') DO NOTHING
         RETURNING trigger_id, scheduled_at, created_at, queue, state, skip_reason`;
}

/**
 * The scheduled fire (RunWritesRepository.fireScheduledSlots): $1–$8 are the slots' trigger ids,
 * revisions, times, run names, through, floor, notBefore (jitter) and pre-decided skip reasons
 * (misfire); $9 the instance id recorded as runs.fired_by (docs/scale-out.md). A slot at or
 * before the trigger's persisted cursor counts as fired even when its run is gone (retention). One run per free slot of an active trigger at that revision, its state decided by
 * the overlap policy (overlap.sql.ts), at most `remaining_runs` of them not pre-skipped (the run
 * limit); a trigger whose run limit is reached, or whose one-time slot fired, deactivates itself
 * in the same statement (a DEACTIVATE revision by `sundial`).
 */
export const FIRE_SLOTS_SQL = `WITH ${DUE_SLOTS_CTE},
       eligible AS (
         SELECT t.id, t.latest_revision, t.task_version, t.spec, t.automation_spec,
                t.last_scheduled_at, t.project, t.remaining_runs
         FROM (SELECT DISTINCT trigger_id FROM due) d
         CROSS JOIN LATERAL (${TRIGGER_OF_SLOT_SQL}) t
         WHERE ${ACTIVE_SCHEDULE}
       ),
       ok AS (
         SELECT d.*, e.task_version, e.spec, e.automation_spec, e.last_scheduled_at, e.project,
                e.remaining_runs, coalesce(sc.scheduled_through, e.last_scheduled_at) AS fired_through
         FROM due d JOIN eligible e ON e.id = d.trigger_id AND e.latest_revision = d.revision
         LEFT JOIN scheduler_cursors sc ON sc.trigger_id = d.trigger_id
       ),
       fresh AS (
         SELECT ok.*, count(*) FILTER (WHERE ok.pre_skip IS NULL) OVER (
                  PARTITION BY ok.trigger_id ORDER BY ok.scheduled_at ROWS UNBOUNDED PRECEDING) AS nth
         FROM ok
         -- at or before the persisted cursor: fired, whether or not its run still exists
         WHERE (ok.fired_through IS NULL OR ok.scheduled_at > ok.fired_through)
           -- OFFSET 0: a lookup in uq_runs_slot per slot, never an anti join, which the
           -- planner (CTEs estimated at one row, runs.source without statistics) may make a
           -- scan of every scheduled run per slot: quadratic, 1 s per 2,500 slots
           AND NOT EXISTS (
           SELECT 1 FROM runs r
           WHERE r.trigger_id = ok.trigger_id AND r.scheduled_at = ok.scheduled_at
             AND r.source IN ('SCHEDULE', 'BACKFILL')
           OFFSET 0)
       ),
       cand AS (
         SELECT f.*, ${overlapPolicySql('f.automation_spec')} AS policy,
                ${maxConcurrentSql('f.automation_spec')} AS max_conc
         FROM fresh f
         WHERE f.remaining_runs IS NULL OR f.pre_skip IS NOT NULL OR f.nth <= f.remaining_runs
       ),
       ${overlapDecisionSql('cand')},
       ins AS (
         ${insertScheduledRunsSql(decidedState('dd'), 'cand c JOIN ov_decided dd ON dd.ord = c.ord')}
       ),
       fired AS (
         SELECT i.trigger_id, max(i.scheduled_at) AS last_scheduled, max(i.created_at) AS last_created,
                count(*) FILTER (WHERE i.state <> 'SKIPPED')::int AS counted
         FROM ins i GROUP BY i.trigger_id
       ),
       moved AS (
         UPDATE triggers t
         SET last_scheduled_at = GREATEST(t.last_scheduled_at, f.last_scheduled),
             triggered_at = GREATEST(t.triggered_at, f.last_created),
             remaining_runs = CASE WHEN t.remaining_runs IS NOT NULL
                                   THEN GREATEST(t.remaining_runs - f.counted, 0) END,
             ${selfDeactivateSet(
               `(t.remaining_runs - f.counted <= 0 OR t.automation_spec->'schedule' ? 'at')`,
               `CASE WHEN t.remaining_runs - f.counted <= 0
                       THEN 'deactivated: policies.maxRuns reached'
                     ELSE 'deactivated: the one-time schedule fired' END`,
             )}
         FROM fired f WHERE t.id = f.trigger_id
         RETURNING t.id, CASE WHEN NOT t.active THEN to_jsonb(t) END AS after
       ),
       self_revisions AS (${selfDeactivationRevisionsSql('moved')}),
       -- one aggregate over both sets, never a join of two CTEs: the planner estimates a CTE at
       -- one row and would join them in a nested loop (quadratic in the batch)
       cursor_plan AS (
         SELECT s.trigger_id, min(s.floor) AS floor, max(s.through) AS through,
                max(s.last_scheduled) AS last_scheduled
         FROM (SELECT ok.trigger_id, ok.floor, ok.through, ok.last_scheduled_at AS last_scheduled,
                      ok.floor IS NOT NULL OR ok.through IS NOT NULL AS moves
               FROM ok
               UNION ALL
               SELECT f.trigger_id, NULL, NULL, f.last_scheduled, false FROM fired f) s
         GROUP BY s.trigger_id
         HAVING bool_or(s.moves)
       ),
       opened AS (
         INSERT INTO scheduler_cursors (trigger_id, scheduled_through)
         SELECT trigger_id, floor FROM cursor_plan WHERE floor IS NOT NULL
         ON CONFLICT (trigger_id) DO NOTHING
       ),
       closed AS (
         DELETE FROM scheduler_cursors c USING cursor_plan p
         WHERE c.trigger_id = p.trigger_id AND p.floor IS NULL
           AND p.through >= coalesce(p.last_scheduled, '-infinity')
       ),
       advanced AS (
         UPDATE scheduler_cursors c SET scheduled_through = GREATEST(c.scheduled_through, p.through)
         FROM cursor_plan p
         WHERE c.trigger_id = p.trigger_id AND p.floor IS NULL
           AND p.through < coalesce(p.last_scheduled, '-infinity')
       )
       SELECT d.ord::text AS ord,
              CASE WHEN ok.trigger_id IS NULL THEN 'STALE'
                   WHEN ins.trigger_id IS NOT NULL THEN 'CREATED'
                   WHEN fr.ord IS NOT NULL AND c.ord IS NULL THEN 'STALE'
                   ELSE 'EXISTS' END AS outcome,
              ins.created_at AS "createdAt", ins.queue, ins.state, ins.skip_reason AS "skipReason",
              CASE WHEN ok.trigger_id IS NULL OR p.trigger_id IS NULL THEN NULL
                   WHEN p.floor IS NOT NULL THEN true
                   ELSE p.through < coalesce(p.last_scheduled, '-infinity') END AS "cursorRow",
              CASE WHEN m.after IS NOT NULL THEN json_build_object(
                'revision', (m.after->>'latest_revision')::int, 'project', m.after->>'project',
                'domain', m.after->>'domain', 'taskName', m.after->>'task_name',
                'name', m.after->>'name') END AS deactivated
       FROM due d
       LEFT JOIN ok ON ok.ord = d.ord
       LEFT JOIN fresh fr ON fr.ord = d.ord
       LEFT JOIN cand c ON c.ord = d.ord
       LEFT JOIN ins ON ins.trigger_id = d.trigger_id AND ins.scheduled_at = d.scheduled_at
       LEFT JOIN moved m ON m.id = d.trigger_id AND ins.trigger_id IS NOT NULL
       LEFT JOIN cursor_plan p ON p.trigger_id = d.trigger_id`;
