import { withScheduleErrors } from '../common/schedule-errors';
import { Injectable } from '@nestjs/common';
import { InvalidScheduleError, ValidationFailedError } from '../common/errors';
import {
  AutomationSpecLike,
  checkScheduleContent,
  jitterMsOf,
  jitteredMs,
  parseSchedule,
  parseScheduleCached,
  readIsoInstant,
  Schedule,
  toFireTime,
} from '../schedule';
import { jitterSeed } from '../runs/run-jitter';
import { Clock } from '../common/clock';
import { TriggerNotFoundError } from '../triggers/trigger.errors';
import type { TriggerName } from '../triggers/trigger-events';
import { TriggerReadsRepository } from '../triggers/trigger-reads.repository';
import { DEFAULT_PREVIEW_COUNT, FireTimesDto } from './preview.dto';

/**
 * Previews fire times with the same schedule module the scheduler fires with, so what a preview
 * shows is what runs.
 */
@Injectable()
export class PreviewService {
  constructor(
    private readonly clock: Clock,
    private readonly triggers: TriggerReadsRepository,
  ) {}

  /** An unsaved spec: rates and `@every` without startTime are anchored on `from` (default now). */
  previewSpec(spec: AutomationSpecLike, count?: number | null, from?: string | null): FireTimesDto {
    const now = new Date(this.clock.now());
    const after = this.parseFrom(from, now);
    const schedule = withScheduleErrors(() => {
      const parsed = parseSchedule(spec, { now });
      checkScheduleContent(spec, parsed, { now });
      return parsed;
    });
    // an unsaved spec's jitter is seeded by the schedule itself (docs/policies.md "Jitter")
    const jitter = { seed: schedule.key, ms: withScheduleErrors(() => jitterMsOf(spec)) };
    return this.fireTimes(schedule, after, after, count ?? DEFAULT_PREVIEW_COUNT, jitter);
  }

  /**
   * A saved trigger's next fire times after `from`: an active trigger's as the scheduler fires
   * them (anchored on its effective time, never at or before it); an inactive one's as they would
   * be if it were activated at `from`.
   */
  async previewTrigger(name: TriggerName, count?: number, from?: string): Promise<FireTimesDto> {
    const now = new Date(this.clock.now());
    const after = this.parseFrom(from, now);
    const trigger = await this.triggers.findRunTarget(name);
    if (!trigger || trigger.deletedAt) throw new TriggerNotFoundError(name);
    const spec = trigger.automationSpec as unknown as AutomationSpecLike;
    if (trigger.automationType !== 'SCHEDULE') {
      throw new InvalidScheduleError(
        `trigger "${name.name}" has no schedule (automationSpec.type is ${trigger.automationType})`,
        'automationSpec.type',
      );
    }
    const schedule = withScheduleErrors(() =>
      parseScheduleCached(spec, { triggerName: name.name, now }),
    );
    const n = count ?? DEFAULT_PREVIEW_COUNT;
    const jitter = {
      seed: jitterSeed(trigger.name),
      ms: withScheduleErrors(() => jitterMsOf(spec)),
    };
    if (!trigger.active) return this.fireTimes(schedule, after, after, n, jitter);
    const effective = trigger.effectiveAt;
    return this.fireTimes(schedule, after > effective ? after : effective, effective, n, jitter);
  }

  /** Each fire time with its run's notBefore: the slot plus its jitter (the scheduler's rule). */
  private fireTimes(
    schedule: Schedule,
    after: Date,
    anchor: Date,
    count: number,
    jitter: { seed: string; ms: number },
  ): FireTimesDto {
    return {
      fireTimes: schedule.nextTimes(after, count, anchor).map((t) => ({
        ...toFireTime(t, schedule.timezone),
        notBefore: new Date(jitteredMs(jitter.seed, t.getTime(), jitter.ms)).toISOString(),
      })),
    };
  }

  /** `from` (default now), within the date range of docs/scheduler.md "Limits". */
  private parseFrom(from: string | null | undefined, now: Date): Date {
    if (from === undefined || from === null) return now;
    const read = readIsoInstant(from);
    if (!read.ok) throw ValidationFailedError.of('from', read.reason);
    return new Date(read.ms);
  }
}
