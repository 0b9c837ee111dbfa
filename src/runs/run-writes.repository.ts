import { Inject, Injectable } from '@nestjs/common';
import { DatabaseHandle, EMBEDDED_DATABASE } from '../database/database.module';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import type { SlotOutcome, SlotResult, SlotToFire, SlotWriter } from '../scheduler/scheduler.types';
import type { Sql } from './lifecycle/run-state.repository';
import { FIRE_PLAIN_SLOTS_SQL } from './fire-plain-slots.sql';
import { FIRE_SLOTS_SQL } from './fire-slots.sql';
import { inputsSql, runSpecSql } from './run-inputs.sql';
import { RunSignals } from './lease/run-signals';
import { RUN_LIFECYCLE_INSERT_COLUMNS, runLifecycleInsertValues } from './lifecycle/delivery-spec';
import {
  decidedState,
  maxConcurrentSql,
  overlapDecisionSql,
  overlapPolicySql,
} from './overlap.sql';
import {
  RUN_COLUMNS,
  runFromJson,
  type RunHead,
  type RunHeadJson,
  type RunJson,
  type RunRow,
} from './run.row';

/** The answer of a backfill statement: its runs, without payloads when those were too large. */
export interface BackfillRuns {
  /** false: the trigger is missing, deleted or not a SCHEDULE trigger (nothing was created) */
  found: boolean;
  runs: (RunRow | RunHead)[];
  /** the runs' inputs and runSpec together exceeded the budget: they are left out */
  payloadsOmitted: boolean;
  /** the latest slot whose run retention deleted (none at or before it was backfilled), or null */
  prunedThrough: Date | null;
}

interface BackfillJson {
  found: number;
  omitted: boolean;
  pruned: Date | string | null;
  runs: (RunJson | RunHeadJson)[] | null;
}

/**
 * The select list of a backfill answer over `source` (RUN_COLUMNS): `omitted` and `runs` as one
 * JSON array in `order`, each run without inputs and runSpec when those of all the runs together
 * exceed `budget` bytes. The array is built in the database so the driver never receives (nor
 * the server builds) an answer larger than the budget plus the runs' fixed fields.
 */
function boundedRunsSql(source: string, order: string, budget: string): string {
  return `(SELECT coalesce(sum(octet_length(s.inputs::text) + octet_length(s."runSpec"::text)), 0)
                  > ${budget}::bigint FROM ${source} s) AS omitted,
          (SELECT json_agg(CASE WHEN p.omitted THEN to_jsonb(s) - 'inputs' - 'runSpec' - 'ord'
                                ELSE to_jsonb(s) - 'ord' END ORDER BY s.${order})
           FROM ${source} s,
                (SELECT coalesce(sum(octet_length(x.inputs::text) + octet_length(x."runSpec"::text)), 0)
                          > ${budget}::bigint AS omitted FROM ${source} x) p) AS runs`;
}

/**
 * The first CTEs of both backfill statements: `target` (the SCHEDULE trigger, not deleted, with
 * the latest slot whose run retention deleted) and `due` (the slots $2, named $3, in order).
 */
function backfillSlotsSql(): string {
  return `target AS (
         SELECT t.id, t.latest_revision, t.task_version, t.spec, t.automation_spec, t.project,
                m.pruned_through
         FROM triggers t LEFT JOIN run_retention_marks m ON m.trigger_id = t.id
         WHERE t.id = $1::bigint AND t.deleted_at IS NULL AND t.automation_type = 'SCHEDULE'
       ),
       due AS (
         SELECT d.at::timestamptz AS scheduled_at, d.at AS iso, d.name, d.ord,
                coalesce(d.not_before, d.at)::timestamptz AS not_before
         FROM unnest($2::text[], $3::text[], $6::text[]) WITH ORDINALITY AS d(at, name, not_before, ord)
       )`;
}

/**
 * A backfill slot that may get a run: it has no SCHEDULE or BACKFILL run, and it is after the
 * latest slot whose run retention deleted (at or before it, a missing run may have run already).
 * OFFSET 0: one uq_runs_slot lookup per slot, never a scan of the runs per slot.
 */
const FREE_SLOT = `(target.pruned_through IS NULL OR due.scheduled_at > target.pruned_through)
           AND NOT EXISTS (
             SELECT 1 FROM runs r
             WHERE r.trigger_id = target.id AND r.source IN ('SCHEDULE', 'BACKFILL')
               AND r.scheduled_at = due.scheduled_at
             OFFSET 0)`;

