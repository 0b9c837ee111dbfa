import type { AutomationSpecDto, TriggerSpecDto } from './dto/deploy-trigger.dto';

/** The spec as stored in `triggers.spec` and revision snapshots (defaults applied, nulls dropped). */
export interface StoredSpec {
  taskVersion: string;
  active: boolean;
  inputs: Record<string, unknown>;
  runSpec: Record<string, unknown>;
  description: string;
  /** only when given (absent: the defaults of docs/delivery.md apply) */
  delivery?: Record<string, unknown>;
  retryConfig?: Record<string, unknown>;
}

export interface StoredCron {
  expression: string;
  timezone?: string;
}

export interface StoredRate {
  value: number;
  unit: string;
  startTime?: string;
}

/** The automation spec as stored: only the fields that were given, cron timezone defaulted. */
export interface StoredAutomationSpec {
  type: 'SCHEDULE' | 'NONE' | 'EVENT';
  schedule?: { cron?: StoredCron; rate?: StoredRate; at?: string; kickoffTimeInputArg?: string };
  /** an EVENT trigger's filter: the fields given (docs/events.md) */
  event?: StoredEventFilter;
  /** only when given, nulls dropped (docs/policies.md) */
  policies?: Record<string, unknown>;
}

export interface StoredEventFilter {
  type: string;
  source?: string;
  subject?: string;
  eventInputArg?: string;
}

const ZONE_PREFIX = /^\s*(CRON_TZ|TZ)=/;

function present<T>(value: T | null | undefined): value is T {
  return value !== null && value !== undefined;
}

function compact(obj: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => present(v)));
}

/** Applies product.md §2's defaults: active true, inputs {}, runSpec {}, description "". */
export function storedSpec(spec: TriggerSpecDto): StoredSpec {
  return {
    taskVersion: spec.taskVersion,
    active: spec.active ?? true,
    inputs: spec.inputs ?? {},
    runSpec: present(spec.runSpec) ? compact(spec.runSpec) : {},
    description: spec.description ?? '',
    ...(present(spec.delivery) ? { delivery: compact(spec.delivery) } : {}),
    ...(present(spec.retryConfig) ? { retryConfig: compact(spec.retryConfig) } : {}),
  };
}

/**
 * The canonical automation spec: nulls dropped and a missing cron timezone written as UTC (unless
 * the expression names its zone with CRON_TZ=/TZ=), so equal schedules compare equal as jsonb.
 */
export function storedAutomationSpec(spec: AutomationSpecDto): StoredAutomationSpec {
  const schedule = spec.schedule;
  const policies = present(spec.policies) ? compact(spec.policies) : {};
  const withPolicies = Object.keys(policies).length > 0 ? { policies } : {};
  if (spec.type === 'EVENT' && present(spec.event)) {
    return {
      type: 'EVENT',
      event: compact(spec.event) as unknown as StoredEventFilter,
      ...withPolicies,
    };
  }
  if (spec.type !== 'SCHEDULE' || !present(schedule)) return { type: spec.type, ...withPolicies };
  const out: NonNullable<StoredAutomationSpec['schedule']> = {};
  if (present(schedule.cron)) {
    const { expression, timezone } = schedule.cron;
    const zone = present(timezone) && timezone !== '' ? timezone : undefined;
    out.cron =
      zone !== undefined
        ? { expression, timezone: zone }
        : ZONE_PREFIX.test(expression)
          ? { expression }
          : { expression, timezone: 'UTC' };
  }
  if (present(schedule.rate)) {
    const { value, unit, startTime } = schedule.rate;
    out.rate =
      present(startTime) && startTime !== '' ? { value, unit, startTime } : { value, unit };
  }
  if (present(schedule.at)) out.at = schedule.at;
  if (present(schedule.kickoffTimeInputArg)) {
    out.kickoffTimeInputArg = schedule.kickoffTimeInputArg;
  }
  return { type: 'SCHEDULE', schedule: out, ...withPolicies };
}
