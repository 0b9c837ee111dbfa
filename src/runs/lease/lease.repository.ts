import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RUN_RECORD_COLUMNS, type RunRecord } from '../lifecycle/run-record';

export interface LeaseRequest {
  queue: string;
  /** null: every project; else only runs of these projects */
  projects: string[] | null;
  workerId: string;
  leaseMs: number;
  /** one SHA-256 hex per run that may be leased (their count is the batch size) */
  tokenHashes: string[];
  now: Date;
}

export interface QueueStatsRow {
  queue: string;
  pending: number;
  running: number;
  oldestPendingNotBefore: Date | null;
}

/** The lease statements of the worker API (docs/delivery.md "Lease API"). */
@Injectable()
export class LeaseRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Leases up to tokenHashes.length due PENDING runs of a queue, oldest notBefore first, in one
   * statement: rows are locked FOR UPDATE SKIP LOCKED (concurrent leases never take the same
   * run), each becomes RUNNING with the next attempt number and its own token hash, and an
   * attempt row is written. The pick walks ix_runs_pending (queue, not_before) WHERE PENDING, so
   * its cost depends on the queue's due runs, not on the history. Returned in lease order.
   */
  async lease(req: LeaseRequest): Promise<RunRecord[]> {
    if (req.tokenHashes.length === 0) return [];
    return this.dataSource.query<RunRecord[]>(
      `WITH picked AS (
         SELECT r.id, r.not_before FROM runs r
         WHERE r.queue = $1 AND r.state = 'PENDING' AND r.not_before <= $2::timestamptz
           AND ($3::text[] IS NULL OR r.project = ANY($3::text[]))
         ORDER BY r.not_before
         LIMIT $4
         FOR UPDATE SKIP LOCKED
       ),
       numbered AS (SELECT id, row_number() OVER (ORDER BY not_before, id) AS rn FROM picked),
       tokens AS (SELECT hash, rn FROM unnest($5::text[]) WITH ORDINALITY AS k(hash, rn)),
       leased AS (
         UPDATE runs r SET state = 'RUNNING', attempt = r.attempt + 1, lease_token_hash = k.hash,
                lease_expires_at = $2::timestamptz + $6::int * interval '1 millisecond',
                lease_duration_ms = $6::int, worker_id = $7,
                started_at = coalesce(r.started_at, $2::timestamptz), expires_at = NULL
         FROM numbered n JOIN tokens k ON k.rn = n.rn
         WHERE r.id = n.id
         RETURNING r.*, n.rn
       ),
       attempts AS (
         INSERT INTO run_attempts (run_id, number, worker_id, started_at)
         SELECT id, attempt, worker_id, $2::timestamptz FROM leased
       )
       SELECT ${RUN_RECORD_COLUMNS} FROM leased r JOIN triggers t ON t.id = r.trigger_id
       ORDER BY r.rn`,
      [
        req.queue,
        req.now.toISOString(),
        req.projects,
        req.tokenHashes.length,
        req.tokenHashes,
        req.leaseMs,
        req.workerId,
      ],
    );
  }

  /**
   * (Wrapped in a CTE: TypeORM answers a bare UPDATE with [rows, count], a SELECT with rows.)
   * Extends a valid lease to now + extendMs (null: the duration it was leased for); returns the
   * new expiry and cancelRequested, or null when the token is not the run's current valid one.
   */
  async heartbeat(
    publicId: string,
    tokenHash: string,
    extendMs: number | null,
    now: Date,
  ): Promise<{ leaseExpiresAt: Date; cancelRequested: boolean } | null> {
    const rows = await this.dataSource.query<{ leaseExpiresAt: Date; cancelRequested: boolean }[]>(
      `WITH upd AS (
         UPDATE runs SET lease_expires_at = $3::timestamptz
              + coalesce($4::int, lease_duration_ms) * interval '1 millisecond',
              lease_duration_ms = coalesce($4::int, lease_duration_ms)
       WHERE public_id = $1::uuid AND state = 'RUNNING' AND lease_token_hash = $2
         AND lease_expires_at > $3::timestamptz
         RETURNING lease_expires_at AS "leaseExpiresAt", cancel_requested AS "cancelRequested"
       )
       SELECT * FROM upd`,
      [publicId, tokenHash, now.toISOString(), extendMs],
    );
    return rows[0] ?? null;
  }

  /** The earliest notBefore after `now` of a PENDING run of the queue (for long-poll wake-up). */
  async nextNotBefore(queue: string, projects: string[] | null, now: Date): Promise<Date | null> {
    const rows = await this.dataSource.query<{ at: Date | null }[]>(
      `SELECT min(not_before) AS at FROM runs
       WHERE queue = $1 AND state = 'PENDING' AND not_before > $2::timestamptz
         AND ($3::text[] IS NULL OR project = ANY($3::text[]))`,
      [queue, now.toISOString(), projects],
    );
    return rows[0]?.at ?? null;
  }

  /**
   * Pending and running counts per queue and the oldest pending notBefore, from the PENDING and
   * RUNNING partial indexes only (final runs are never read).
   */
  async queueStats(projects: string[] | null): Promise<QueueStatsRow[]> {
    const rows = await this.dataSource.query<
      { queue: string; pending: string; running: string; oldest: Date | null }[]
    >(
      `SELECT queue, count(*) FILTER (WHERE state = 'PENDING') AS pending,
              count(*) FILTER (WHERE state = 'RUNNING') AS running,
              min(not_before) FILTER (WHERE state = 'PENDING') AS oldest
       FROM runs
       WHERE state IN ('PENDING', 'RUNNING')
         AND ($1::text[] IS NULL OR project = ANY($1::text[]))
       GROUP BY queue ORDER BY queue`,
      [projects],
    );
    return rows.map((r) => ({
      queue: r.queue,
      pending: Number(r.pending),
      running: Number(r.running),
      oldestPendingNotBefore: r.oldest,
    }));
  }
}
