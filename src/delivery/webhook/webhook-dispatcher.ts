import { OriginLimiter } from './origin-limiter';
import type { SigningKeys } from './signing-keys';
import type { WebhookHttpClient } from './webhook-http-client';
import { mapOutcome, outcomeLabel, type RequestOutcomeLabel } from './webhook-outcome';
import { buildWebhookRequest, type WebhookTarget } from './webhook-request';

/** A run the dispatcher holds a lease on, with what it needs to call its receiver. */
export interface LeasedWebhookRun {
  runId: string;
  project: string;
  scheduledAt: Date;
  attempt: number;
  leaseToken: string;
  leaseExpiresAt: Date;
  /** the run as the API shows it (the body's `data.run`) */
  view: unknown;
  /** the webhook of the revision that created the run; null if it has none */
  target: WebhookTarget | null;
}

/**
 * The dispatcher's narrow view of the run lifecycle: the same lease, heartbeat, complete and
 * fail that workers use (so retries, fencing, expiry, cancel and metrics are one mechanism).
 * complete/fail/release resolve false when the lease was lost (409 LEASE_LOST for a worker).
 */
export interface WebhookLeasePort {
  /** `signal` aborted: stop waiting for runs and answer what there is now */
  lease(
    max: number,
    leaseMs: number,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<LeasedWebhookRun[]>;
  /** the new expiry, or null when the lease is lost */
  heartbeat(
    runId: string,
    token: string,
    extendMs: number,
  ): Promise<{ leaseExpiresAt: Date; cancelRequested: boolean } | null>;
  complete(runId: string, token: string, result: unknown): Promise<boolean>;
  fail(
    runId: string,
    token: string,
    error: { message: string; type: string },
    retryable: boolean,
    retryAfterMs: number | null,
  ): Promise<boolean>;
  release(runId: string, token: string): Promise<boolean>;
}

export interface WebhookObserver {
  request(outcome: RequestOutcomeLabel, seconds: number): void;
  /** something went wrong around a call (a lost lease, a database error) */
  problem(message: string): void;
}

export interface DispatcherOptions {
  /**
   * the lease a run is taken with before any call was seen (then: the longest lease the calls
   * of the last minute needed); each call's lease is set to its timeout + margin before it starts
   * when the lease taken is too short or far too long
   */
  leaseMs: number;
  /** how much longer than the call's timeout a lease must last when the call starts */
  leaseMarginMs: number;
  /** the long-poll wait of each lease request */
  waitMs: number;
  /** runs held waiting for their origin's slots, at most (beyond, leasing pauses) */
  maxParked: number;
  now: () => number;
}

interface Held {
  run: LeasedWebhookRun;
  origin: string;
  started: boolean;
}

/**
 * Calls the receivers of WEBHOOK runs (docs/webhooks.md "Dispatcher"). It leases only as many
 * runs as it has free call slots for: a run whose origin is at its own cap waits ("parked",
 * its lease kept alive by heartbeats) without taking a slot from other origins, so a slow
 * receiver delays only its own runs.
 */
export class WebhookDispatcher {
  private stopping = false;
  /** aborted by stop(): the lease waiting for runs answers at once */
  private readonly stopped = new AbortController();
  private loop: Promise<void> | null = null;
  private readonly held = new Set<Held>();
  private readonly inFlight = new Set<Promise<void>>();
  private wakeLoop: (() => void) | null = null;
  private keepAliveTimer: NodeJS.Timeout | null = null;
  /** the longest lease needed by calls in this minute and in the one before */
  private needed = { minute: -1, current: 0, previous: 0 };

  constructor(
    private readonly port: WebhookLeasePort,
    private readonly client: WebhookHttpClient,
    private readonly limiter: OriginLimiter,
    private readonly keys: SigningKeys,
    private readonly observer: WebhookObserver,
    private readonly options: DispatcherOptions,
  ) {}

  start(): void {
    if (this.loop) return;
    this.loop = this.run();
    this.keepAliveTimer = setInterval(() => void this.keepParkedAlive(), this.options.leaseMs / 4);
    this.keepAliveTimer.unref();
  }

