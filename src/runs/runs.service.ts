import { PageTokenCodec } from '../common/page-token';
import { withScheduleErrors } from '../common/schedule-errors';
import { Injectable } from '@nestjs/common';
import { InvalidScheduleError, ValidationFailedError } from '../common/errors';
import { MetricsService } from '../metrics/metrics.service';
import { Clock } from '../common/clock';
import {
  parseIsoInstant,
  parseScheduleCached,
  type AutomationSpecLike,
  type Schedule,
} from '../schedule';
import type { TriggerName } from '../triggers/trigger-events';
import {
  RunTargetRow,
  SlotResult,
  SlotToFire,
  TriggerSchedulingRepository,
} from '../triggers/trigger-scheduling.repository';
import { decodeRunPageToken, encodeRunPageToken } from './run-page-token';
import { manualRunName, RunNamer } from './run-name';
import { RunResponse, toRunResponse } from './run.mapper';
import { TriggerNotFoundError } from '../triggers/trigger.errors';
import { RunsRepository } from './runs.repository';
import { MAX_BACKFILL_SLOTS } from './runs.types';
import { RunSignals } from './lease/run-signals';

export interface RunPage {
  runs: RunResponse[];
  token: string | null;
}

export interface BackfillRequest {
  from: string;
  to: string;
  dryRun?: boolean;
}

export interface BackfillResult {
  runs: RunResponse[];
  skipped: { scheduledAt: string; runName: string }[];
}

