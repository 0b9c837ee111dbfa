import { Inject, Injectable } from '@nestjs/common';
import { EMBEDDED_DATABASE, type DatabaseHandle } from '../../database/database.module';
import { DataSource } from 'typeorm';
import { Clock } from '../../common/clock';
import { MetricsService } from '../../metrics/metrics.service';
import { RunSignals } from '../lease/run-signals';
import { decideAttemptEnd, EXPIRED_ERROR_TYPE, type AttemptEnd } from './attempt-end';
import { Completions, type Completion } from './completions';
import { checkRunId, hashLeaseToken } from './run-ids';
import { resolveRetryPolicy } from './retry-policy';
import type { RunRecord } from './run-record';
import { RunQueriesRepository } from './run-queries.repository';
import { overlapPolicySql } from '../overlap.sql';
import { isFinal, type AttemptOutcome, type RunError } from './run-state';
import { RunStateRepository, type Sql } from './run-state.repository';
import { LeaseLostError, RunFinalError, RunNotFoundError } from './run.errors';

/** What a final-state hook leaves for after the commit: queues to signal, work to do. */
export interface FinalHookResult {
  queues?: string[];
  after?: () => void;
}

/** Called with the runs a change made final, inside the change's transaction. */
export type FinalStateHook = (ended: RunRecord[], sql: Sql) => Promise<FinalHookResult | void>;

/** What a change locks before it runs (see RunLifecycleService.settle). */
export type SettleLock =
  { run: string } | { runs: string[] } | { expiring: { now: Date; limit: number } } | null;

/**
 * SQL (triggers `t`): a trigger whose runs' ends a policy acts on (docs/policies.md): an overlap
 * policy other than ALLOW_ALL (promotion), pauseOnFailure, or BUFFERED runs left from an earlier
 * policy. Only these are locked when a run ends.
 */
export const POLICY_TRIGGER = `(${overlapPolicySql('t.automation_spec')} <> 'ALLOW_ALL'
  OR t.automation_spec->'policies'->>'pauseOnFailure' = 'true'
  OR EXISTS (SELECT 1 FROM runs b WHERE b.trigger_id = t.id AND b.state = 'BUFFERED'))`;

const asList = (out: RunRecord | RunRecord[] | null): RunRecord[] =>
  out === null ? [] : Array.isArray(out) ? out : [out];

/**
 * Every state change of an existing run (docs/delivery.md): an attempt's end (complete, fail,
 * release, lease expiry), cancel, and pending expiry. All of them go through `settle`, the one
 * place where a run reaches a final state: hooks registered with `onFinal` (overlap promotion,
 * pauseOnFailure: trigger-policy-hooks.ts) run there in the same transaction as the change,
 * which takes its trigger's lock first (docs/policies.md "Two replicas").
 */
@Injectable()
export class RunLifecycleService {
  private readonly finalHooks: FinalStateHook[] = [];
  /** false on the embedded database: one connection, nothing runs concurrently */
  private readonly locking: boolean;
  private readonly completions: Completions;

  constructor(
    private readonly states: RunStateRepository,
    private readonly queries: RunQueriesRepository,
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
    private readonly signals: RunSignals,
    @Inject(EMBEDDED_DATABASE) database: DatabaseHandle,
  ) {
    this.locking = database.kind !== 'embedded';
    this.completions = new Completions(states, queries, clock, metrics, (c, runs) =>
      this.settle(c, { runs }),
    );
  }

  /**
   * Of the triggers `ids`, those whose runs' ends matter to a policy (POLICY_TRIGGER), locked
   * (id order) in the transaction `sql` with the lock every statement that creates runs takes
   * (RunWritesRepository.locked): the overlap decision and the promotion of BUFFERED runs never
   * run at once for one trigger (docs/policies.md "Two replicas"). The others are not locked, so
   * ending their runs never waits for their fires. On the embedded database: all of `ids`.
   */
  async lockTriggers(sql: Sql, ids: string[]): Promise<string[]> {
    if (!this.locking || ids.length === 0) return ids;
    const rows = await sql.query<{ id: string }[]>(
      `SELECT t.id::text AS id FROM triggers t WHERE t.id = ANY($1::bigint[]) AND ${POLICY_TRIGGER}
       ORDER BY t.id FOR NO KEY UPDATE OF t`,
      [ids],
    );
    return rows.map((r) => r.id);
  }

