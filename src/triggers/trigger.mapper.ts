import type { RevisionRecord, RevisionStatusSnapshot } from './revisions/revisions.repository';
import type { TriggerName } from './trigger-events';
import type { TriggerEntity } from './trigger.entity';
import type { BulkResultDto } from './dto/bulk.dto';
import type { RevisionDetailsDto, RevisionItemDto } from './dto/revision.dto';
import type {
  AutomationSpecViewDto,
  EventFilterViewDto,
  RunSpecViewDto,
  ScheduleViewDto,
  TriggerDetailsDto,
  TriggerSpecViewDto,
  TriggerStatusDto,
} from './dto/trigger-details.dto';
import type { TriggerNameDto } from '../common/http/trigger-key.dto';
import type { PoliciesViewDto } from './dto/policies.dto';
import { nextFireAt } from './next-fire';
import { deliveryView, retryConfigView } from '../runs/lifecycle/delivery-spec';

function iso(date: Date | null): string | null {
  return date === null ? null : date.toISOString();
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function stringMap(value: unknown): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  return out;
}

export function toNameDto(name: TriggerName): TriggerNameDto {
  return {
    project: name.project,
    domain: name.domain,
    taskName: name.taskName,
    name: name.name,
  };
}

function toRunSpec(value: unknown): RunSpecViewDto {
  const r = asRecord(value);
  const out: RunSpecViewDto = {};
  const envs = stringMap(r.envs);
  const labels = stringMap(r.labels);
  const annotations = stringMap(r.annotations);
  if (envs) out.envs = envs;
  if (labels) out.labels = labels;
  if (annotations) out.annotations = annotations;
  if (typeof r.interruptible === 'boolean') out.interruptible = r.interruptible;
  if (typeof r.overwriteCache === 'boolean') out.overwriteCache = r.overwriteCache;
  if (typeof r.cluster === 'string') out.cluster = r.cluster;
  return out;
}

function toSpec(
  spec: Record<string, unknown>,
  taskVersion: string,
  active: boolean,
): TriggerSpecViewDto {
  return {
    taskVersion,
    active,
    inputs: asRecord(spec.inputs),
    runSpec: toRunSpec(spec.runSpec),
    description: typeof spec.description === 'string' ? spec.description : '',
    ...(spec.delivery !== undefined ? { delivery: deliveryView(spec.delivery) } : {}),
    ...(spec.retryConfig !== undefined ? { retryConfig: retryConfigView(spec.retryConfig) } : {}),
  };
}

function toEventFilter(value: unknown): EventFilterViewDto {
  const e = asRecord(value);
  const out: EventFilterViewDto = { type: String(e.type) };
  if (typeof e.source === 'string') out.source = e.source;
  if (typeof e.subject === 'string') out.subject = e.subject;
  if (typeof e.eventInputArg === 'string') out.eventInputArg = e.eventInputArg;
  return out;
}

function toAutomationSpec(value: Record<string, unknown>): AutomationSpecViewDto {
  if (value.type === 'EVENT') return { type: 'EVENT', event: toEventFilter(value.event) };
  const type = value.type === 'SCHEDULE' ? 'SCHEDULE' : 'NONE';
  if (type === 'NONE') return { type, ...policiesView(value) };
  const s = asRecord(value.schedule);
  const schedule: ScheduleViewDto = {};
  if (s.cron) {
    const c = asRecord(s.cron);
    schedule.cron = { expression: String(c.expression) };
    if (typeof c.timezone === 'string') schedule.cron.timezone = c.timezone;
  }
  if (s.rate) {
    const r = asRecord(s.rate);
    schedule.rate = { value: Number(r.value), unit: String(r.unit) };
    if (typeof r.startTime === 'string') schedule.rate.startTime = r.startTime;
  }
  if (typeof s.at === 'string') schedule.at = s.at;
  if (typeof s.kickoffTimeInputArg === 'string') {
    schedule.kickoffTimeInputArg = s.kickoffTimeInputArg;
  }
  return { type, schedule, ...policiesView(value) };
}

