import { withScheduleErrors } from '../common/schedule-errors';
import { Injectable, Logger } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { ValidationFailedError } from '../common/errors';
import { MetricsService } from '../metrics/metrics.service';
import { RevisionNotFoundError } from './revisions/revision.errors';
import { RevisionsRepository } from './revisions/revisions.repository';
import type { RevisionAction } from './revisions/trigger-revision.entity';
import { checkDeployable, type AutomationSpecLike } from '../schedule';
import type { BulkResultDto } from './dto/bulk.dto';
import type { DeployTriggerDto } from './dto/deploy-trigger.dto';
import type { PageQueryDto } from '../common/http/page-query.dto';
import type { ListTriggersQueryDto } from './dto/list-triggers.dto';
import type { RevisionDetailsDto, RevisionListDto } from './dto/revision.dto';
import type { TriggerDetailsDto } from './dto/trigger-details.dto';
import type { DeployPrecondition } from './if-match';
import { PageTokenCodec } from '../common/page-token';
import { Clock } from '../common/clock';
import { TRIGGER_CHANGED, type TriggerChangedEvent, type TriggerName } from './trigger-events';
import {
  PreconditionFailedError,
  RevisionConflictError,
  TriggerNotFoundError,
  formatTriggerName,
} from './trigger.errors';
import {
  toBulkResult,
  toRevisionDetails,
  toRevisionItem,
  toTriggerDetails,
} from './trigger.mapper';
import { storedAutomationSpec, storedSpec } from './trigger-spec';
import type { TriggerEntity } from './trigger.entity';
import {
  TriggersRepository,
  type BulkAction,
  type DeployValues,
  type ListFilters,
} from './triggers.repository';
import { sortKeyCount } from './trigger-order.sql';
import { WebhookDeliveryCheck } from '../delivery/webhook/webhook-delivery-check';

export { revisionKey } from './revisions/revisions.repository';

/** The trigger use cases of product.md §4; emits TRIGGER_CHANGED after each committed change. */
@Injectable()
export class TriggersService {
  private readonly logger = new Logger(TriggersService.name);

  constructor(
    private readonly triggers: TriggersRepository,
    private readonly revisions: RevisionsRepository,
    private readonly tokens: PageTokenCodec,
    private readonly events: EventEmitter2,
    private readonly metrics: MetricsService,
    private readonly clock: Clock,
    private readonly webhooks: WebhookDeliveryCheck,
  ) {}

  /** Create, update or re-create a deleted trigger; `created` for a new or re-created one. */
  async deploy(
    name: TriggerName,
    body: DeployTriggerDto,
    precondition: DeployPrecondition,
    actor: string,
  ): Promise<{ trigger: TriggerDetailsDto; created: boolean; revision: number }> {
    this.validateSchedule(name, body.automationSpec);
    await this.webhooks.check(name.project, body.spec.delivery);
    const automationSpec = storedAutomationSpec(body.automationSpec);
    const values: DeployValues = { name, spec: storedSpec(body.spec), automationSpec, actor };
    const { expectedRevision, mustExist } = precondition;
    // Update first (the common case); insert when missing; a concurrent creator makes the insert
    // find the row, and the next update round sees it. Two rounds always suffice (rows are
    // never removed); the third is a guard.
    for (let attempt = 0; attempt < 3; attempt++) {
      const result = await this.triggers.updateForDeploy(values, expectedRevision, mustExist);
      switch (result.kind) {
        case 'updated':
          return this.deployed(result.trigger, result.recreated);
        case 'stale':
          if (result.deleted) throw new PreconditionFailedError(name);
          this.metrics.revisionConflict();
          throw new RevisionConflictError(name, expectedRevision, result.currentRevision);
        case 'missing': {
          if (mustExist) throw new PreconditionFailedError(name);
          const created = await this.triggers.insertForDeploy(values);
          if (created) return this.deployed(created, true);
          break;
        }
      }
    }
    throw new Error(`deploy of ${formatTriggerName(name)} found neither a row nor room to insert`);
  }

  /**
   * The stored `spec.delivery` of several revisions, keyed by revisionKey, in one statement
   * (null: none; missing: no such revision).
   */
  revisionDeliveries(
    revisions: { triggerId: string; revision: number }[],
  ): Promise<Map<string, unknown>> {
    return this.revisions.findDeliveries(revisions);
  }

  /** The live trigger's details, or TRIGGER_NOT_FOUND when missing or deleted. */
  async get(name: TriggerName): Promise<TriggerDetailsDto> {
    const trigger = await this.triggers.findLive(name);
    if (!trigger) throw new TriggerNotFoundError(name);
    return toTriggerDetails(trigger, new Date(this.clock.now()));
  }

  /** Soft delete of one trigger; TRIGGER_NOT_FOUND when missing or already deleted. */
  async delete(name: TriggerName, actor: string): Promise<void> {
    const [outcome] = await this.triggers.applyBulk('DELETE', [name], actor);
    if (!outcome.changed) throw new TriggerNotFoundError(name);
    this.emit(outcome.changed.id, name, outcome.changed.revision, 'DELETE');
  }

