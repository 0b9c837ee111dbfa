import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '../../common/clock';
import { MetricsService } from '../../metrics/metrics.service';
import { RunSignals } from '../lease/run-signals';
import { decideAttemptEnd, EXPIRED_ERROR_TYPE, type AttemptEnd } from './attempt-end';
import { Completions, type Completion } from './completions';
import { resolveRetryPolicy } from './retry-policy';
import type { RunRecord } from './run-record';
import { RunQueriesRepository } from './run-queries.repository';
import { isFinal, type RunError } from './run-state';
import { RunStateRepository, type Sql } from './run-state.repository';
import { LeaseLostError, RunFinalError, RunNotFoundError } from './run.errors';

/** Called with the runs a change made final, inside the change's transaction. */
export type FinalStateHook = (ended: RunRecord[], sql: Sql) => Promise<void>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Lease tokens are secrets: only their SHA-256 is stored or compared. */
export function hashLeaseToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A run id must look like one before it reaches SQL (a malformed id names no run: 404). */
export function checkRunId(id: string): string {
  if (!UUID.test(id)) throw new RunNotFoundError(id);
  return id.toLowerCase();
}

const asList = (out: RunRecord | RunRecord[] | null): RunRecord[] =>
  out === null ? [] : Array.isArray(out) ? out : [out];

/**
 * Every state change of an existing run (docs/delivery.md): an attempt's end (complete, fail,
 * release, lease expiry), cancel, and pending expiry. All of them go through `settle`, the one
 * place where a run reaches a final state: hooks registered with `onFinal` (overlap promotion,
 * pauseOnFailure) run there in the same transaction as the change.
 */
@Injectable()
export class RunLifecycleService {
  private readonly finalHooks: FinalStateHook[] = [];
  private readonly completions: Completions;

  constructor(
    private readonly states: RunStateRepository,
    private readonly queries: RunQueriesRepository,
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
    private readonly signals: RunSignals,
  ) {
    this.completions = new Completions(
      states,
      queries,
      clock,
      metrics,
      hashLeaseToken,
      checkRunId,
      (c) => this.settle(c),
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
  ): Promise<T> {
    const apply = async (sql: Sql): Promise<T> => {
      const out = await change(sql);
      const ended = asList(out).filter((r) => isFinal(r.state));
      if (ended.length > 0) for (const hook of this.finalHooks) await hook(ended, sql);
      return out;
    };
    const out =
      this.finalHooks.length === 0
        ? await apply(this.dataSource)
        : await this.dataSource.transaction((manager) => apply(manager));
    const repended = asList(out).filter((r) => r.state === 'PENDING');
    if (repended.length > 0) await this.signals.publish(repended.map((r) => r.queue));
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
   * Ends the attempt that `token` leases. Complete needs nothing from the run (one statement);
   * the others read the run, decide, and apply guarded by what they read, re-reading if a cancel
   * request slipped in between.
   */
  private async endAttempt(idText: string, token: string, end: AttemptEnd): Promise<RunRecord> {
    const id = checkRunId(idText);
    const tokenHash = hashLeaseToken(token);
    for (let i = 0; i < 5; i++) {
      const now = new Date(this.clock.now());
      const ctx =
        end.kind === 'COMPLETE'
          ? null
          : await this.states.attemptContext(id, tokenHash, now, false);
      if (end.kind !== 'COMPLETE' && ctx === null) break;
      const change = decideAttemptEnd(
        {
          failures: ctx?.failures ?? 0,
          startedAt: ctx?.startedAt ?? null,
          cancelRequested: ctx?.cancelRequested ?? false,
          retry: resolveRetryPolicy(ctx?.retryConfig),
        },
        end,
        now.getTime(),
        Math.random,
      );
      const seen = ctx
        ? { attempt: ctx.attempt, failures: ctx.failures, cancelRequested: ctx.cancelRequested }
        : null;
      const run = await this.settle((sql) =>
        this.states.endAttempt(sql, { publicId: id, tokenHash, expired: false, seen }, change, now),
      );
      if (run) {
        this.metrics.attemptEnded(change.outcome);
        return run;
      }
      if (end.kind === 'COMPLETE') break;
    }
    const current = await this.queries.findByPublicId(id);
    if (!current) throw new RunNotFoundError(id);
    throw new LeaseLostError(id, current.state);
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
      const cancelled = await this.settle((sql) => this.states.cancelWaiting(sql, id, error, now));
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
      const ctx = await this.states.attemptContext(lease.publicId, lease.tokenHash, now, true);
      if (!ctx) continue;
      const change = decideAttemptEnd(
        {
          failures: ctx.failures,
          startedAt: ctx.startedAt,
          cancelRequested: ctx.cancelRequested,
          retry: resolveRetryPolicy(ctx.retryConfig),
        },
        { kind: 'LEASE_EXPIRED' },
        now.getTime(),
        Math.random,
      );
      const seen = {
        attempt: ctx.attempt,
        failures: ctx.failures,
        cancelRequested: ctx.cancelRequested,
      };
      const run = await this.settle((sql) =>
        this.states.endAttempt(
          sql,
          { publicId: lease.publicId, tokenHash: lease.tokenHash, expired: true, seen },
          change,
          now,
        ),
      );
      if (run) {
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
      const ended = await this.settle((sql) => this.states.expirePending(sql, error, now, batch));
      runsExpired += ended.length;
      if (ended.length < batch) break;
    }
    return { leasesExpired, runsExpired };
  }
}
