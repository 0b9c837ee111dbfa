import { hostname } from 'node:os';
import { Injectable } from '@nestjs/common';
import { LeaseService } from '../../runs/lease/lease.service';
import { RunLifecycleService } from '../../runs/lifecycle/run-lifecycle.service';
import { toRunView } from '../../runs/lifecycle/run-view';
import { revisionKey, TriggersService } from '../../triggers/triggers.service';
import { LeaseLostError, RunNotFoundError } from '../../runs/lifecycle/run.errors';
import type { LeasedWebhookRun, WebhookLeasePort } from './webhook-dispatcher';
import { webhookTargetOf, WEBHOOK_QUEUE } from './webhook-delivery';
import type { WebhookTarget } from './webhook-request';

/** How many revisions' webhook targets are remembered (revisions never change). */
const TARGET_CACHE_SIZE = 10_000;

const lost = (e: unknown): boolean => e instanceof LeaseLostError || e instanceof RunNotFoundError;

/**
 * The dispatcher's lease port on the runs module's own services: the runs of WEBHOOK triggers
 * sit in the internal queue WEBHOOK_QUEUE and go through the same lease, heartbeat, complete
 * and fail as a worker's (docs/webhooks.md).
 */
@Injectable()
export class WebhookLeaseAdapter implements WebhookLeasePort {
  readonly workerId = `sundial-webhooks@${hostname()}:${process.pid}`;
  private readonly targets = new Map<string, WebhookTarget | null>();

  constructor(
    private readonly leases: LeaseService,
    private readonly lifecycle: RunLifecycleService,
    private readonly triggers: TriggersService,
  ) {}

  async lease(
    max: number,
    leaseMs: number,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<LeasedWebhookRun[]> {
    const granted = await this.leases.lease({
      queue: WEBHOOK_QUEUE,
      workerId: this.workerId,
      max,
      leaseMs,
      waitMs,
      projects: null,
      signal,
    });
    const targets = await this.targetsOf(
      granted.map((g) => ({ triggerId: g.run.triggerId, revision: g.run.triggerRevision })),
    );
    return granted.map((g) => ({
      runId: g.run.publicId,
      project: g.run.project,
      scheduledAt: new Date(g.run.scheduledAt),
      attempt: g.run.attempt,
      leaseToken: g.leaseToken,
      leaseExpiresAt: new Date(g.leaseExpiresAt),
      view: toRunView(g.run),
      target: targets.get(revisionKey(g.run.triggerId, g.run.triggerRevision)) ?? null,
    }));
  }

  /**
   * The webhooks of the revisions that created the runs, keyed by revisionKey (cached:
   * revisions are immutable). Those not cached are read in one statement: a lease of 200 runs of
   * new triggers read them one by one, 200 statements before the first call.
   */
  private async targetsOf(
    revisions: { triggerId: string; revision: number }[],
  ): Promise<Map<string, WebhookTarget | null>> {
    const found = new Map<string, WebhookTarget | null>();
    const missing = new Map<string, { triggerId: string; revision: number }>();
    for (const r of revisions) {
      const key = revisionKey(r.triggerId, r.revision);
      const cached = this.targets.get(key);
      if (cached !== undefined) found.set(key, cached);
      else missing.set(key, r);
    }
    if (missing.size === 0) return found;
    const deliveries = await this.triggers.revisionDeliveries([...missing.values()]);
    for (const key of missing.keys()) {
      const target = webhookTargetOf(deliveries.get(key) ?? null);
      if (this.targets.size >= TARGET_CACHE_SIZE) {
        const oldest = this.targets.keys().next();
        if (!oldest.done) this.targets.delete(oldest.value);
      }
      this.targets.set(key, target);
      found.set(key, target);
    }
    return found;
  }

  async heartbeat(
    runId: string,
    token: string,
    extendMs: number,
  ): Promise<{ leaseExpiresAt: Date; cancelRequested: boolean } | null> {
    try {
      return await this.leases.heartbeat(runId, token, extendMs);
    } catch (e) {
      if (lost(e)) return null;
      throw e;
    }
  }

  complete(runId: string, token: string, result: unknown): Promise<boolean> {
    return this.ended(this.lifecycle.complete(runId, token, result));
  }

  fail(
    runId: string,
    token: string,
    error: { message: string; type: string },
    retryable: boolean,
    retryAfterMs: number | null,
  ): Promise<boolean> {
    return this.ended(this.lifecycle.fail(runId, token, error, retryable, retryAfterMs));
  }

  release(runId: string, token: string): Promise<boolean> {
    return this.ended(this.lifecycle.release(runId, token));
  }

  private async ended(change: Promise<unknown>): Promise<boolean> {
    try {
      await change;
      return true;
    } catch (e) {
      if (lost(e)) return false;
      throw e;
    }
  }
}
