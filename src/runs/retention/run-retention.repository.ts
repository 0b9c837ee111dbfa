import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DatabaseHandle, EMBEDDED_DATABASE } from '../../database/database.module';
import { FINAL_STATES } from '../lifecycle/run-state';

/** The advisory lock key that lets one instance at a time delete (any constant: "sund"). */
export const RETENTION_LOCK_KEY = 0x73756e64;

const FINAL = FINAL_STATES.map((s) => `'${s}'`).join(', ');

export interface RetentionBatch {
  /** runs deleted */
  deleted: number;
  /** false: another instance holds the retention lock (nothing was looked at) */
  locked: boolean;
}

/**
 * Retention's one statement (docs/runs.md "Retention"): deletes at most `limit` final runs that
 * finished before now() - retention, oldest first, under a transaction-scoped advisory lock (so
 * one instance at a time deletes, and nothing outlives the statement: safe behind a pooler).
 * A SCHEDULE or BACKFILL run goes only once its slot is at or before the trigger's persisted
 * cursor (cursor row, else last_scheduled_at), where the fire statement counts a slot as fired
 * without its run, or at or before the trigger's effective time (never due again): so deleting a
 * run never makes its slot due again. Attempts go with their run (ON DELETE CASCADE). The latest
 * slot whose SCHEDULE or BACKFILL run went is kept per trigger (run_retention_marks), in the same
 * statement: a backfill creates nothing at or before it.
 */
@Injectable()
export class RunRetentionRepository {
  private readonly gate: string;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(EMBEDDED_DATABASE) database: DatabaseHandle,
  ) {
    // One process owns the embedded database: no lock to take.
    this.gate =
      database.kind === 'embedded'
        ? 'SELECT true AS ok'
        : `SELECT pg_try_advisory_xact_lock(${RETENTION_LOCK_KEY}) AS ok`;
  }

  async deleteBatch(retentionMs: number, limit: number): Promise<RetentionBatch> {
    const rows: { ok: boolean; deleted: number }[] = await this.dataSource.query(
      `WITH gate AS (${this.gate}),
       victims AS (
         SELECT r.id FROM runs r
         JOIN triggers t ON t.id = r.trigger_id
         LEFT JOIN scheduler_cursors c ON c.trigger_id = r.trigger_id
         WHERE (SELECT ok FROM gate)
           AND r.state IN (${FINAL})
           AND r.finished_at < now() - $1 * interval '1 millisecond'
           AND (r.source = 'MANUAL'
                OR r.scheduled_at <= GREATEST(t.effective_at,
                                              coalesce(c.scheduled_through, t.last_scheduled_at)))
         ORDER BY r.finished_at
         LIMIT $2
         FOR UPDATE OF r SKIP LOCKED
       ),
       gone AS (
         DELETE FROM runs d USING victims v WHERE d.id = v.id
         RETURNING d.trigger_id, d.source, d.scheduled_at
       ),
       marked AS (
         INSERT INTO run_retention_marks (trigger_id, pruned_through)
         SELECT trigger_id, max(scheduled_at) FROM gone
         WHERE source IN ('SCHEDULE', 'BACKFILL') GROUP BY trigger_id
         ON CONFLICT (trigger_id) DO UPDATE
           SET pruned_through = GREATEST(run_retention_marks.pruned_through, excluded.pruned_through)
       )
       SELECT (SELECT ok FROM gate) AS ok, (SELECT count(*) FROM gone)::int AS deleted`,
      [retentionMs, limit],
    );
    return { deleted: rows[0]?.deleted ?? 0, locked: rows[0]?.ok === false };
  }
}
