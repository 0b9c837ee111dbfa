import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { AttemptTransition } from './attempt-end';
import { RUN_RECORD_COLUMNS, type RunRecord } from './run-record';
import type { RunError } from './run-state';

/** Where a statement runs: the pool, or a transaction's manager (final-state hooks). */
export type Sql = Pick<EntityManager, 'query'>;

/** Which attempt a transition ends; the statement changes the run only if this still holds. */
export interface AttemptGuard {
  publicId: string;
  tokenHash: string;
  /** true: the lease must have run out (the sweeper); false: it must still be valid (a worker) */
  expired: boolean;
  /**
   * what the decision was made from (read just before): the run must be unchanged since. Null
   * when the decision does not depend on the run (complete).
   */
  seen: { attempt: number; failures: number; cancelRequested: boolean } | null;
}

/** What the decision reads about a run whose attempt is ending. */
export interface AttemptContext {
  attempt: number;
  failures: number;
  cancelRequested: boolean;
  startedAt: Date | null;
  retryConfig: unknown;
  tokenHash: string;
}

const json = (value: unknown): string | null =>
  value === undefined || value === null ? null : JSON.stringify(value);

/**
 * Every statement that changes a run's state after it is created. Each is one guarded UPDATE:
 * final states never match a guard, and a stale lease token matches nothing, so a lost race or a
 * stale worker changes nothing. Times come from the injected clock (parameters), not now().
 */
