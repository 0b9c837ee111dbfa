import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { Clock } from '../common/clock';
import { WebhookDeliveryCheck } from '../delivery/webhook/webhook-delivery-check';
import type { RevisionAction } from './revisions/trigger-revision.entity';
import type {
  SetOutcome,
  TriggerSetItemDto,
  TriggerSetResultDto,
  TriggerSetSpecsDto,
} from './dto/trigger-set.dto';
import { TRIGGER_CHANGED, type TriggerChangedEvent, type TriggerName } from './trigger-events';
import { formatTriggerName } from './trigger.errors';
import { toAutomationSpecView, toSpecView } from './trigger.mapper';
import type { TriggerEntity } from './trigger.entity';
import {
  TriggerSetRepository,
  type Queryable,
  type TaskName,
  type TaskTriggerRow,
} from './trigger-set.repository';
import { validateTriggerSet, type ValidMember } from './trigger-set.validation';
import { TriggersRepository, type DeployValues } from './triggers.repository';

export interface SetOptions {
  prune: boolean;
  dryRun: boolean;
}

/** JSON with keys sorted at every level: equal for equal jsonb values. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function specsView(spec: Record<string, unknown>, automationSpec: object): TriggerSetSpecsDto {
  return {
    spec: toSpecView(spec, String(spec.taskVersion), spec.active === true),
    automationSpec: toAutomationSpecView(automationSpec as Record<string, unknown>),
  };
}

function rowView(row: TaskTriggerRow | TriggerEntity): TriggerSetSpecsDto {
  return specsView(row.spec, row.automationSpec);
}

/**
 * A task's whole trigger set in one transaction (docs/triggers-as-code.md "The set endpoint"):
 * creates the missing, updates the changed, leaves the unchanged alone, prunes the rest on
 * request. Used by `PUT /tasks/{…}/triggers` and by TRIGGERS_FILE at start-up.
 */
@Injectable()
export class TriggerSetService {
  private readonly logger = new Logger(TriggerSetService.name);

  constructor(
    private readonly sets: TriggerSetRepository,
    private readonly triggers: TriggersRepository,
    private readonly events: EventEmitter2,
    private readonly clock: Clock,
    private readonly webhooks: WebhookDeliveryCheck,
  ) {}

  /** Validates every member (nothing is written if one is invalid), then applies the set. */
  async apply(
    task: TaskName,
    raw: unknown[],
    options: SetOptions,
    actor: string,
  ): Promise<TriggerSetResultDto> {
    return this.applyValid(
      task,
      validateTriggerSet(raw, new Date(this.clock.now())),
      options,
      actor,
    );
  }

  /** Applies members that validateTriggerSet returned, in one transaction under the task's lock. */
  async applyValid(
    task: TaskName,
    members: ValidMember[],
    options: SetOptions,
    actor: string,
  ): Promise<TriggerSetResultDto> {
    // The deploy's delivery check (addresses, signing key), outside the task's transaction: it
    // resolves host names.
    for (const m of members) await this.webhooks.check(task.project, m.spec.delivery, `${m.at}.`);
    const changed: TriggerChangedEvent[] = [];
    const items = await this.sets.inTaskTransaction(task, async (db) => {
      const rows = await this.sets.findTaskTriggers(db, task);
      const byName = new Map(rows.map((r) => [r.name, r]));
      const out: TriggerSetItemDto[] = [];
      for (const m of members) {
        const row = byName.get(m.name);
        const live = row !== undefined && row.deletedAt === null ? row : undefined;
        const before = live ? rowView(live) : null;
        if (
          live &&
          canonical(live.spec) === canonical(m.spec) &&
          canonical(live.automationSpec) === canonical(m.automationSpec)
        ) {
          out.push(item(m.name, 'unchanged', live.latestRevision, before, before));
          continue;
        }
        const outcome: SetOutcome = live ? 'updated' : 'created';
        if (options.dryRun) {
          const after = specsView({ ...m.spec }, m.automationSpec);
          out.push(item(m.name, outcome, (row?.latestRevision ?? 0) + 1, before, after));
          continue;
        }
        const name = { ...task, name: m.name };
        const { spec, automationSpec } = m;
        const saved = await this.deploy(db, { name, spec, automationSpec, actor });
        changed.push(event(saved.id, name, saved.latestRevision, 'DEPLOY'));
        out.push(item(m.name, outcome, saved.latestRevision, before, rowView(saved)));
      }
      if (options.prune) {
        const listed = new Set(members.map((m) => m.name));
        const extra = rows
          .filter((r) => r.deletedAt === null && !listed.has(r.name))
          .sort((a, b) => (a.name < b.name ? -1 : 1));
        out.push(...(await this.prune(db, task, extra, options.dryRun, actor, changed)));
      }
      return out;
    });
    for (const e of changed) this.emit(e);
    return { dryRun: options.dryRun, triggers: items };
  }

  private async prune(
    db: Queryable,
    task: TaskName,
    extra: TaskTriggerRow[],
    dryRun: boolean,
    actor: string,
    changed: TriggerChangedEvent[],
  ): Promise<TriggerSetItemDto[]> {
    if (extra.length === 0) return [];
    if (dryRun) {
      return extra.map((r) => item(r.name, 'deleted', r.latestRevision + 1, rowView(r), null));
    }
    const names = extra.map((r) => ({ ...task, name: r.name }));
    const outcomes = await this.triggers.applyBulk('DELETE', names, actor, db);
    return outcomes.map((o, i) => {
      // The rows are locked by this transaction: each is still live, so each gets its revision.
      const revision = o.changed?.revision ?? extra[i].latestRevision;
      if (o.changed) changed.push(event(o.changed.id, o.name, revision, 'DELETE'));
      return item(o.name.name, 'deleted', revision, rowView(extra[i]), null);
    });
  }

  /** An unconditional deploy on the transaction's connection; creates when missing. */
  private async deploy(db: Queryable, values: DeployValues): Promise<TriggerEntity> {
    // A single-trigger deploy may insert the name concurrently: the insert then finds the row
    // and the next update round sees it (the same two rounds as TriggersService.deploy).
    for (let attempt = 0; attempt < 3; attempt++) {
      const result = await this.triggers.updateForDeploy(values, 0, false, db);
      if (result.kind === 'updated') return result.trigger;
      if (result.kind === 'missing') {
        const created = await this.triggers.insertForDeploy(values, db);
        if (created) return created;
      }
    }
    throw new Error(`set deploy of ${formatTriggerName(values.name)} found no row to write`);
  }

  private emit(event: TriggerChangedEvent): void {
    try {
      this.events.emit(TRIGGER_CHANGED, event);
    } catch (e) {
      // The change is committed; a failing listener must not turn it into an error response.
      this.logger.error(`a ${TRIGGER_CHANGED} listener failed: ${(e as Error).message}`);
    }
  }
}

function item(
  name: string,
  outcome: SetOutcome,
  revision: number,
  before: TriggerSetSpecsDto | null,
  after: TriggerSetSpecsDto | null,
): TriggerSetItemDto {
  return { name, outcome, revision, before, after };
}

function event(
  triggerId: string,
  name: TriggerName,
  revision: number,
  action: RevisionAction,
): TriggerChangedEvent {
  const { project, domain, taskName } = name;
  return { triggerId, name: { project, domain, taskName, name: name.name }, revision, action };
}