  /**
   * The trigger locks a change takes before it changes its runs, so a change always takes the
   * trigger's lock before a run's (as a fire with CANCEL_OTHER does): never the other way round,
   * which could deadlock.
   */
  private async lockFirst(sql: Sql, lock: SettleLock): Promise<void> {
    if (!this.locking || lock === null) return;
    if ('run' in lock || 'runs' in lock) {
      await sql.query(
        `SELECT t.id FROM triggers t
         WHERE t.id IN (SELECT r.trigger_id FROM runs r WHERE r.public_id = ANY($1::uuid[]))
           AND ${POLICY_TRIGGER}
         ORDER BY t.id FOR NO KEY UPDATE OF t`,
        ['run' in lock ? [lock.run] : lock.runs],
      );
      return;
    }
    await sql.query(
      `SELECT t.id FROM triggers t
       WHERE t.id IN (SELECT r.trigger_id FROM runs r
                      WHERE r.state = 'PENDING' AND r.expires_at <= $1::timestamptz
                      ORDER BY r.expires_at LIMIT $2)
         AND ${POLICY_TRIGGER}
       ORDER BY t.id FOR NO KEY UPDATE OF t`,
      [lock.expiring.now.toISOString(), lock.expiring.limit],
    );
  }

  /** Registers a hook on runs reaching a final state (runs in the same transaction). */
  onFinal(hook: FinalStateHook): void {
    this.finalHooks.push(hook);
  }

  /**
   * Runs one state-changing statement; the runs it made final go to the hooks in the same
   * transaction (no transaction while there are none: one round trip). Queues that got a
   * PENDING run back are signalled after the commit.
   */
  async settle<T extends RunRecord | RunRecord[] | null>(
    change: (sql: Sql) => Promise<T>,
    lock: SettleLock = null,
  ): Promise<T> {
    const results: FinalHookResult[] = [];
    const apply = async (sql: Sql): Promise<T> => {
      await this.lockFirst(sql, lock);
      const out = await change(sql);
      const ended = asList(out).filter((r) => isFinal(r.state));
      if (ended.length > 0) {
        for (const hook of this.finalHooks) {
          const result = await hook(ended, sql);
          if (result) results.push(result);
        }
      }
      return out;
    };
    const out =
      this.finalHooks.length === 0
        ? await apply(this.dataSource)
        : await this.dataSource.transaction((manager) => apply(manager));
    const queues = [
      ...asList(out)
        .filter((r) => r.state === 'PENDING')
        .map((r) => r.queue),
      ...results.flatMap((r) => r.queues ?? []),
    ];
    if (queues.length > 0) await this.signals.publish(queues);
    for (const r of results) r.after?.();
    return out;
  }

  /** Completes the attempt `token` leases (coalesced with concurrent completions). */
  complete(id: string, token: string, result: unknown): Promise<RunRecord> {
    return this.completions.one(id, token, result ?? null);
  }

  /** Completes up to 500 attempts in one statement: per item, the run or its error. */
  completeMany(items: Completion[]): Promise<(RunRecord | RunNotFoundError | LeaseLostError)[]> {
    return this.completions.many(items);
  }

  fail(
    id: string,
    token: string,
    error: RunError,
    retryable: boolean,
    retryAfterMs: number | null,
  ): Promise<RunRecord> {
    return this.endAttempt(id, token, { kind: 'FAIL', error, retryable, retryAfterMs });
  }

  release(id: string, token: string): Promise<RunRecord> {
    return this.endAttempt(id, token, { kind: 'RELEASE' });
  }

  /**
   * Fails or releases the attempt that `token` leases: reads the run, decides, and applies
   * guarded by what it read, re-reading if a cancel request slipped in between. (Completions need
   * nothing from the run: Completions, one batched statement.)
   */
  private async endAttempt(
    idText: string,
    token: string,
    end: Exclude<AttemptEnd, { kind: 'COMPLETE' | 'LEASE_EXPIRED' }>,
  ): Promise<RunRecord> {
    const id = checkRunId(idText);
    const tokenHash = hashLeaseToken(token);
    for (let i = 0; i < 5; i++) {
      const ended = await this.endAttemptAsRead(id, tokenHash, false, end);
      if (ended === null) break;
      if (ended.run) {
        this.metrics.attemptEnded(ended.outcome);
        return ended.run;
      }
    }
    const current = await this.queries.findByPublicId(id);
    if (!current) throw new RunNotFoundError(id);
    throw new LeaseLostError(id, current.state);
  }

