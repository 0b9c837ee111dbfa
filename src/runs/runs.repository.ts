import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RUN_COLUMNS, type RunRow } from '../triggers/trigger-scheduling.repository';

/** Position in a trigger's runs, newest scheduled first: (scheduledAt, id) of the last item seen. */
export interface RunKey {
  scheduledAt: Date;
  id: string;
}

/** Reads of the `runs` table (runs are created by TriggerSchedulingRepository's statements). */
@Injectable()
export class RunsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** A trigger's runs, newest scheduled first (ties: newest id first), strictly after `after`. */
  async listByTrigger(triggerId: string, after: RunKey | null, limit: number): Promise<RunRow[]> {
    if (after === null) {
      return this.dataSource.query(
        `SELECT ${RUN_COLUMNS} FROM runs WHERE trigger_id = $1::bigint
         ORDER BY scheduled_at DESC, id DESC LIMIT $2`,
        [triggerId, limit],
      );
    }
    return this.dataSource.query(
      `SELECT ${RUN_COLUMNS} FROM runs
       WHERE trigger_id = $1::bigint AND (scheduled_at, id) < ($2::timestamptz, $3::bigint)
       ORDER BY scheduled_at DESC, id DESC LIMIT $4`,
      [triggerId, after.scheduledAt.toISOString(), after.id, limit],
    );
  }

  /** The SCHEDULE/BACKFILL runs occupying any of these slots of a trigger. */
  async findSlotRuns(triggerId: string, slots: Date[]): Promise<RunRow[]> {
    if (slots.length === 0) return [];
    return this.dataSource.query(
      `SELECT ${RUN_COLUMNS} FROM runs
       WHERE trigger_id = $1::bigint AND source IN ('SCHEDULE', 'BACKFILL')
         AND scheduled_at = ANY($2::timestamptz[])
       ORDER BY scheduled_at`,
      [triggerId, slots.map((s) => s.toISOString())],
    );
  }

  /** The run created for this trigger with this idempotency key, if any. */
  async findByIdempotencyKey(triggerId: string, key: string): Promise<RunRow | null> {
    const rows: RunRow[] = await this.dataSource.query(
      `SELECT ${RUN_COLUMNS} FROM runs WHERE trigger_id = $1::bigint AND idempotency_key = $2`,
      [triggerId, key],
    );
    return rows[0] ?? null;
  }
}