/** `policies` as stored (only the given fields), when any. */
function policiesView(value: Record<string, unknown>): { policies?: PoliciesViewDto } {
  const p = asRecord(value.policies);
  return Object.keys(p).length > 0 ? { policies: p } : {};
}

/** status.remainingRuns and status.note, each only when set. */
function policyStatus(
  remainingRuns: number | null | undefined,
  note: string | null | undefined,
): Pick<TriggerStatusDto, 'remainingRuns' | 'note'> {
  return {
    ...(typeof remainingRuns === 'number' ? { remainingRuns } : {}),
    ...(typeof note === 'string' ? { note } : {}),
  };
}

function liveNextFire(t: TriggerEntity, now: Date): string | null {
  if (!t.active || t.deletedAt !== null) return null;
  return iso(nextFireAt(t.automationSpec, t.effectiveAt, now));
}

function toStatus(t: TriggerEntity, now: Date): TriggerStatusDto {
  return {
    deployedAt: t.deployedAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
    activatedAt: iso(t.activatedAt),
    triggeredAt: iso(t.triggeredAt),
    lastScheduledAt: iso(t.lastScheduledAt),
    deletedAt: iso(t.deletedAt),
    nextFireAt: liveNextFire(t, now),
    ...policyStatus(t.remainingRuns, t.note),
  };
}

/** A trigger's current details (api.md "Trigger details"); `now` is the base of nextFireAt. */
export function toTriggerDetails(t: TriggerEntity, now: Date): TriggerDetailsDto {
  return {
    id: { name: toNameDto(t), revision: t.latestRevision },
    metadata: { deployedBy: t.deployedBy, updatedBy: t.updatedBy },
    spec: toSpec(t.spec, t.taskVersion, t.active),
    automationSpec: toAutomationSpec(t.automationSpec),
    status: toStatus(t, now),
  };
}

function snapshotStatus(s: RevisionStatusSnapshot, nextFire: string | null): TriggerStatusDto {
  return {
    deployedAt: s.deployedAt,
    updatedAt: s.updatedAt,
    activatedAt: s.activatedAt ?? null,
    triggeredAt: s.triggeredAt ?? null,
    lastScheduledAt: s.lastScheduledAt ?? null,
    deletedAt: s.deletedAt ?? null,
    nextFireAt: nextFire,
    ...policyStatus(s.remainingRuns, s.note),
  };
}

/**
 * `current` is the live trigger when `r` is its latest revision (then nextFireAt is the live one);
 * an older revision, or any revision of a deleted trigger, no longer fires.
 */
export function toRevisionItem(
  r: RevisionRecord,
  current: TriggerEntity | null,
  now: Date,
): RevisionItemDto {
  const nextFire =
    current && current.latestRevision === r.revision ? liveNextFire(current, now) : null;
  return {
    revision: r.revision,
    action: r.action,
    actor: r.actor,
    createdAt: r.createdAt.toISOString(),
    note: r.note ?? null,
    status: snapshotStatus(r.status, nextFire),
  };
}

/** The trigger as it was at revision `r` (api.md "Revisions"), plus the revision's action. */
export function toRevisionDetails(
  name: TriggerName,
  r: RevisionRecord,
  current: TriggerEntity | null,
  now: Date,
): RevisionDetailsDto {
  const nextFire =
    current && current.latestRevision === r.revision ? liveNextFire(current, now) : null;
  return {
    id: { name: toNameDto(name), revision: r.revision },
    metadata: { deployedBy: r.deployedBy, updatedBy: r.updatedBy },
    spec: toSpec(r.spec, r.taskVersion, r.active),
    automationSpec: toAutomationSpec(r.automationSpec),
    status: snapshotStatus(r.status, nextFire),
    action: r.action,
    note: r.note ?? null,
  };
}

export function toBulkResult(groups: {
  updated: TriggerName[];
  unchanged: TriggerName[];
  notFound: TriggerName[];
}): BulkResultDto {
  return {
    updated: groups.updated.map(toNameDto),
    unchanged: groups.unchanged.map(toNameDto),
    notFound: groups.notFound.map(toNameDto),
  };
}

/** The spec and automation spec as GET shows them (the trigger set's before/after). */
export { toSpec as toSpecView, toAutomationSpec as toAutomationSpecView };
