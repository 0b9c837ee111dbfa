import { BaseSchedule } from './base-schedule';

/** A one-time schedule (`schedule.at`): one fire time, in UTC, whatever the anchor. */
export class AtSchedule extends BaseSchedule {
  readonly kind = 'AT' as const;
  readonly timezone = 'UTC';
  readonly anchored = false;
  readonly key: string;

  constructor(readonly atMs: number) {
    super();
    this.key = `at|${new Date(atMs).toISOString()}`;
  }

  protected nextMs(afterMs: number, limitMs: number): number | null {
    return this.atMs > afterMs && this.atMs <= limitMs ? this.atMs : null;
  }
}
