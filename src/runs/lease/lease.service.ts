import { randomBytes } from 'node:crypto';
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Clock } from '../../common/clock';
import { MetricsService } from '../../metrics/metrics.service';
import { checkRunId, hashLeaseToken } from '../lifecycle/run-ids';
import { RunQueriesRepository } from '../lifecycle/run-queries.repository';
import type { RunRecord } from '../lifecycle/run-record';
import { LeaseLostError, RunNotFoundError } from '../lifecycle/run.errors';
import { LeaseRepository, type QueueStatsRow } from './lease.repository';
import { RunSignals } from './run-signals';

export interface LeaseOptions {
  queue: string;
  workerId: string;
  /** 1–500 */
  max: number;
  leaseMs: number;
  /** how long an empty queue holds the call open (0: answer at once) */
  waitMs: number;
  /** null: every project; else only runs of these (a scoped key) */
  projects: string[] | null;
  /** ends the wait at once when aborted (the webhook dispatcher stopping) */
  signal?: AbortSignal;
}

export interface GrantedLease {
  run: RunRecord;
  /** the secret naming this attempt; only its hash is stored */
  leaseToken: string;
  leaseExpiresAt: Date;
}

/**
 * A waiting lease re-checks the queue at least this often even without a signal (a NOTIFY lost
 * while the LISTEN connection reconnects costs at most this much).
 */
const FALLBACK_POLL_MS = 1_000;

/** A lease token's random bytes (192 bits). */
const TOKEN_BYTES = 24;

/**
 * Hands runs to workers (docs/delivery.md "Lease API"). Callable in-process with any queue name
 * (the webhook dispatcher leases through this too) as well as through the HTTP controller.
 */
@Injectable()
export class LeaseService implements OnApplicationShutdown {
  private stopping = false;

  constructor(
    private readonly leases: LeaseRepository,
    private readonly queries: RunQueriesRepository,
    private readonly signals: RunSignals,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
  ) {
    metrics.setQueueDepthSource(async () => {
      const stats = await this.leases.queueStats(null);
      return stats.map((s) => ({ queue: s.queue, pending: s.pending }));
    });
  }

  onApplicationShutdown(): void {
    this.stopping = true;
    this.signals.wakeAll();
  }

  /**
   * Leases up to `max` due runs of the queue. With waitMs > 0 and nothing due, waits for a
   * signal (a run created or re-pended in this queue, on any replica), for the earliest future
   * notBefore, for the end of the wait, or for `signal` to abort, whichever comes first; then
   * answers what it got.
   */
  async lease(options: LeaseOptions): Promise<GrantedLease[]> {
    const deadline = this.clock.now() + options.waitMs;
    for (;;) {
      if (options.signal?.aborted) return [];
      let signalled = false;
      let wake: () => void = () => (signalled = true);
      const unsubscribe = this.signals.subscribe(options.queue, () => wake());
      const onAbort = () => wake();
      options.signal?.addEventListener('abort', onAbort);
      try {
        const granted = await this.tryLease(options);
        const now = this.clock.now();
        const over = this.stopping || options.signal?.aborted === true;
        if (granted.length > 0 || now >= deadline || over) return granted;
        if (signalled) continue;
        const next = await this.leases.nextNotBefore(
          options.queue,
          options.projects,
          new Date(now),
        );
        if (signalled) continue;
        const until = Math.min(deadline, next ? next.getTime() : deadline, now + FALLBACK_POLL_MS);
        await new Promise<void>((resolve) => {
          const timer = this.clock.setTimer(Math.max(0, until - now), () => resolve());
          wake = () => {
            this.clock.clearTimer(timer);
            resolve();
          };
        });
      } finally {
        unsubscribe();
        options.signal?.removeEventListener('abort', onAbort);
      }
    }
  }

  private async tryLease(options: LeaseOptions): Promise<GrantedLease[]> {
    // one call for the batch's randomness: a call per token cost 5–10 ms per 1,000 runs leased
    const random = randomBytes(TOKEN_BYTES * options.max);
    const tokens = Array.from(
      { length: options.max },
      (_, i) =>
        `lt_${random.subarray(i * TOKEN_BYTES, (i + 1) * TOKEN_BYTES).toString('base64url')}`,
    );
    const now = new Date(this.clock.now());
    const runs = await this.leases.lease({
      queue: options.queue,
      projects: options.projects,
      workerId: options.workerId,
      leaseMs: options.leaseMs,
      tokenHashes: tokens.map(hashLeaseToken),
      now,
    });
    return runs.map((run, i) => {
      if (run.attempt === 1) {
        this.metrics.observeRunStartLateness(
          (now.getTime() - new Date(run.scheduledAt).getTime()) / 1000,
        );
      }
      return { run, leaseToken: tokens[i], leaseExpiresAt: run.leaseExpiresAt ?? now };
    });
  }

  /** Extends a valid lease; 409 LEASE_LOST for any other token, 404 for an unknown run. */
  async heartbeat(
    idText: string,
    token: string,
    extendMs: number | null,
  ): Promise<{ leaseExpiresAt: Date; cancelRequested: boolean }> {
    const id = checkRunId(idText);
    const now = new Date(this.clock.now());
    const beat = await this.leases.heartbeat(id, hashLeaseToken(token), extendMs, now);
    if (beat) return beat;
    const current = await this.queries.findByPublicId(id);
    if (!current) throw new RunNotFoundError(id);
    throw new LeaseLostError(id, current.state);
  }

  /** Depth and age per queue (projects: a scoped key's projects, or null). */
  queues(projects: string[] | null): Promise<QueueStatsRow[]> {
    return this.leases.queueStats(projects);
  }
}
