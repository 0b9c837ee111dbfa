import { ApiError } from '../client/client';
import type { Lease, LeaseApi } from './lease-api';
import {
  failureMessage,
  startProcess,
  type ProcessOutcome,
  type RunningProcess,
} from './run-process';

export interface WorkerOptions {
  queue: string;
  workerId: string;
  concurrency: number;
  /** the lease duration asked for (the API's duration text, e.g. 60s) and its milliseconds */
  leaseDuration: string;
  leaseDurationMs: number;
  /** the long poll's wait, e.g. 20s */
  wait: string;
  /** after stop(): how long running commands may go on before they are stopped and released */
  drainTimeoutMs: number;
  command: string;
  args: string[];
  env: Record<string, string | undefined>;
  /** one line per event (leased, succeeded, failed, …) */
  log(event: WorkerEvent): void;
  /** the commands' stderr, passed through */
  stderr(chunk: Buffer): void;
}

export interface WorkerEvent {
  event:
    'leased' | 'succeeded' | 'failed' | 'cancelled' | 'released' | 'lost' | 'error' | 'stopping';
  runId?: string;
  runName?: string;
  message?: string;
}

interface Job {
  lease: Lease;
  process: RunningProcess;
  heartbeat: NodeJS.Timeout;
  cancelRequested: boolean;
  /** the lease is gone (LEASE_LOST): nothing may be reported for this attempt */
  lost: boolean;
  /** stopped by the worker's own shutdown: release, do not fail */
  releasing: boolean;
  finished: Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Errors worth retrying: the API unreachable, overloaded or briefly unavailable. */
function transient(e: unknown): boolean {
  return e instanceof ApiError && (e.status === 0 || e.status === 429 || e.status >= 500);
}

/**
 * `sundial worker` (docs/triggers-as-code.md "Worker"): long-polls a queue for up to
 * `concurrency` runs at a time, runs the command once per run, heartbeats every third of the
 * lease, completes on exit 0 (stdout's JSON as the result) and fails otherwise (stderr's tail as
 * the message); cancelRequested or a lost lease stops the command with SIGTERM.
 */
export class Worker {
  private readonly jobs = new Map<string, Job>();
  private stopping = false;
  private polling: AbortController | null = null;
  private drainTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly api: LeaseApi,
    private readonly options: WorkerOptions,
  ) {}

  /** Leases and runs until stop(); resolves once every run it held is finished or released. */
  async run(): Promise<void> {
    let backoffMs = 500;
    while (!this.stopping) {
      const free = this.options.concurrency - this.jobs.size;
      if (free === 0) {
        await Promise.race([...this.jobs.values()].map((j) => j.finished));
        continue;
      }
      this.polling = new AbortController();
      let leases: Lease[];
      try {
        leases = await this.api.lease(
          this.options.queue,
          {
            workerId: this.options.workerId,
            max: free,
            leaseDuration: this.options.leaseDuration,
            wait: this.options.wait,
          },
          this.polling.signal,
        );
        backoffMs = 500;
      } catch (e) {
        if (this.stopping) break;
        if (!transient(e)) throw e;
        this.options.log({ event: 'error', message: (e as Error).message });
        await sleep(backoffMs);
        backoffMs = Math.min(backoffMs * 2, 30_000);
        continue;
      } finally {
        this.polling = null;
      }
      for (const lease of leases) {
        // leased while stop() was asked for: hand it back at once
        if (this.stopping) await this.report(lease, 'released', () => this.release(lease));
        else this.start(lease);
      }
    }
    await Promise.all([...this.jobs.values()].map((j) => j.finished));
    clearTimeout(this.drainTimer);
  }

  /**
   * Stops leasing; running commands may finish for drainTimeoutMs, then are stopped (SIGTERM)
   * and their runs released. A second call stops and releases at once.
   */
  stop(): void {
    if (this.stopping) {
      this.terminateAll();
      return;
    }
    this.stopping = true;
    this.options.log({ event: 'stopping', message: `${this.jobs.size} run(s) in progress` });
    this.polling?.abort();
    this.drainTimer = setTimeout(() => this.terminateAll(), this.options.drainTimeoutMs);
    this.drainTimer.unref();
  }

