import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RUN_COLUMNS, runFromJson, type RunJson, type RunRow } from './run.row';

/** Position in a trigger's runs, newest scheduled first: (scheduledAt, id) of the last item seen. */
export interface RunKey {
  scheduledAt: Date;
  id: string;
}

/** A run's slot and name. */
export interface SlotRun {
  scheduledAt: Date;
  name: string;
}

/** Reads of the `runs` table (RunWritesRepository holds every write). */
@Injectable()
export class RunsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** A trigger's runs, newest scheduled first (ties: newest id first), strictly after `after`. */
  async listByTrigger(triggerId: string, after: RunKey | null, limit: number): Promise<RunRow[]> {
    if (after === null) {
      const rows: RunJson[] = await this.dataSource.query(
        `SELECT ${RUN_COLUMNS} FROM runs WHERE trigger_id = $1::bigint
         ORDER BY scheduled_at DESC, id DESC LIMIT $2`,
        [triggerId, limit],
      );
      return rows.map((r) => runFromJson(r));
    }
    const rows: RunJson[] = await this.dataSource.query(
      `SELECT ${RUN_COLUMNS} FROM runs
       WHERE trigger_id = $1::bigint AND (scheduled_at, id) < ($2::timestamptz, $3::bigint)
       ORDER BY scheduled_at DESC, id DESC LIMIT $4`,
      [triggerId, after.scheduledAt.toISOString(), after.id, limit],
    );
    return rows.map((r) => runFromJson(r));
  }

  /**
   * The SCHEDULE/BACKFILL runs occupying any of these slots of a trigger: their slot and name
   * only (a backfill's `skipped`; never the copied payloads, so the answer stays small).
   */
  async findSlotRuns(triggerId: string, slots: Date[]): Promise<SlotRun[]> {
    if (slots.length === 0) return [];
    const rows: { scheduledAt: Date | string; name: string }[] = await this.dataSource.query(
      `SELECT scheduled_at AS "scheduledAt", name FROM runs
       WHERE trigger_id = $1::bigint AND source IN ('SCHEDULE', 'BACKFILL')
         AND scheduled_at = ANY($2::timestamptz[])
       ORDER BY scheduled_at`,
      [triggerId, slots.map((s) => s.toISOString())],
    );
    return rows.map((r) => ({ scheduledAt: new Date(r.scheduledAt), name: r.name }));
  }

  /** The run created for this trigger with this idempotency key, if any. */
  async findByIdempotencyKey(triggerId: string, key: string): Promise<RunRow | null> {
    const rows: RunJson[] = await this.dataSource.query(
      `SELECT ${RUN_COLUMNS} FROM runs WHERE trigger_id = $1::bigint AND idempotency_key = $2`,
      [triggerId, key],
    );
    return rows[0] ? runFromJson(rows[0]) : null;
  }
}