  /** ACTIVATE, DEACTIVATE or DELETE several triggers; a repeated name is handled once. */
  async bulk(
    action: BulkAction,
    names: TriggerName[],
    actor: string,
    note: string | null = null,
  ): Promise<BulkResultDto> {
    const distinct = new Map<string, TriggerName>();
    for (const n of names) {
      const key = JSON.stringify([n.project, n.domain, n.taskName, n.name]);
      if (!distinct.has(key)) {
        distinct.set(key, {
          project: n.project,
          domain: n.domain,
          taskName: n.taskName,
          name: n.name,
        });
      }
    }
    const outcomes = await this.triggers.applyBulk(
      action,
      [...distinct.values()],
      actor,
      undefined,
      note,
    );
    const result = {
      updated: [] as TriggerName[],
      unchanged: [] as TriggerName[],
      notFound: [] as TriggerName[],
    };
    for (const o of outcomes) {
      if (o.changed) {
        result.updated.push(o.name);
        this.emit(o.changed.id, o.name, o.changed.revision, action);
      } else if (o.found) {
        result.unchanged.push(o.name);
      } else {
        result.notFound.push(o.name);
      }
    }
    return toBulkResult(result);
  }

  /** One page of live triggers (api.md "Listing and paging"). */
  async list(
    query: ListTriggersQueryDto,
    /** the caller's projects (auth's allowedProjects); null: every project */
    allowedProjects: string[] | null = null,
  ): Promise<{ triggers: TriggerDetailsDto[]; token: string | null }> {
    const filters: ListFilters = {
      project: query.project,
      projects: query.project === undefined && allowedProjects ? allowedProjects : undefined,
      domain: query.domain,
      taskName: query.taskName,
      taskVersion: query.taskVersion,
      active: query.activeFilter(),
      automationType: query.automationType,
      nameContains: query.nameContains,
    };
    const order = query.order();
    const scope = JSON.stringify([
      'triggers',
      order ? `${order.field}:${order.direction}` : null,
      Object.values(filters).map((v: unknown) => v ?? null),
    ]);
    const after = query.token === undefined ? null : this.tokens.decode(scope, query.token);
    if (after && after.length !== sortKeyCount(order))
      throw ValidationFailedError.of('token', 'is not valid for this list');
    const limit = query.pageSize();
    const rows = await this.triggers.list(filters, order, after, limit + 1);
    const page = rows.slice(0, limit);
    const now = new Date(this.clock.now());
    return {
      triggers: page.map((r) => toTriggerDetails(r.trigger, now)),
      token: rows.length > limit ? this.tokens.encode(scope, page[page.length - 1].key) : null,
    };
  }

  /** A trigger's history, newest first; also for a deleted trigger, 404 if it never existed. */
  async listRevisions(name: TriggerName, query: PageQueryDto): Promise<RevisionListDto> {
    const found = await this.triggers.findAnyId(name);
    if (!found) throw new TriggerNotFoundError(name);
    const scope = JSON.stringify(['revisions', found.id]);
    let before: number | null = null;
    if (query.token !== undefined) {
      const [key] = this.tokens.decode(scope, query.token);
      if (!/^\d{1,10}$/.test(key)) {
        throw ValidationFailedError.of('token', 'is not valid for this list');
      }
      before = Number(key);
    }
    const limit = query.pageSize();
    const rows = await this.revisions.pageHistory(found.id, before, limit + 1);
    const page = rows.slice(0, limit);
    const current =
      !found.deleted && page[0]?.revision === found.latestRevision
        ? await this.triggers.findLive(name)
        : null;
    const now = new Date(this.clock.now());
    return {
      revisions: page.map((r) => toRevisionItem(r, current, now)),
      token:
        rows.length > limit
          ? this.tokens.encode(scope, [String(page[page.length - 1].revision)])
          : null,
    };
  }

  /** The trigger as it was at `revision`; REVISION_NOT_FOUND when it has no such revision. */
  async getRevision(name: TriggerName, revision: number): Promise<RevisionDetailsDto> {
    const found = await this.triggers.findAnyId(name);
    if (!found) throw new TriggerNotFoundError(name);
    const record = await this.revisions.findOne(found.id, revision);
    if (!record) throw new RevisionNotFoundError(formatTriggerName(name), revision);
    const current =
      !found.deleted && revision === found.latestRevision
        ? await this.triggers.findLive(name)
        : null;
    return toRevisionDetails(name, record, current, new Date(this.clock.now()));
  }

  private deployed(
    trigger: TriggerEntity,
    created: boolean,
  ): { trigger: TriggerDetailsDto; created: boolean; revision: number } {
    this.emit(trigger.id, trigger, trigger.latestRevision, 'DEPLOY');
    return {
      trigger: toTriggerDetails(trigger, new Date(this.clock.now())),
      created,
      revision: trigger.latestRevision,
    };
  }

  /** Content checks of the schedule module (the parser the scheduler uses), as domain errors. */
  private validateSchedule(name: TriggerName, spec: AutomationSpecLike): void {
    const options = { triggerName: name.name, now: new Date(this.clock.now()) };
    withScheduleErrors(() => checkDeployable(spec, options));
  }

  private emit(
    triggerId: string,
    name: TriggerName,
    revision: number,
    action: RevisionAction,
  ): void {
    const event: TriggerChangedEvent = {
      triggerId,
      name: {
        project: name.project,
        domain: name.domain,
        taskName: name.taskName,
        name: name.name,
      },
      revision,
      action,
    };
    try {
      this.events.emit(TRIGGER_CHANGED, event);
    } catch (e) {
      // The change is committed; a failing listener must not turn it into an error response.
      this.logger.error(`a ${TRIGGER_CHANGED} listener failed: ${(e as Error).message}`);
    }
  }
}