@Injectable()
export class RunStateRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The run's attempt context if `tokenHash` is its current lease (expired or not as asked). */
  async attemptContext(
    publicId: string,
    tokenHash: string | null,
    now: Date,
    expired: boolean,
  ): Promise<AttemptContext | null> {
    const rows = await this.dataSource.query<AttemptContext[]>(
      `SELECT attempt, failures, cancel_requested AS "cancelRequested", started_at AS "startedAt",
              retry_config AS "retryConfig", lease_token_hash AS "tokenHash"
       FROM runs
       WHERE public_id = $1::uuid AND state = 'RUNNING'
         AND ($2::text IS NULL OR lease_token_hash = $2)
         AND CASE WHEN $4::boolean THEN lease_expires_at <= $3::timestamptz
                  ELSE lease_expires_at > $3::timestamptz END`,
      [publicId, tokenHash, now.toISOString(), expired],
    );
    return rows[0] ?? null;
  }

  /**
   * Ends the guarded attempt as `change` says (state, attempt outcome, error, result, retry
   * time) and clears the lease, in one statement; returns the run after, or null when the guard
   * no longer holds (nothing changed).
   */
  async endAttempt(
    sql: Sql,
    guard: AttemptGuard,
    change: AttemptTransition,
    now: Date,
  ): Promise<RunRecord | null> {
    const keepError = change.runError === 'KEEP';
    const rows = await sql.query<RunRecord[]>(
      `WITH upd AS (
         UPDATE runs r SET state = $5::text,
           failures = CASE WHEN $12::int IS NULL THEN r.failures ELSE $6::int END,
           not_before = coalesce($7::timestamptz, r.not_before),
           expires_at = CASE WHEN $5::text = 'PENDING' THEN $7::timestamptz + r.expire_after END,
           finished_at = CASE WHEN $5::text = 'PENDING' THEN NULL ELSE $3::timestamptz END,
           result = CASE WHEN $5::text = 'SUCCEEDED' THEN $8::jsonb ELSE r.result END,
           error = CASE WHEN $9::boolean THEN r.error ELSE $10::jsonb END,
           cancel_requested = CASE WHEN $5::text = 'PENDING' THEN false ELSE r.cancel_requested END,
           lease_token_hash = NULL, lease_expires_at = NULL, lease_duration_ms = NULL,
           worker_id = NULL
         WHERE r.public_id = $1::uuid AND r.state = 'RUNNING' AND r.lease_token_hash = $2
           AND CASE WHEN $4::boolean THEN r.lease_expires_at <= $3::timestamptz
                    ELSE r.lease_expires_at > $3::timestamptz END
           AND ($12::int IS NULL
                OR (r.attempt = $12 AND r.failures = $13 AND r.cancel_requested = $14))
         RETURNING r.*
       ),
       att AS (
         UPDATE run_attempts a SET ended_at = $3::timestamptz, outcome = $11::text, error = $15::jsonb
         FROM upd WHERE a.run_id = upd.id AND a.number = upd.attempt
       )
       SELECT ${RUN_RECORD_COLUMNS} FROM upd r JOIN triggers t ON t.id = r.trigger_id`,
      [
        guard.publicId,
        guard.tokenHash,
        now.toISOString(),
        guard.expired,
        change.state,
        change.failures,
        change.notBefore ? change.notBefore.toISOString() : null,
        json(change.result),
        keepError,
        keepError ? null : json(change.runError),
        change.outcome,
        guard.seen?.attempt ?? null,
        guard.seen?.failures ?? 0,
        guard.seen?.cancelRequested ?? false,
        json(change.attemptError),
      ],
    );
    return rows[0] ?? null;
  }

  /**
   * Completes many leased attempts in one statement (one commit for a batch of workers'
   * completions): each run whose token is its current, unexpired lease becomes SUCCEEDED with its
   * result, exactly as endAttempt does for a COMPLETE. Returns the runs that changed, each with the
   * token hash that ended it; a run missing from the answer was not changed (stale token,
   * expired lease, final, unknown). The first of duplicate (run, token) items wins.
   */
  async completeMany(
    sql: Sql,
    items: { publicId: string; tokenHash: string; result: unknown }[],
    now: Date,
  ): Promise<(RunRecord & { doneToken: string })[]> {
    if (items.length === 0) return [];
    return sql.query<(RunRecord & { doneToken: string })[]>(
      `WITH input AS (
         SELECT DISTINCT ON (i.public_id, i.token_hash) i.public_id, i.token_hash, i.result
         FROM unnest($1::uuid[], $2::text[], $3::jsonb[]) WITH ORDINALITY
              AS i(public_id, token_hash, result, ord)
         ORDER BY i.public_id, i.token_hash, i.ord
       ),
       upd AS (
         UPDATE runs r SET state = 'SUCCEEDED', finished_at = $4::timestamptz, expires_at = NULL,
           result = i.result, lease_token_hash = NULL, lease_expires_at = NULL,
           lease_duration_ms = NULL, worker_id = NULL
         FROM input i
         WHERE r.public_id = i.public_id AND r.state = 'RUNNING'
           AND r.lease_token_hash = i.token_hash AND r.lease_expires_at > $4::timestamptz
         RETURNING r.*, i.token_hash AS done_token
       ),
       att AS (
         UPDATE run_attempts a SET ended_at = $4::timestamptz, outcome = 'SUCCEEDED', error = NULL
         FROM upd WHERE a.run_id = upd.id AND a.number = upd.attempt
       )
       SELECT ${RUN_RECORD_COLUMNS}, r.done_token AS "doneToken"
       FROM upd r JOIN triggers t ON t.id = r.trigger_id`,
      [
        items.map((i) => i.publicId),
        items.map((i) => i.tokenHash),
        items.map((i) => json(i.result)),
        now.toISOString(),
      ],
    );
  }

  /** PENDING or BUFFERED → CANCELLED (final); null when the run is in neither state. */
  async cancelWaiting(
    sql: Sql,
    publicId: string,
    error: RunError | null,
    now: Date,
  ): Promise<RunRecord | null> {
    const rows = await sql.query<RunRecord[]>(
      `WITH upd AS (
         UPDATE runs r SET state = 'CANCELLED', finished_at = $2::timestamptz, expires_at = NULL,
                error = coalesce($3::jsonb, r.error)
         WHERE r.public_id = $1::uuid AND r.state IN ('PENDING', 'BUFFERED')
         RETURNING r.*
       )
       SELECT ${RUN_RECORD_COLUMNS} FROM upd r JOIN triggers t ON t.id = r.trigger_id`,
      [publicId, now.toISOString(), json(error)],
    );
    return rows[0] ?? null;
  }

  /** RUNNING → cancelRequested (its attempt's end or lease expiry makes it CANCELLED). */
  async requestCancel(
    sql: Sql,
    publicId: string,
    error: RunError | null,
  ): Promise<RunRecord | null> {
    const rows = await sql.query<RunRecord[]>(
      `WITH upd AS (
         UPDATE runs r SET cancel_requested = true, error = coalesce($2::jsonb, r.error)
         WHERE r.public_id = $1::uuid AND r.state = 'RUNNING'
         RETURNING r.*
       )
       SELECT ${RUN_RECORD_COLUMNS} FROM upd r JOIN triggers t ON t.id = r.trigger_id`,
      [publicId, json(error)],
    );
    return rows[0] ?? null;
  }

  /**
   * At most `limit` PENDING runs past their expiry → FAILED with `error` (type EXPIRED), locked
   * with SKIP LOCKED so replicas sweeping at once take different runs.
   */
  async expirePending(sql: Sql, error: RunError, now: Date, limit: number): Promise<RunRecord[]> {
    return sql.query<RunRecord[]>(
      `WITH due AS (
         SELECT id FROM runs
         WHERE state = 'PENDING' AND expires_at <= $1::timestamptz
         ORDER BY expires_at LIMIT $3
         FOR UPDATE SKIP LOCKED
       ),
       upd AS (
         UPDATE runs r SET state = 'FAILED', finished_at = $1::timestamptz, expires_at = NULL,
                error = $2::jsonb
         FROM due WHERE r.id = due.id AND r.state = 'PENDING'
         RETURNING r.*
       )
       SELECT ${RUN_RECORD_COLUMNS} FROM upd r JOIN triggers t ON t.id = r.trigger_id`,
      [now.toISOString(), json(error), limit],
    );
  }

  /** Public ids and token hashes of RUNNING runs whose lease ran out by `now`, oldest first. */
  async expiredLeases(
    now: Date,
    limit: number,
  ): Promise<{ publicId: string; tokenHash: string }[]> {
    return this.dataSource.query<{ publicId: string; tokenHash: string }[]>(
      `SELECT public_id::text AS "publicId", lease_token_hash AS "tokenHash" FROM runs
       WHERE state = 'RUNNING' AND lease_expires_at <= $1::timestamptz
       ORDER BY lease_expires_at LIMIT $2`,
      [now.toISOString(), limit],
    );
  }
}
