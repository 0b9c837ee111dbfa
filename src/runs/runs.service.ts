import { PageTokenCodec } from '../common/page-token';
import { withScheduleErrors } from '../common/schedule-errors';
import { Injectable } from '@nestjs/common';
import { InvalidScheduleError, ValidationFailedError } from '../common/errors';
import { MetricsService } from '../metrics/metrics.service';
import { Clock } from '../common/clock';
import {
  ISO_INSTANT_RULE,
  parseIsoInstant,
  parseScheduleCached,
  type AutomationSpecLike,
  type Schedule,
} from '../schedule';
import type { TriggerName } from '../triggers/trigger-events';
import { TriggerReadsRepository, type RunTargetRow } from '../triggers/trigger-reads.repository';
import { RunWritesRepository, type BackfillRuns } from './run-writes.repository';
import { decodeRunPageToken, encodeRunPageToken } from './run-page-token';
import { manualRunName, RunNamer } from './run-name';
import { RunResponse, toRunResponse } from './run.mapper';
import { TriggerNotFoundError } from '../triggers/trigger.errors';
import { RunsRepository } from './runs.repository';
import { slotNotBefore } from './run-jitter';
import { BACKFILL_PAYLOAD_BUDGET, MAX_BACKFILL_SLOTS } from './runs.types';

export interface RunPage {
  runs: RunResponse[];
  token: string | null;
}

export interface BackfillRequest {
  from: string;
  to: string;
  dryRun?: boolean;
  overlapPolicy?: string;
}

export interface BackfillResult {
  runs: RunResponse[];
  skipped: { scheduledAt: string; runName: string }[];
  /** true: the runs' inputs and runSpec were too large to answer (docs/runs.md "Backfill") */
  payloadsOmitted: boolean;
}

/** Runs: scheduled fires (for the scheduler), manual fire, backfill and listing. */
@Injectable()
export class RunsService {
  constructor(
    private readonly triggers: TriggerReadsRepository,
    private readonly writes: RunWritesRepository,
    private readonly runs: RunsRepository,
    private readonly clock: Clock,
    private readonly metrics: MetricsService,
    private readonly tokens: PageTokenCodec,
  ) {}

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
    overlapPolicy: string | null = null,
  ): Promise<{ run: RunResponse; created: boolean }> {
    const target = await this.liveTarget(name);
    if (idempotencyKey !== null) {
      const seen = await this.runs.findByIdempotencyKey(target.id, idempotencyKey);
      if (seen) return { run: toRunResponse(target.name, seen), created: false };
    }
    const now = new Date(this.clock.now());
    const result = await this.writes.createManualRun(target.id, {
      runName: manualRunName(now),
      scheduledAt: now,
      idempotencyKey,
      overlapPolicy,
    });
    if (!result.found) throw new TriggerNotFoundError(name, true);
    if (result.runs.length > 0) {
      this.metrics.runsCreated('MANUAL');
      this.metrics.slotsSkippedBy(result.runs.map((r) => r.skipReason));
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
      ...(from === null ? [{ field: 'from', message: ISO_INSTANT_RULE }] : []),
      ...(to === null ? [{ field: 'to', message: ISO_INSTANT_RULE }] : []),
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
    const notBefore = slotNotBefore(target.name, target.automationSpec);
    const named = slots.map((scheduledAt) => ({
      scheduledAt,
      runName: namer.nameOf(scheduledAt),
      ...(notBefore ? { notBefore: notBefore(scheduledAt) } : {}),
    }));

    const dryRun = request.dryRun === true;
    const result: BackfillRuns = dryRun
      ? await this.writes.planBackfillRuns(target.id, named, BACKFILL_PAYLOAD_BUDGET)
      : await this.writes.createBackfillRuns(
          target.id,
          named,
          BACKFILL_PAYLOAD_BUDGET,
          request.overlapPolicy ?? 'ALLOW_ALL',
        );
    if (!result.found) throw new TriggerNotFoundError(name, true);
    if (!dryRun) {
      this.metrics.runsCreated('BACKFILL', result.runs.length);
      this.metrics.slotsSkippedBy(
        result.runs.map((r) => ('skipReason' in r ? r.skipReason : null)),
      );
    }
    const made = new Set(result.runs.map((r) => r.scheduledAt.getTime()));
    const left = slots.filter((s) => !made.has(s.getTime()));
    const existing = new Map(
      (await this.runs.findSlotRuns(target.id, left)).map((r) => [r.scheduledAt.getTime(), r.name]),
    );
    // A slot at or before the latest one whose run retention deleted is skipped even without a
    // run: it may have run already (docs/runs.md "Backfill"). Its name is the slot's run name.
    const pruned = result.prunedThrough?.getTime() ?? Number.NEGATIVE_INFINITY;
    const skipped = left
      .filter((s) => existing.has(s.getTime()) || s.getTime() <= pruned)
      .map((s) => ({
        scheduledAt: s.toISOString(),
        runName: existing.get(s.getTime()) ?? namer.nameOf(s),
      }));
    return {
      runs: result.runs.map((r) => toRunResponse(target.name, r, dryRun)),
      skipped,
      payloadsOmitted: result.payloadsOmitted,
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
        `trigger ${JSON.stringify(target.name.name)} has no schedule (automationSpec.type is ${target.automationType}); backfill needs a SCHEDULE trigger`,
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
}