  /**
   * Ends the attempt that `tokenHash` leases on the run as the state machine decides from the run
   * as read now, applied only while the run is still as read (`seen`). Null when the token holds
   * no attempt (with `expired`: no expired one); a null run when the run changed meanwhile.
   */
  private async endAttemptAsRead(
    publicId: string,
    tokenHash: string,
    expired: boolean,
    end: Exclude<AttemptEnd, { kind: 'COMPLETE' }>,
    now = new Date(this.clock.now()),
  ): Promise<{ run: RunRecord | null; outcome: AttemptOutcome } | null> {
    const ctx = await this.states.attemptContext(publicId, tokenHash, now, expired);
    if (ctx === null) return null;
    const change = decideAttemptEnd(
      {
        failures: ctx.failures,
        startedAt: ctx.startedAt,
        cancelRequested: ctx.cancelRequested,
        retry: resolveRetryPolicy(ctx.retryConfig),
      },
      end,
      now.getTime(),
      Math.random,
    );
    const seen = {
      attempt: ctx.attempt,
      failures: ctx.failures,
      cancelRequested: ctx.cancelRequested,
    };
    const run = await this.settle(
      (sql) => this.states.endAttempt(sql, { publicId, tokenHash, expired, seen }, change, now),
      { run: publicId },
    );
    return { run, outcome: change.outcome };
  }

  /**
   * Cancels a run: PENDING or BUFFERED → CANCELLED at once; RUNNING → cancelRequested (it is
   * CANCELLED when its attempt ends or its lease expires); final → RUN_FINAL.
   */
  async cancel(idText: string, reason: string | null): Promise<RunRecord> {
    const id = checkRunId(idText);
    const error: RunError | null = reason ? { message: reason, type: 'CANCELLED' } : null;
    for (let i = 0; i < 5; i++) {
      const now = new Date(this.clock.now());
      const cancelled = await this.settle((sql) => this.states.cancelWaiting(sql, id, error, now), {
        run: id,
      });
      if (cancelled) return cancelled;
      const requested = await this.states.requestCancel(this.dataSource, id, error);
      if (requested) return requested;
      const current = await this.queries.findByPublicId(id);
      if (!current) throw new RunNotFoundError(id);
      if (isFinal(current.state)) throw new RunFinalError(id, current.state);
    }
    throw new Error(`run ${id} kept changing state while being cancelled`);
  }

  /**
   * One sweep (every instance runs it every few seconds; idempotent, batched): leases that ran
   * out end their attempt as LEASE_EXPIRED (retry, FAILED or CANCELLED per the state machine),
   * and PENDING runs past their expiry become FAILED (EXPIRED).
   */
  async sweep(batch = 500): Promise<{ leasesExpired: number; runsExpired: number }> {
    const now = new Date(this.clock.now());
    let leasesExpired = 0;
    for (const lease of await this.states.expiredLeases(now, batch)) {
      const ended = await this.endAttemptAsRead(
        lease.publicId,
        lease.tokenHash,
        true,
        { kind: 'LEASE_EXPIRED' },
        now,
      );
      if (ended?.run) {
        leasesExpired++;
        this.metrics.leaseExpired();
        this.metrics.attemptEnded('LEASE_EXPIRED');
      }
    }
    let runsExpired = 0;
    const error: RunError = {
      message: 'no worker took the run before delivery.expireAfter',
      type: EXPIRED_ERROR_TYPE,
    };
    for (let i = 0; i < 10; i++) {
      const ended = await this.settle((sql) => this.states.expirePending(sql, error, now, batch), {
        expiring: { now, limit: batch },
      });
      runsExpired += ended.length;
      if (ended.length < batch) break;
    }
    return { leasesExpired, runsExpired };
  }
}