/** $1–$4 and $6 (notBefore, jitter) of both backfill statements; $5 is the create's policy. */
function backfillParams(
  triggerId: string,
  slots: { scheduledAt: Date; runName: string; notBefore?: Date }[],
  payloadBudget: number,
  overlapPolicy: string | null = null,
): unknown[] {
  return [
    triggerId,
    slots.map((s) => s.scheduledAt.toISOString()),
    slots.map((s) => s.runName),
    payloadBudget,
    overlapPolicy,
    slots.map((s) => (s.notBefore ? s.notBefore.toISOString() : null)),
  ];
}

function backfillRunsOf(row: BackfillJson): BackfillRuns {
  return {
    found: row.found > 0,
    runs: (row.runs ?? []).map(runFromJson),
    payloadsOmitted: row.omitted,
    prunedThrough: row.pruned === null ? null : new Date(row.pruned),
  };
}

/** A slot the plain fire statement may create (fire-plain-slots.sql.ts). */
function isPlain(s: SlotToFire): boolean {
  return s.plain === true && !s.through && !s.floor && !s.skipReason;
}

interface FireRow {
  ord: string;
  outcome: SlotOutcome;
  createdAt: Date | null;
  queue: string | null;
  state: string | null;
  skipReason: string | null;
  cursorRow: boolean | null;
  deactivated: {
    revision: number;
    project: string;
    domain: string;
    taskName: string;
    name: string;
  } | null;
}

export interface CreatedRuns {
  /** false: the trigger is missing or deleted (nothing was created) */
  found: boolean;
  runs: RunRow[];
}

/**
 * Every statement that creates runs (each in its trigger's queue, starting PENDING:
 * runLifecycleInsertValues, docs/delivery.md) and writes `scheduler_cursors`: scheduled fires (which also keep
 * the triggers' last_scheduled_at and the cursor rows), backfill and manual runs. Every statement
 * that creates runs locks the trigger rows it depends on (in id order, so concurrent batches never
 * deadlock) and re-checks them, so a change committed first always wins over a fire.
 */
