import { Inject, Injectable } from '@nestjs/common';
import { DatabaseHandle, EMBEDDED_DATABASE } from '../database/database.module';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import type { SlotOutcome, SlotResult, SlotToFire, SlotWriter } from '../scheduler/scheduler.types';
import { ACTIVE_SCHEDULE } from '../triggers/trigger-reads.repository';
import { inputsSql, runSpecSql } from './run-inputs.sql';
import { RunSignals } from './lease/run-signals';
import { RUN_LIFECYCLE_INSERT_COLUMNS, runLifecycleInsertValues } from './lifecycle/delivery-spec';
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
}

interface BackfillJson {
  found: number;
  omitted: boolean;
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
 * `lock`) and `due` (the slots $2, named $3, in order).
 */
function backfillSlotsSql(lock: string): string {
  return `target AS (
         SELECT t.id, t.latest_revision, t.task_version, t.spec, t.automation_spec, t.project
         FROM triggers t
         WHERE t.id = $1::bigint AND t.deleted_at IS NULL AND t.automation_type = 'SCHEDULE'
         ${lock}
       ),
       due AS (
         SELECT d.at::timestamptz AS scheduled_at, d.at AS iso, d.name, d.ord
         FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS d(at, name, ord)
       )`;
}

/** $1–$4 of both backfill statements. */
function backfillParams(
  triggerId: string,
  slots: { scheduledAt: Date; runName: string }[],
  payloadBudget: number,
): unknown[] {
  return [
    triggerId,
    slots.map((s) => s.scheduledAt.toISOString()),
    slots.map((s) => s.runName),
    payloadBudget,
  ];
}