  private terminateAll(): void {
    for (const job of this.jobs.values()) {
      job.releasing = true;
      job.process.terminate();
    }
  }

  private start(lease: Lease): void {
    const { run } = lease;
    this.options.log({ event: 'leased', runId: run.id, runName: run.name });
    const process = startProcess(this.options.command, this.options.args, run, {
      env: this.options.env,
      onStderr: (chunk) => this.options.stderr(chunk),
    });
    const job: Job = {
      lease,
      process,
      heartbeat: setInterval(
        () => void this.beat(job),
        Math.max(Math.floor(this.options.leaseDurationMs / 3), 100),
      ),
      cancelRequested: false,
      lost: false,
      releasing: false,
      finished: Promise.resolve(),
    };
    job.finished = process.done
      .then((outcome) => this.finish(job, outcome))
      .finally(() => {
        clearInterval(job.heartbeat);
        this.jobs.delete(run.id);
      });
    this.jobs.set(run.id, job);
  }

  private async beat(job: Job): Promise<void> {
    try {
      const { cancelRequested, leaseExpiresAt } = await this.api.heartbeat(
        job.lease.run.id,
        job.lease.leaseToken,
      );
      job.lease.leaseExpiresAt = leaseExpiresAt;
      if (cancelRequested && !job.cancelRequested) {
        job.cancelRequested = true;
        job.process.terminate();
      }
    } catch (e) {
      if (e instanceof ApiError && e.code === 'LEASE_LOST') {
        job.lost = true;
        job.process.terminate();
      } else {
        // the lease may still hold: the next beat tries again
        this.options.log({
          event: 'error',
          runId: job.lease.run.id,
          message: (e as Error).message,
        });
      }
    }
  }

  private async finish(job: Job, outcome: ProcessOutcome): Promise<void> {
    clearInterval(job.heartbeat);
    const { lease } = job;
    if (job.lost) {
      this.options.log({
        event: 'lost',
        runId: lease.run.id,
        runName: lease.run.name,
        message: 'the lease expired or was taken over; nothing reported',
      });
      return;
    }
    if (job.releasing && !job.cancelRequested) {
      await this.report(lease, 'released', () => this.release(lease));
      return;
    }
    if (outcome.code === 0 && !job.cancelRequested) {
      await this.report(lease, 'succeeded', async () => {
        try {
          await this.api.complete(lease.run.id, lease.leaseToken, outcome.result);
        } catch (e) {
          // a result the API refuses (e.g. over 64 KiB) fails the attempt instead
          if (!(e instanceof ApiError) || e.status !== 400) throw e;
          const message = `exit code 0, but the result was refused: ${e.message}`;
          await this.api.fail(lease.run.id, lease.leaseToken, { message, type: 'RESULT_REFUSED' });
        }
      });
      return;
    }
    const type =
      outcome.spawnError !== undefined ? 'SPAWN_FAILED' : outcome.signal ? 'SIGNAL' : 'EXIT_CODE';
    const message = failureMessage(outcome);
    await this.report(
      lease,
      job.cancelRequested ? 'cancelled' : 'failed',
      () => this.api.fail(lease.run.id, lease.leaseToken, { message, type }),
      message,
    );
  }

  private release(lease: Lease): Promise<void> {
    return this.api.release(lease.run.id, lease.leaseToken);
  }

  /** Sends one report, retrying transient errors while the lease may still hold. */
  private async report(
    lease: Lease,
    event: WorkerEvent['event'],
    send: () => Promise<void>,
    message?: string,
  ): Promise<void> {
    const until = Math.max(Date.parse(lease.leaseExpiresAt), Date.now() + 1_000);
    for (let delay = 200; ; delay = Math.min(delay * 2, 5_000)) {
      try {
        await send();
        this.options.log({ event, runId: lease.run.id, runName: lease.run.name, message });
        return;
      } catch (e) {
        if (!transient(e) || Date.now() + delay > until) {
          this.options.log({
            event: 'error',
            runId: lease.run.id,
            runName: lease.run.name,
            message: `could not report ${event}: ${(e as Error).message}`,
          });
          return;
        }
        await sleep(delay);
      }
    }
  }
}
