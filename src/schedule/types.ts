export interface AutomationSpecLike {
  type: string;
  schedule?: {
    cron?: { expression: string; timezone?: string | null } | null;
    rate?: { value: number; unit: string; startTime?: string | null } | null;
    /** a one-time schedule: one ISO 8601 instant instead of cron or rate */
    at?: string | null;
    kickoffTimeInputArg?: string | null;
  } | null;
  /** an EVENT trigger's filter (docs/events.md); its fields are checked by the deploy DTO */
  event?: unknown;
  /** the trigger policies; the schedule maths reads the window and jitter (docs/policies.md) */
  policies?: PoliciesLike | null;
}

export interface PoliciesLike {
  activeFrom?: string | null;
  activeUntil?: string | null;
  jitter?: string | null;
}

export interface ParseOptions {
  /** used in messages: `trigger "<name>" has invalid …` */
  triggerName?: string;
  /**
   * "now" for the "no fire time within 8 years" check. Callers always pass it; when absent the
   * parser reads the clock there (the only place this module does).
   */
  now?: Date;
}

export interface FireTime {
  /** UTC ISO 8601 with milliseconds, e.g. `2026-03-08T07:00:00.000Z` */
  at: string;
  /** wall-clock time in the schedule's zone with its offset, e.g. `2026-03-08T03:00:00-04:00` */
  local: string;
}

export type ScheduleKind = 'CRON' | 'EVERY' | 'RATE' | 'AT';

export interface Schedule {
  /** canonical identity: equal keys give identical fire times for the same anchor */
  readonly key: string;
  readonly kind: ScheduleKind;
  /** IANA zone ('UTC' for rates and `@every`) */
  readonly timezone: string;
  /** true when fire times depend on the anchor (a rate without startTime, `@every`) */
  readonly anchored: boolean;
  /** first fire time strictly after `after` (null if none within 8 years); `anchor` = effective time */
  next(after: Date, anchor: Date): Date | null;
  /** up to `count` fire times strictly after `after`, ascending */
  nextTimes(after: Date, count: number, anchor: Date): Date[];
  /** fire times t with fromExclusive < t <= toInclusive, ascending, at most `limit` (catch-up) */
  slotsAfter(fromExclusive: Date, toInclusive: Date, anchor: Date, limit: number): Date[];
  /** fire times t with fromInclusive <= t < toExclusive, ascending, at most `limit` (backfill) */
  slotsInRange(fromInclusive: Date, toExclusive: Date, anchor: Date, limit: number): Date[];
}