function objectOr(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function kickoffArg(automationSpec: Record<string, unknown>): string | null {
  const arg = objectOr(automationSpec.schedule).kickoffTimeInputArg;
  return typeof arg === 'string' && arg !== '' ? arg : null;
}

/** Runs: scheduled fires (for the scheduler), manual fire, backfill and listing. */
@Injectable()
export class RunsService {
  constructor(
    private readonly triggers: TriggerSchedulingRepository,
    private readonly runs: RunsRepository,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
    private readonly tokens: PageTokenCodec,
    private readonly signals: RunSignals,
  ) {}

  /**
   * Fires scheduled slots (the scheduler's executor calls this after its rate limiter); waiting
   * workers of the queues that got runs are woken after the commit.
   */
  async fireScheduled(slots: SlotToFire[]): Promise<SlotResult[]> {
    const results = await this.triggers.fireScheduledSlots(slots);
    const queues = new Set<string>();
    for (const r of results) if (r.queue !== null) queues.add(r.queue);
    if (queues.size > 0) await this.signals.publish(queues);
    return results;
  }

  /** A trigger's runs, newest scheduled first; 200 for a deleted trigger, 404 if it never existed. */
  async list(name: TriggerName, limit: number, token: string | undefined): Promise<RunPage> {
    const target = await this.triggers.findRunTarget(name);
    if (!target) throw new TriggerNotFoundError(name);
    const after = token === undefined ? null : decodeRunPageToken(this.tokens, target.id, token);
    const rows = await this.runs.listByTrigger(target.id, after, limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      runs: page.map((r) => toRunResponse(target.name, r)),
      token:
        rows.length > limit && last
          ? encodeRunPageToken(this.tokens, target.id, {
              scheduledAt: last.scheduledAt,
              id: last.id,
            })
          : null,
    };
  }

  /**
   * Creates a MANUAL run now for a trigger that is not deleted. With an idempotency key seen
   * before for this trigger, returns that run instead (created: false).
   */
  async fire(
    name: TriggerName,
    idempotencyKey: string | null,
  ): Promise<{ run: RunResponse; created: boolean }> {
    const target = await this.liveTarget(name);
    if (idempotencyKey !== null) {
      const seen = await this.runs.findByIdempotencyKey(target.id, idempotencyKey);
      if (seen) return { run: toRunResponse(target.name, seen), created: false };
    }
    const now = new Date(this.clock.now());
    const result = await this.triggers.createManualRun(target.id, {
      runName: manualRunName(now),
      scheduledAt: now,
      idempotencyKey,
    });
    if (!result.found) throw new TriggerNotFoundError(name, true);
    if (result.runs.length > 0) {
      this.metrics.runsCreated('MANUAL');
      await this.signals.publish([result.runs[0].queue]);
      return { run: toRunResponse(target.name, result.runs[0]), created: true };
    }
    // A concurrent request with the same key won the insert.
    const winner = await this.runs.findByIdempotencyKey(target.id, idempotencyKey!);
    if (!winner) throw new Error('idempotent manual run vanished');
    return { run: toRunResponse(target.name, winner), created: false };
  }

  /** BACKFILL runs for the slots in [from, to) of a SCHEDULE trigger (active or not). */
  async backfill(name: TriggerName, request: BackfillRequest): Promise<BackfillResult> {
    const from = parseIsoInstant(request.from);
    const to = parseIsoInstant(request.to);
    const bad = [
      ...(from === null
        ? [{ field: 'from', message: 'must be an ISO 8601 date-time with a zone' }]
        : []),
      ...(to === null
        ? [{ field: 'to', message: 'must be an ISO 8601 date-time with a zone' }]
        : []),
    ];
    if (bad.length > 0) throw new ValidationFailedError(bad);
    if (from! >= to!) throw ValidationFailedError.of('to', 'must be after from');
    if (to! > this.clock.now()) throw ValidationFailedError.of('to', 'must not be in the future');

    const target = await this.liveTarget(name);
    const schedule = this.scheduleOf(target);
    const slots = schedule.slotsInRange(
      new Date(from!),
      new Date(to!),
      target.effectiveAt,
      MAX_BACKFILL_SLOTS + 1,
    );
    if (slots.length > MAX_BACKFILL_SLOTS) {
      throw ValidationFailedError.of(
        'to',
        `[from, to) holds more than ${MAX_BACKFILL_SLOTS} fire times; split the request`,
      );
    }
    const namer = new RunNamer(target.name);
    const named = slots.map((scheduledAt) => ({ scheduledAt, runName: namer.nameOf(scheduledAt) }));

    if (request.dryRun === true) {
      const existing = await this.runs.findSlotRuns(target.id, slots);
      const taken = new Set(existing.map((r) => r.scheduledAt.getTime()));
      return {
        runs: named
          .filter((s) => !taken.has(s.scheduledAt.getTime()))
          .map((s) => this.plannedRun(target, s.scheduledAt, s.runName)),
        skipped: existing.map((r) => ({
          scheduledAt: r.scheduledAt.toISOString(),
          runName: r.name,
        })),
      };
    }

    const created = await this.triggers.createBackfillRuns(target.id, named);
    if (!created.found) throw new TriggerNotFoundError(name, true);
    this.metrics.runsCreated('BACKFILL', created.runs.length);
    await this.signals.publish(created.runs.map((r) => r.queue));
    const made = new Set(created.runs.map((r) => r.scheduledAt.getTime()));
    const skippedSlots = slots.filter((s) => !made.has(s.getTime()));
    const skipped = await this.runs.findSlotRuns(target.id, skippedSlots);
    return {
      runs: created.runs.map((r) => toRunResponse(target.name, r)),
      skipped: skipped.map((r) => ({ scheduledAt: r.scheduledAt.toISOString(), runName: r.name })),
    };
  }

  private async liveTarget(name: TriggerName): Promise<RunTargetRow> {
    const target = await this.triggers.findRunTarget(name);
    if (!target || target.deletedAt !== null) {
      throw new TriggerNotFoundError(name, target !== null);
    }
    return target;
  }

  private scheduleOf(target: RunTargetRow): Schedule {
    if (target.automationType !== 'SCHEDULE') {
      throw new InvalidScheduleError(
        `trigger ${JSON.stringify(target.name.name)} has no schedule (automationSpec.type is NONE); backfill needs a SCHEDULE trigger`,
        'automationSpec.type',
      );
    }
    return withScheduleErrors(() =>
      parseScheduleCached(target.automationSpec as unknown as AutomationSpecLike, {
        triggerName: target.name.name,
        now: new Date(this.clock.now()),
      }),
    );
  }

  /** What a backfill would create for a slot (dry run): the run without a creation time. */
  private plannedRun(target: RunTargetRow, scheduledAt: Date, runName: string): RunResponse {
    const arg = kickoffArg(target.automationSpec);
    return {
      name: runName,
      trigger: { name: target.name, revision: target.revision },
      taskVersion: target.taskVersion,
      source: 'BACKFILL',
      scheduledAt: scheduledAt.toISOString(),
      createdAt: null,
      inputs: {
        ...objectOr(target.spec.inputs),
        ...(arg ? { [arg]: scheduledAt.toISOString() } : {}),
      },
      runSpec: objectOr(target.spec.runSpec),
    };
  }
}
