import { ACTIVE_SCHEDULE } from '../triggers/trigger-reads.repository';
import { DUE_SLOTS_CTE, insertScheduledRunsSql, TRIGGER_OF_SLOT_SQL } from './fire-slots.sql';

/**
 * The scheduled fire of plain slots (docs/scheduler.md "The fire statement"): FIRE_SLOTS_SQL for
 * the common case, with its answer for that case and about a third less work per slot. A slot
 * is plain when its trigger's policies leave the run to the slot alone (SlotPolicies.plain:
 * overlap ALLOW_ALL, no run limit, not one-time) and it moves no cursor row and skips nothing
 * (no `through`, `floor` or skip reason): then FIRE_SLOTS_SQL's overlap decision answers PENDING,
 * its run limit and self-deactivation do nothing and its cursor plan is empty, so they are left
 * out here. What stays is the same: the revision and active check, a slot at or before the
 * persisted cursor counts as fired, one run per free slot (the unique slot index decides),
 * last_scheduled_at and triggered_at move; the slots and the insert are FIRE_SLOTS_SQL's own
 * (DUE_SLOTS_CTE, insertScheduledRunsSql). test/contract/scheduling-repository checks that both
 * statements give the same answers and the same runs.
 */
export const FIRE_PLAIN_SLOTS_SQL = `WITH ${DUE_SLOTS_CTE},
       ok AS (
         SELECT d.*, t.task_version, t.spec, t.automation_spec, t.project,
                coalesce(sc.scheduled_through, t.last_scheduled_at) AS fired_through
         FROM due d
         CROSS JOIN LATERAL (${TRIGGER_OF_SLOT_SQL}) t
         LEFT JOIN scheduler_cursors sc ON sc.trigger_id = d.trigger_id
         WHERE t.latest_revision = d.revision AND ${ACTIVE_SCHEDULE}
       ),
       ins AS (
         -- at or before the persisted cursor: fired, whether or not its run still exists
         ${insertScheduledRunsSql(
           undefined,
           'ok c WHERE c.fired_through IS NULL OR c.scheduled_at > c.fired_through',
         )}
       ),
       moved AS (
         UPDATE triggers t
         SET last_scheduled_at = GREATEST(t.last_scheduled_at, f.last_scheduled),
             triggered_at = GREATEST(t.triggered_at, f.last_created)
         FROM (SELECT i.trigger_id, max(i.scheduled_at) AS last_scheduled,
                      max(i.created_at) AS last_created
               FROM ins i GROUP BY i.trigger_id) f
         WHERE t.id = f.trigger_id
       )
       SELECT d.ord::text AS ord,
              CASE WHEN ok.trigger_id IS NULL THEN 'STALE'
                   WHEN ins.trigger_id IS NOT NULL THEN 'CREATED'
                   ELSE 'EXISTS' END AS outcome,
              ins.created_at AS "createdAt", ins.queue, ins.state, ins.skip_reason AS "skipReason",
              NULL::boolean AS "cursorRow", NULL::json AS deactivated
       FROM due d
       LEFT JOIN ok ON ok.ord = d.ord
       LEFT JOIN ins ON ins.trigger_id = d.trigger_id AND ins.scheduled_at = d.scheduled_at`;
