import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Where a run came from (the run's `source`). */
import type { RunSource } from '../runs/runs.types';
const RUN_SOURCES: RunSource[] = ['SCHEDULE', 'MANUAL', 'BACKFILL', 'EVENT'];

export type EventOutcome = 'matched' | 'unmatched' | 'duplicate' | 'rejected';
const EVENT_OUTCOMES: EventOutcome[] = ['matched', 'unmatched', 'duplicate', 'rejected'];

/**
 * Every Prometheus metric of the service, in a registry of this app's own (not prom-client's
 * global one), so several apps in one process (tests) do not collide. Other modules inject this
 * and call its typed methods; only /metrics reads the registry.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly runsCreatedTotal = new Counter({
    name: 'sundial_runs_created_total',
    help: 'Runs created, by source (SCHEDULE, MANUAL, BACKFILL, EVENT)',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  private readonly fireLateness = new Histogram({
    name: 'sundial_fire_lateness_seconds',
    help: 'Time from a scheduled slot to the creation of its run',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600],
    registers: [this.registry],
  });

  private readonly schedulerJobs = new Gauge({
    name: 'sundial_scheduler_jobs',
    help: 'Jobs registered in the scheduler',
    registers: [this.registry],
  });

  private readonly reconcileDuration = new Histogram({
    name: 'sundial_reconcile_duration_seconds',
    help: 'Duration of a scheduler reconciliation pass',
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  private readonly catchupBacklog = new Gauge({
    name: 'sundial_catchup_backlog',
    help: 'Due slots in the past still waiting to be fired',
    registers: [this.registry],
  });

  private readonly partitionsOwned = new Gauge({
    name: 'sundial_scheduler_partitions_owned',
    help: 'Scheduler partitions this instance owns (docs/scale-out.md)',
    registers: [this.registry],
  });

  private readonly fireConflicts = new Counter({
    name: 'sundial_fire_conflicts_total',
    help: 'Slots this instance fired that were already filled (by another instance or before)',
    registers: [this.registry],
  });

  private readonly runsDeleted = new Counter({
    name: 'sundial_runs_deleted_total',
    help: 'Final runs deleted by retention (RUNS_RETENTION)',
    registers: [this.registry],
  });

  private readonly revisionConflicts = new Counter({
    name: 'sundial_revision_conflicts_total',
    help: 'Deploys rejected with 409 REVISION_CONFLICT',
    registers: [this.registry],
  });

  private queueDepthSource: (() => Promise<{ queue: string; pending: number }[]>) | null = null;

  private readonly queueDepth = new Gauge({
    name: 'sundial_queue_depth',
    help: 'PENDING runs per queue (read from the database when scraped)',
    labelNames: ['queue'] as const,
    registers: [this.registry],
    collect: async () => {
      if (!this.queueDepthSource) return;
      const depths = await this.queueDepthSource().catch(() => null);
      if (!depths) return;
      this.queueDepth.reset();
      for (const d of depths) this.queueDepth.set({ queue: d.queue }, d.pending);
    },
  });

  private readonly runStartLateness = new Histogram({
    name: 'sundial_run_start_lateness_seconds',
    help: "Time from a run's scheduledAt to its first lease",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
    registers: [this.registry],
  });

  private readonly attemptsTotal = new Counter({
    name: 'sundial_run_attempts_total',
    help: 'Ended attempts by outcome (SUCCEEDED, FAILED, LEASE_EXPIRED, RELEASED, CANCELLED)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  private readonly leasesExpired = new Counter({
    name: 'sundial_leases_expired_total',
    help: 'Leases that ran out before their attempt ended (swept)',
    registers: [this.registry],
  });

  private readonly slotsSkipped = new Counter({
    name: 'sundial_slots_skipped_total',
    help: 'Runs created SKIPPED by reason (OVERLAP, BUFFER_FULL, MISFIRE, MISSED_CATCHUP_WINDOW)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  private readonly eventsReceived = new Counter({
    name: 'sundial_events_received_total',
    help: 'Events published to POST /events, by outcome (matched, unmatched, duplicate, rejected)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    for (const reason of ['OVERLAP', 'BUFFER_FULL', 'MISFIRE', 'MISSED_CATCHUP_WINDOW']) {
      this.slotsSkipped.inc({ reason }, 0);
    }
    for (const outcome of EVENT_OUTCOMES) this.eventsReceived.inc({ outcome }, 0);
    for (const source of RUN_SOURCES) this.runsCreatedTotal.inc({ source }, 0);
    for (const outcome of ['SUCCEEDED', 'FAILED', 'LEASE_EXPIRED', 'RELEASED', 'CANCELLED']) {
      this.attemptsTotal.inc({ outcome }, 0);
    }
  }

  /** One HTTP request answered; `route` is the route template or `unmatched`. */
  observeHttp(method: string, route: string, statusCode: number, seconds: number): void {
    this.httpDuration.observe({ method, route, status_code: String(statusCode) }, seconds);
  }

  /** `n` runs were created by `source`. */
  runsCreated(source: RunSource, n = 1): void {
    if (n > 0) this.runsCreatedTotal.inc({ source }, n);
  }

  /** A scheduled run was created `seconds` after its slot. */
  observeFireLateness(seconds: number): void {
    this.fireLateness.observe(Math.max(0, seconds));
  }

  /** The scheduler now holds `n` jobs. */
  setSchedulerJobs(n: number): void {
    this.schedulerJobs.set(n);
  }

  /** A reconciliation pass took `seconds`. */
  observeReconcile(seconds: number): void {
    this.reconcileDuration.observe(seconds);
  }

  /** `n` due past slots wait to be fired (after a catch-up pass). */
  setCatchupBacklog(n: number): void {
    this.catchupBacklog.set(n);
  }

  /** This instance owns `n` scheduler partitions. */
  setPartitionsOwned(n: number): void {
    this.partitionsOwned.set(n);
  }

  /** `n` fired slots already had a run. */
  fireConflict(n: number): void {
    if (n > 0) this.fireConflicts.inc(n);
  }

  /** Retention deleted `n` runs. */
  runsDeletedByRetention(n: number): void {
    if (n > 0) this.runsDeleted.inc(n);
  }

  /** A deploy was rejected with REVISION_CONFLICT. */
  revisionConflict(): void {
    this.revisionConflicts.inc();
  }

  /** Where sundial_queue_depth reads its values when scraped. */
  setQueueDepthSource(source: () => Promise<{ queue: string; pending: number }[]>): void {
    this.queueDepthSource = source;
  }

  /** A run was leased for the first time `seconds` after its scheduledAt. */
  observeRunStartLateness(seconds: number): void {
    this.runStartLateness.observe(Math.max(0, seconds));
  }

  /** An attempt ended with `outcome`. */
  attemptEnded(outcome: string): void {
    this.attemptsTotal.inc({ outcome });
  }

  /** Runs created SKIPPED, counted by skip reason (docs/policies.md). */
  slotsSkippedBy(reasons: Iterable<string | null>): void {
    const counts = new Map<string, number>();
    for (const r of reasons) if (r !== null) counts.set(r, (counts.get(r) ?? 0) + 1);
    for (const [reason, n] of counts) this.slotsSkipped.inc({ reason }, n);
  }

  /** The sweeper expired a lease. */
  leaseExpired(): void {
    this.leasesExpired.inc();
  }

  /** `n` events were received with `outcome` (docs/events.md "Metrics"). */
  eventsReceivedTotal(outcome: EventOutcome, n = 1): void {
    if (n > 0) this.eventsReceived.inc({ outcome }, n);
  }

  /** The Prometheus text exposition of every metric. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