@Injectable()
export class RunWritesRepository implements SlotWriter {
  /** false on the embedded database (one connection): see locked() */
  private readonly lockTriggers: boolean;
  /** runs.fired_by of the runs the scheduler creates here (docs/scale-out.md) */
  private readonly instanceId: string;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(EMBEDDED_DATABASE) database: DatabaseHandle,
    private readonly signals: RunSignals,
    config: AppConfig,
  ) {
    this.lockTriggers = database.kind !== 'embedded';
    this.instanceId = config.scheduler.instanceId;
  }

  /**
   * Fires scheduled slots in one statement (docs/runs.md "One run per slot"): for each slot
   * whose trigger is still active, not deleted and at the given revision, inserts its SCHEDULE
   * run unless the slot already has one, and sets last_scheduled_at = GREATEST(last_scheduled_at, slot) and triggered_at. Keeps the
   * cursor rows (see SlotToFire.through and floor): a trigger without holes has none, so the
   * common fire writes only the run and the trigger. Returns one result per slot, in order.
   * Trigger rows are reached from the slots through the primary key, never by scanning the active
   * triggers (that scan made a 100-slot fire cost 185 ms among 10,000 triggers; now 4 ms among
   * 100,000, and 1,000 slots 23 ms): both statements look each slot's trigger up by key in a
   * LATERAL subquery (TRIGGER_OF_SLOT_SQL), which the planner cannot turn into a scan. A slot at
   * or before the trigger's persisted cursor (its cursor row, else last_scheduled_at) is answered
   * EXISTS without looking for its run: it was fired, even if retention deleted the run since
   * (docs/scale-out.md). The planner joins the CTEs with nested loops, so keep batches to a few
   * thousand slots (the scheduler sends at most 2,500): at 10,000 in one statement the joins
   * alone take seconds.
   */
  async fireScheduledSlots(slots: SlotToFire[]): Promise<SlotResult[]> {
    if (slots.length === 0) return [];
    const ids = slots.map((s) => s.triggerId);
    const params = [
      ids,
      slots.map((s) => s.revision),
      slots.map((s) => s.scheduledAt.toISOString()),
      slots.map((s) => s.runName),
      slots.map((s) => (s.through ? s.through.toISOString() : null)),
      slots.map((s) => (s.floor ? s.floor.toISOString() : null)),
      slots.map((s) => (s.notBefore ? s.notBefore.toISOString() : null)),
      slots.map((s) => s.skipReason ?? null),
      this.instanceId,
    ];
    const statement = slots.every(isPlain) ? FIRE_PLAIN_SLOTS_SQL : FIRE_SLOTS_SQL;
    const rows = await this.locked<FireRow[]>(ids, (sql) => sql.query(statement, params));
    const results: SlotResult[] = new Array<SlotResult>(slots.length);
    const queues = new Set<string>();
    for (const row of rows) {
      if (row.queue !== null && row.state === 'PENDING') queues.add(row.queue);
      const i = Number(row.ord) - 1;
      results[i] = {
        outcome: row.outcome,
        createdAt: row.createdAt,
        cursorRow: row.cursorRow,
        state: row.state,
        skipReason: row.skipReason,
        deactivated: row.deactivated
          ? {
              triggerId: slots[i].triggerId,
              revision: row.deactivated.revision,
              name: {
                project: row.deactivated.project,
                domain: row.deactivated.domain,
                taskName: row.deactivated.taskName,
                name: row.deactivated.name,
              },
            }
          : null,
      };
    }
    await this.signals.publish(queues);
    return results;
  }

  /**
   * Runs `work` holding the row locks of the triggers `ids` (in id order, so concurrent batches
   * never deadlock), taken by a statement of its own before `work`'s statements: in READ
   * COMMITTED each statement reads what was committed when it began, so the overlap decision
   * (overlap.sql.ts) sees every run committed by whoever held a lock before (docs/policies.md
   * "Two replicas"). The embedded database has one connection: statements never overlap, so
   * there is no lock and no transaction (PGlite writes every locked tuple).
   */
  async locked<T>(ids: string[], work: (sql: Sql) => Promise<T>): Promise<T> {
    if (!this.lockTriggers) return work(this.dataSource);
    return this.dataSource.transaction(async (manager) => {
      await manager.query(
        `SELECT t.id FROM triggers t WHERE t.id = ANY($1::bigint[]) ORDER BY t.id
         FOR NO KEY UPDATE OF t`,
        [ids],
      );
      return work(manager);
    });
  }

  /**
   * Creates BACKFILL runs for the given slots of a SCHEDULE trigger that is not deleted (active
   * or not), skipping slots that already have a run; moves triggered_at, not last_scheduled_at.
   * Answers the runs created with their payloads while those fit in `payloadBudget` bytes, else
   * without them (docs/runs.md "Backfill"): the answer stays bounded however large the payloads.
   */
  async createBackfillRuns(
    triggerId: string,
    slots: { scheduledAt: Date; runName: string; notBefore?: Date }[],
    payloadBudget: number,
    overlapPolicy: string = 'ALLOW_ALL',
  ): Promise<BackfillRuns> {
    const rows = await this.locked<BackfillJson[]>([triggerId], (sql) =>
      sql.query(
        `WITH ${backfillSlotsSql()},
       cand AS (
         SELECT due.ord, target.id AS trigger_id, due.scheduled_at, NULL::text AS pre_skip,
                $5::text AS policy, ${maxConcurrentSql('target.automation_spec')} AS max_conc
         FROM target CROSS JOIN due
         WHERE ${FREE_SLOT}
       ),
       ${overlapDecisionSql('cand')},
       ins AS (
         INSERT INTO runs (trigger_id, trigger_revision, name, source, scheduled_at, created_at,
                           task_version, inputs, run_spec, ${RUN_LIFECYCLE_INSERT_COLUMNS})
         SELECT target.id, target.latest_revision, due.name, 'BACKFILL', due.scheduled_at,
                clock_timestamp(), target.task_version, ${inputsSql('target', 'due.iso')},
                ${runSpecSql('target')},
                ${runLifecycleInsertValues('target', 'due.scheduled_at', decidedState('dd'), 'due.not_before')}
         FROM target CROSS JOIN due JOIN ov_decided dd ON dd.ord = due.ord ORDER BY due.ord
         ON CONFLICT (trigger_id, scheduled_at) WHERE source IN ('SCHEDULE', 'BACKFILL') DO NOTHING
         RETURNING ${RUN_COLUMNS}
       ),
       moved AS (
         UPDATE triggers t SET triggered_at = GREATEST(t.triggered_at, m.last_created)
         FROM (SELECT max("createdAt") AS last_created FROM ins) m
         WHERE t.id = $1::bigint AND m.last_created IS NOT NULL
       )
       SELECT (SELECT count(*) FROM target)::int AS found,
              (SELECT pruned_through FROM target) AS pruned,
              ${boundedRunsSql('ins', '"scheduledAt"', '$4')}`,
        backfillParams(triggerId, slots, payloadBudget, overlapPolicy),
      ),
    );
    const created = backfillRunsOf(rows[0]);
    await this.signals.publish(
      created.runs.filter((r) => r.state === 'PENDING').map((r) => r.queue),
    );
    return created;
  }

  /**
   * What createBackfillRuns would create now (a dry run): the same statement's rule for the
   * payloads (run-inputs.sql.ts), for the slots that have no SCHEDULE or BACKFILL run; nothing is
   * written. createdAt is the time of the plan (the API answers null).
   */
  async planBackfillRuns(
    triggerId: string,
    slots: { scheduledAt: Date; runName: string }[],
    payloadBudget: number,
  ): Promise<BackfillRuns> {
    const rows: BackfillJson[] = await this.dataSource.query(
      `WITH ${backfillSlotsSql()},
       planned AS (
         SELECT '0' AS id, target.id::text AS "triggerId", target.latest_revision AS "triggerRevision",
                due.name, 'BACKFILL' AS source, due.scheduled_at AS "scheduledAt",
                clock_timestamp() AS "createdAt", target.task_version AS "taskVersion",
                ${inputsSql('target', 'due.iso')} AS inputs, ${runSpecSql('target')} AS "runSpec",
                due.ord
         FROM target CROSS JOIN due
         WHERE ${FREE_SLOT}
       )
       SELECT (SELECT count(*) FROM target)::int AS found,
              (SELECT pruned_through FROM target) AS pruned,
              ${boundedRunsSql('planned', 'ord', '$4')},
              $5::text AS policy`,
      backfillParams(triggerId, slots, payloadBudget),
    );
    return backfillRunsOf(rows[0]);
  }

  /**
   * Creates a MANUAL run of a trigger that is not deleted and moves its triggered_at. With an
   * idempotency key already used for this trigger, creates nothing (runs is then empty).
   */
  async createManualRun(
    triggerId: string,
    run: {
      runName: string;
      scheduledAt: Date;
      idempotencyKey: string | null;
      /** the request's overlapPolicy (null: the trigger's) */
      overlapPolicy?: string | null;
    },
  ): Promise<CreatedRuns> {
    const rows = await this.locked<{ found: number; run: RunJson | null }[]>([triggerId], (sql) =>
      sql.query(
        `WITH target AS (
         SELECT t.id, t.latest_revision, t.task_version, t.spec, t.automation_spec, t.project
         FROM triggers t WHERE t.id = $1::bigint AND t.deleted_at IS NULL
       ),
       cand AS (
         SELECT 1 AS ord, target.id AS trigger_id, $3::text::timestamptz AS scheduled_at,
                NULL::text AS pre_skip,
                ${overlapPolicySql('target.automation_spec', '$5::text')} AS policy,
                ${maxConcurrentSql('target.automation_spec')} AS max_conc
         FROM target
         WHERE $4::text IS NULL OR NOT EXISTS (
           SELECT 1 FROM runs r WHERE r.trigger_id = target.id AND r.idempotency_key = $4)
       ),
       ${overlapDecisionSql('cand')},
       ins AS (
         INSERT INTO runs (trigger_id, trigger_revision, name, source, scheduled_at, created_at,
                           task_version, inputs, run_spec, idempotency_key,
                           ${RUN_LIFECYCLE_INSERT_COLUMNS})
         SELECT target.id, target.latest_revision, $2, 'MANUAL', $3::text::timestamptz, clock_timestamp(),
                target.task_version, ${inputsSql('target', '$3::text')}, ${runSpecSql('target')}, $4,
                ${runLifecycleInsertValues('target', '$3::text::timestamptz', decidedState('dd'))}
         FROM target JOIN ov_decided dd ON true
         ON CONFLICT (trigger_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
         RETURNING ${RUN_COLUMNS}
       ),
       moved AS (
         UPDATE triggers t SET triggered_at = GREATEST(t.triggered_at, ins."createdAt")
         FROM ins WHERE t.id = $1::bigint
       )
       SELECT (SELECT count(*) FROM target)::int AS found,
              (SELECT row_to_json(ins) FROM ins) AS run`,
        [
          triggerId,
          run.runName,
          run.scheduledAt.toISOString(),
          run.idempotencyKey,
          run.overlapPolicy ?? null,
        ],
      ),
    );
    const created = rows[0].run;
    if (created && created.state === 'PENDING') await this.signals.publish([created.queue]);
    return { found: rows[0].found > 0, runs: created ? [runFromJson(created)] : [] };
  }
}