  /** Runs leased and not yet finished (parked or calling). */
  holding(): number {
    return this.held.size;
  }

  /**
   * Stops leasing, gives back at once the runs not yet called (those waiting for their origin's
   * slots too), and waits up to `graceMs` for the lease in progress, those give-backs and the
   * calls in flight (each ends by its timeout at the latest); a call still going then keeps its
   * lease, which expires and retries the run. Nothing of the dispatcher's is left touching the
   * database after this resolves within the grace, so the pool can close under it.
   */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    this.stopped.abort();
    this.wakeLoop?.();
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer);
    // runs parked for a slot stop waiting: each gives its run back now
    this.limiter.close();
    // a timer that keeps the process alive: shutdown waits on it, and nothing else may be left
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((r) => (timer = setTimeout(r, graceMs)));
    const settled = (async () => {
      // the loop's lease answers at once (aborted); what it brings back is given back (tracked)
      await this.loop;
      await Promise.all([...this.inFlight]);
    })();
    await Promise.race([settled, grace]);
    clearTimeout(timer);
    this.client.close();
  }

  /** Slots a new lease could use now: free slots not already claimed by held runs that could start. */
  private capacity(): number {
    let ready = 0;
    let parked = 0;
    for (const h of this.held) {
      if (h.started) continue;
      parked++;
      if (this.limiter.active(h.origin) < this.limiter.perOriginCap) ready++;
    }
    if (parked >= this.options.maxParked) return 0;
    // one round of runs ahead of the free slots, so a slot that frees starts its next call at
    // once instead of after a lease round trip
    return Math.max(0, 2 * this.limiter.globalCap - this.limiter.active() - ready);
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const capacity = this.capacity();
      if (capacity === 0) {
        await new Promise<void>((resolve) => {
          this.wakeLoop = resolve;
          // re-check now and then even without a wake-up (a timer, not a busy loop)
          setTimeout(resolve, 250).unref();
        });
        this.wakeLoop = null;
        continue;
      }
      let leased: LeasedWebhookRun[];
      try {
        leased = await this.port.lease(
          Math.min(capacity, 500),
          this.leaseMsNow(),
          this.options.waitMs,
          this.stopped.signal,
        );
      } catch (e) {
        if (this.stopping) return;
        this.observer.problem(`lease failed: ${(e as Error).message}`);
        await new Promise((r) => setTimeout(r, 1_000).unref());
        continue;
      }
      for (const run of leased) {
        this.track(this.stopping ? this.giveBack(run) : this.deliver(run));
      }
    }
  }

  /** Ends the attempt without a call: the run is PENDING again at once. */
  private async giveBack(run: LeasedWebhookRun): Promise<void> {
    try {
      await this.port.release(run.runId, run.leaseToken);
    } catch (e) {
      this.observer.problem(`run ${run.runId}: giving it back failed: ${(e as Error).message}`);
    }
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    void p.finally(() => {
      this.inFlight.delete(p);
      this.wakeLoop?.();
    });
  }

  private async deliver(run: LeasedWebhookRun): Promise<void> {
    if (run.target === null) {
      await this.settle(run, () =>
        this.port.fail(
          run.runId,
          run.leaseToken,
          { type: 'CONFIG', message: "the run's revision has no webhook delivery" },
          false,
          null,
        ),
      );
      return;
    }
    const keys = this.keys.forProject(run.project);
    if (keys.length === 0) {
      await this.settle(run, () =>
        this.port.fail(
          run.runId,
          run.leaseToken,
          {
            type: 'CONFIG',
            message: `no signing key for project ${run.project} (WEBHOOK_SIGNING_KEYS)`,
          },
          true,
          null,
        ),
      );
      return;
    }
    const target = run.target;
    const held: Held = { run, origin: originOf(target.url), started: false };
    this.held.add(held);
    const free = await this.limiter.acquire(held.origin);
    if (free === null || this.stopping) {
      // stopping: the run goes back to the queue for another instance (or this one, restarted)
      free?.();
      this.held.delete(held);
      await this.giveBack(run);
      return;
    }
    try {
      held.started = true;
      if (!(await this.ensureLease(run, target.timeoutMs))) return;
      const now = new Date(this.options.now());
      const request = buildWebhookRequest(
        target,
        {
          runId: run.runId,
          scheduledAt: run.scheduledAt.toISOString(),
          attempt: run.attempt,
          run: run.view,
          leaseToken: run.leaseToken,
        },
        keys,
        now,
      );
      const result = await this.client.call(request, target.timeoutMs);
      const ended = this.options.now();
      this.observer.request(outcomeLabel(result), (ended - now.getTime()) / 1000);
      free();
      const outcome = mapOutcome(result, new Date(ended));
      switch (outcome.action) {
        case 'await':
          return;
        case 'complete':
          await this.settle(run, () =>
            this.port.complete(run.runId, run.leaseToken, outcome.result),
          );
          return;
        case 'fail':
          await this.settle(run, () =>
            this.port.fail(
              run.runId,
              run.leaseToken,
              outcome.error,
              outcome.retryable,
              outcome.retryAfterMs ?? null,
            ),
          );
          return;
      }
    } finally {
      free();
      this.held.delete(held);
    }
  }

  /** The lease to take now: what recent calls needed, or the configured one before any call. */
  private leaseMsNow(): number {
    this.rollMinute();
    const recent = Math.max(this.needed.current, this.needed.previous);
    return recent > 0 ? recent : this.options.leaseMs;
  }

  private rollMinute(): number {
    const minute = Math.floor(this.options.now() / 60_000);
    if (minute !== this.needed.minute) {
      this.needed.previous = minute === this.needed.minute + 1 ? this.needed.current : 0;
      this.needed.current = 0;
      this.needed.minute = minute;
    }
    return minute;
  }

  /**
   * Sets the lease to the call's timeout + margin when the one taken is too short (it would end
   * before the call) or far too long (a crash would hold the run for nothing that long); false
   * when the lease is gone (the run is not called).
   */
  private async ensureLease(run: LeasedWebhookRun, timeoutMs: number): Promise<boolean> {
    const needed = timeoutMs + this.options.leaseMarginMs;
    this.rollMinute();
    this.needed.current = Math.max(this.needed.current, needed);
    const remaining = run.leaseExpiresAt.getTime() - this.options.now();
    // a lease taken for exactly `needed` a moment ago is fine: half the margin is slack
    const slack = this.options.leaseMarginMs / 2;
    if (remaining >= needed - slack && remaining <= 2 * needed + 1_000) return true;
    try {
      const beat = await this.port.heartbeat(run.runId, run.leaseToken, needed);
      if (beat === null) {
        this.observer.problem(`run ${run.runId}: lease lost before the call`);
        return false;
      }
      if (beat.cancelRequested) {
        // cancelled while it waited: end the attempt without calling (the run becomes CANCELLED)
        await this.port.release(run.runId, run.leaseToken);
        return false;
      }
      run.leaseExpiresAt = beat.leaseExpiresAt;
      return true;
    } catch (e) {
      this.observer.problem(`run ${run.runId}: heartbeat failed: ${(e as Error).message}`);
      return false;
    }
  }

  /** Extends the leases of parked runs that would expire before the next pass. */
  private async keepParkedAlive(): Promise<void> {
    const soon = this.options.now() + this.options.leaseMs / 2;
    for (const h of [...this.held]) {
      if (h.started || h.run.leaseExpiresAt.getTime() > soon) continue;
      try {
        const until = await this.port.heartbeat(
          h.run.runId,
          h.run.leaseToken,
          this.options.leaseMs,
        );
        if (until) h.run.leaseExpiresAt = until.leaseExpiresAt;
      } catch (e) {
        this.observer.problem(`run ${h.run.runId}: heartbeat failed: ${(e as Error).message}`);
      }
    }
  }

  private async settle(run: LeasedWebhookRun, apply: () => Promise<boolean>): Promise<void> {
    try {
      if (!(await apply()))
        this.observer.problem(`run ${run.runId}: lease lost before its outcome was recorded`);
    } catch (e) {
      this.observer.problem(
        `run ${run.runId}: recording the outcome failed: ${(e as Error).message}`,
      );
    }
  }
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}