function backfillRunsOf(row: BackfillJson): BackfillRuns {
  return {
    found: row.found > 0,
    runs: (row.runs ?? []).map(runFromJson),
    payloadsOmitted: row.omitted,
  };
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
  /**
   * The row lock a fire takes on its triggers. The embedded database has one connection, so
   * statements never overlap and the lock guards against nothing; skipping it there halves the
   * cost of a large fire (PGlite writes every locked tuple).
   */
  private readonly fireLock: string;
  /** runs.fired_by of the runs the scheduler creates here (docs/scale-out.md) */
  private readonly instanceId: string;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(EMBEDDED_DATABASE) database: DatabaseHandle,
    private readonly signals: RunSignals,
    config: AppConfig,
  ) {
    this.instanceId = config.scheduler.instanceId;
    this.fireLock = database.kind === 'embedded' ? '' : 'FOR NO KEY UPDATE OF t';
  }

  /**
   * Fires scheduled slots in one statement (docs/runs.md "One run per slot"): for each slot
   * whose trigger is still active, not deleted and at the given revision, inserts its SCHEDULE
   * run unless the slot already has one, and sets last_scheduled_at = GREATEST(last_scheduled_at, slot) and triggered_at. Keeps the
   * cursor rows (see SlotToFire.through and floor): a trigger without holes has none, so the
   * common fire writes only the run and the trigger. Returns one result per slot, in order.
   * Trigger rows are reached from the slots through the primary key, never by scanning the active
   * triggers (that scan made a 100-slot fire cost 185 ms among 10,000 triggers; now 4 ms among
   * 100,000, and 1,000 slots 23 ms). A slot at or before the trigger's persisted cursor (its
   * cursor row, else last_scheduled_at) is answered EXISTS without looking for its run: it was
   * fired, even if retention deleted the run since (docs/scale-out.md). The planner joins
   * the CTEs with nested loops, so keep batches to a few thousand slots (the scheduler sends at
   * most 2,500): at 10,000 in one statement the joins alone take seconds.
   */
  async fireScheduledSlots(slots: SlotToFire[]): Promise<SlotResult[]> {
    if (slots.length === 0) return [];
    const rows: {
      ord: string;
      outcome: SlotOutcome;
      createdAt: Date | null;
      queue: string | null;
      cursorRow: boolean | null;
    }[] = await this.dataSource.query(
      `WITH due AS (
         SELECT d.ord, d.trigger_id, d.revision, d.at::timestamptz AS scheduled_at, d.at AS iso,
                d.name, d.through::timestamptz AS through, d.floor::timestamptz AS floor
         FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[])
              WITH ORDINALITY AS d(trigger_id, revision, at, name, through, floor, ord)
       ),
       eligible AS (
         SELECT t.id, t.latest_revision, t.task_version, t.spec, t.automation_spec,
                t.last_scheduled_at, t.project
         FROM (SELECT DISTINCT trigger_id FROM due) d
         JOIN triggers t ON t.id = d.trigger_id
         WHERE ${ACTIVE_SCHEDULE}
         ORDER BY t.id
         ${this.fireLock}
       ),
       ok AS (
         SELECT d.*, e.task_version, e.spec, e.automation_spec, e.last_scheduled_at, e.project,
                coalesce(c.scheduled_through, e.last_scheduled_at) AS fired_through
         FROM due d JOIN eligible e ON e.id = d.trigger_id AND e.latest_revision = d.revision
         LEFT JOIN scheduler_cursors c ON c.trigger_id = d.trigger_id
       ),
       ins AS (
         INSERT INTO runs (trigger_id, trigger_revision, name, source, scheduled_at, created_at,
                           task_version, inputs, run_spec, fired_by, ${RUN_LIFECYCLE_INSERT_COLUMNS})
         SELECT ok.trigger_id, ok.revision, ok.name, 'SCHEDULE', ok.scheduled_at, clock_timestamp(),
                ok.task_version, ${inputsSql('ok', 'ok.iso')}, ${runSpecSql('ok')}, $7,
                ${runLifecycleInsertValues('ok', 'ok.scheduled_at')}
         FROM ok
         WHERE ok.fired_through IS NULL OR ok.scheduled_at > ok.fired_through
         ORDER BY ok.ord
         ON CONFLICT (trigger_id, scheduled_at) WHERE source IN ('SCHEDULE', 'BACKFILL') DO NOTHING
         RETURNING trigger_id, scheduled_at, created_at, queue
       ),
       fired AS (
         SELECT trigger_id, max(scheduled_at) AS last_scheduled, max(created_at) AS last_created
         FROM ins GROUP BY trigger_id
       ),
       moved AS (
         UPDATE triggers t
         SET last_scheduled_at = GREATEST(t.last_scheduled_at, f.last_scheduled),
             triggered_at = GREATEST(t.triggered_at, f.last_created)
         FROM fired f WHERE t.id = f.trigger_id AND t.id = ANY($1::bigint[])
       ),
       cursor_plan AS (
         SELECT ok.trigger_id, min(ok.floor) AS floor, max(ok.through) AS through,
                GREATEST(max(ok.last_scheduled_at), max(f.last_scheduled)) AS last_scheduled
         FROM ok LEFT JOIN fired f ON f.trigger_id = ok.trigger_id
         WHERE ok.floor IS NOT NULL OR ok.through IS NOT NULL
         GROUP BY ok.trigger_id
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
                   WHEN ins.trigger_id IS NULL THEN 'EXISTS' ELSE 'CREATED' END AS outcome,
              ins.created_at AS "createdAt", ins.queue,
              CASE WHEN ok.trigger_id IS NULL OR p.trigger_id IS NULL THEN NULL
                   WHEN p.floor IS NOT NULL THEN true
                   ELSE p.through < coalesce(p.last_scheduled, '-infinity') END AS "cursorRow"
       FROM due d
       LEFT JOIN ok ON ok.ord = d.ord
       LEFT JOIN ins ON ins.trigger_id = d.trigger_id AND ins.scheduled_at = d.scheduled_at
       LEFT JOIN cursor_plan p ON p.trigger_id = d.trigger_id`,
      [
        slots.map((s) => s.triggerId),
        slots.map((s) => s.revision),
        slots.map((s) => s.scheduledAt.toISOString()),
        slots.map((s) => s.runName),
        slots.map((s) => (s.through ? s.through.toISOString() : null)),
        slots.map((s) => (s.floor ? s.floor.toISOString() : null)),
        this.instanceId,
      ],
    );
    const results: SlotResult[] = new Array<SlotResult>(slots.length);
    const queues = new Set<string>();
    for (const row of rows) {
      if (row.queue !== null) queues.add(row.queue);
      results[Number(row.ord) - 1] = {
        outcome: row.outcome,
        createdAt: row.createdAt,
        cursorRow: row.cursorRow,
      };
    }
    await this.signals.publish(queues);
    return results;
  }

  /**
   * Creates BACKFILL runs for the given slots of a SCHEDULE trigger that is not deleted (active
   * or not), skipping slots that already have a run; moves triggered_at, not last_scheduled_at.
   * Answers the runs created with their payloads while those fit in `payloadBudget` bytes, else
   * without them (docs/runs.md "Backfill"): the answer stays bounded however large the payloads.
   */
  async createBackfillRuns(
    triggerId: string,
    slots: { scheduledAt: Date; runName: string }[],
    payloadBudget: number,
  ): Promise<BackfillRuns> {
    const rows: BackfillJson[] = await this.dataSource.query(
      `WITH ${backfillSlotsSql('FOR NO KEY UPDATE OF t')},
       ins AS (
         INSERT INTO runs (trigger_id, trigger_revision, name, source, scheduled_at, created_at,
                           task_version, inputs, run_spec, ${RUN_LIFECYCLE_INSERT_COLUMNS})
         SELECT target.id, target.latest_revision, due.name, 'BACKFILL', due.scheduled_at,
                clock_timestamp(), target.task_version, ${inputsSql('target', 'due.iso')},
                ${runSpecSql('target')}, ${runLifecycleInsertValues('target', 'due.scheduled_at')}
         FROM target CROSS JOIN due ORDER BY due.ord
         ON CONFLICT (trigger_id, scheduled_at) WHERE source IN ('SCHEDULE', 'BACKFILL') DO NOTHING
         RETURNING ${RUN_COLUMNS}
       ),
       moved AS (
         UPDATE triggers t SET triggered_at = GREATEST(t.triggered_at, m.last_created)
         FROM (SELECT max("createdAt") AS last_created FROM ins) m
         WHERE t.id = $1::bigint AND m.last_created IS NOT NULL
       )
       SELECT (SELECT count(*) FROM target)::int AS found, ${boundedRunsSql('ins', '"scheduledAt"', '$4')}`,
      backfillParams(triggerId, slots, payloadBudget),
    );
    const created = backfillRunsOf(rows[0]);
    await this.signals.publish(created.runs.map((r) => r.queue));
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
      `WITH ${backfillSlotsSql('')},
       planned AS (
         SELECT '0' AS id, target.id::text AS "triggerId", target.latest_revision AS "triggerRevision",
                due.name, 'BACKFILL' AS source, due.scheduled_at AS "scheduledAt",
                clock_timestamp() AS "createdAt", target.task_version AS "taskVersion",
                ${inputsSql('target', 'due.iso')} AS inputs, ${runSpecSql('target')} AS "runSpec",
                due.ord
         FROM target CROSS JOIN due
         WHERE NOT EXISTS (
           SELECT 1 FROM runs r
           WHERE r.trigger_id = target.id AND r.source IN ('SCHEDULE', 'BACKFILL')
             AND r.scheduled_at = due.scheduled_at)
       )
       SELECT (SELECT count(*) FROM target)::int AS found, ${boundedRunsSql('planned', 'ord', '$4')}`,
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
    run: { runName: string; scheduledAt: Date; idempotencyKey: string | null },
  ): Promise<CreatedRuns> {
    const rows: { found: number; run: RunJson | null }[] = await this.dataSource.query(
      `WITH target AS (
         SELECT t.id, t.latest_revision, t.task_version, t.spec, t.automation_spec, t.project
         FROM triggers t WHERE t.id = $1::bigint AND t.deleted_at IS NULL
         FOR NO KEY UPDATE OF t
       ),
       ins AS (
         INSERT INTO runs (trigger_id, trigger_revision, name, source, scheduled_at, created_at,
                           task_version, inputs, run_spec, idempotency_key,
                           ${RUN_LIFECYCLE_INSERT_COLUMNS})
         SELECT target.id, target.latest_revision, $2, 'MANUAL', $3::text::timestamptz, clock_timestamp(),
                target.task_version, ${inputsSql('target', '$3::text')}, ${runSpecSql('target')}, $4,
                ${runLifecycleInsertValues('target', '$3::text::timestamptz')}
         FROM target
         ON CONFLICT (trigger_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
         RETURNING ${RUN_COLUMNS}
       ),
       moved AS (
         UPDATE triggers t SET triggered_at = GREATEST(t.triggered_at, ins."createdAt")
         FROM ins WHERE t.id = $1::bigint
       )
       SELECT (SELECT count(*) FROM target)::int AS found,
              (SELECT row_to_json(ins) FROM ins) AS run`,
      [triggerId, run.runName, run.scheduledAt.toISOString(), run.idempotencyKey],
    );
    const created = rows[0].run;
    if (created) await this.signals.publish([created.queue]);
    return { found: rows[0].found > 0, runs: created ? [runFromJson(created)] : [] };
  }
}
