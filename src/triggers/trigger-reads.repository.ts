import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ScheduleSource, ScheduleTriggerRow } from '../scheduler/scheduler.types';
import { partitionSql } from '../scheduler/partitions';
import type { TriggerName } from './trigger-events';

/** What the runs endpoints need to know about a trigger (deleted ones included). */
export interface RunTargetRow {
  id: string;
  name: TriggerName;
  revision: number;
  active: boolean;
  automationType: 'SCHEDULE' | 'NONE' | 'EVENT';
  automationSpec: Record<string, unknown>;
  taskVersion: string;
  /** the deployed spec (inputs, runSpec, …) */
  spec: Record<string, unknown>;
  effectiveAt: Date;
  deletedAt: Date | null;
}

export const ACTIVE_SCHEDULE = `t.active AND t.deleted_at IS NULL AND t.automation_type = 'SCHEDULE'`;

const NAME_COLUMNS = `t.id::text AS id, t.project, t.domain, t.task_name AS "taskName", t.name`;

interface NameColumns {
  id: string;
  project: string;
  domain: string;
  taskName: string;
  name: string;
}

/** The condition "in scheduler partition p" (an integer, never user input), or nothing. */
function inPartition(partition: number | null): string {
  if (partition === null) return '';
  if (!Number.isInteger(partition) || partition < 0) throw new Error(`bad partition ${partition}`);
  return `AND ${partitionSql('t.id')} = ${partition}`;
}

function nameOf(row: NameColumns): TriggerName {
  return { project: row.project, domain: row.domain, taskName: row.taskName, name: row.name };
}

/**
 * The triggers' read API for the scheduler and the runs endpoints: paged reads of the active
 * schedule triggers, one of them by id, and a run target by name (deleted ones included).
 */
@Injectable()
export class TriggerReadsRepository implements ScheduleSource {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Ids and revisions of active, undeleted SCHEDULE triggers with id > afterId, by id, at most
   * limit. Sent as one text value per page: a reconciliation pass reads every trigger, and one
   * value costs far less to transfer and decode than one row each. With `partition`, only that
   * scheduler partition's (docs/scale-out.md; an index walk of ix_triggers_schedule_partition).
   */
  async listActiveScheduleRevisions(
    afterId: string | null,
    limit: number,
    partition: number | null = null,
  ): Promise<{ ids: string[]; revisions: number[] }> {
    const rows: { page: string | null }[] = await this.dataSource.query(
      `SELECT string_agg(p.id::text || ':' || p.latest_revision::text, ',' ORDER BY p.id) AS page
       FROM (SELECT t.id, t.latest_revision FROM triggers t
             WHERE ${ACTIVE_SCHEDULE} AND t.id > $1::bigint ${inPartition(partition)}
             ORDER BY t.id LIMIT $2) p`,
      [afterId ?? '0', limit],
    );
    const ids: string[] = [];
    const revisions: number[] = [];
    const page = rows[0]?.page;
    if (!page) return { ids, revisions };
    for (const item of page.split(',')) {
      const colon = item.indexOf(':');
      ids.push(item.slice(0, colon));
      revisions.push(Number(item.slice(colon + 1)));
    }
    return { ids, revisions };
  }

  /** The scheduling details of those of `ids` that are active, undeleted SCHEDULE triggers. */
  async findActiveSchedules(ids: string[]): Promise<ScheduleTriggerRow[]> {
    if (ids.length === 0) return [];
    return this.scheduleRows(`t.id = ANY($1::bigint[])`, [ids]);
  }

  /**
   * The same for every active schedule trigger with afterId < id <= throughId (a whole page), of
   * one scheduler partition when `partition` is set.
   */
  async findActiveSchedulesInRange(
    afterId: string | null,
    throughId: string,
    partition: number | null = null,
  ): Promise<ScheduleTriggerRow[]> {
    return this.scheduleRows(`t.id > $1::bigint AND t.id <= $2::bigint ${inPartition(partition)}`, [
      afterId ?? '0',
      throughId,
    ]);
  }

  private async scheduleRows(where: string, params: unknown[]): Promise<ScheduleTriggerRow[]> {
    // instants as epoch milliseconds (float8): a first pass reads every trigger, and a number
    // costs far less to decode than timestamp text (the same millisecond: both truncate)
    const rows: (NameColumns & {
      revision: number;
      automationSpec: Record<string, unknown>;
      effectiveMs: number;
      throughMs: number | null;
      hasCursorRow: boolean;
    })[] = await this.dataSource.query(
      `SELECT ${NAME_COLUMNS}, t.latest_revision AS revision, t.automation_spec AS "automationSpec",
              (extract(epoch FROM t.effective_at) * 1000)::float8 AS "effectiveMs",
              (extract(epoch FROM coalesce(c.scheduled_through, t.last_scheduled_at)) * 1000)::float8
                AS "throughMs",
              c.trigger_id IS NOT NULL AS "hasCursorRow"
       FROM triggers t LEFT JOIN scheduler_cursors c ON c.trigger_id = t.id
       WHERE ${where} AND ${ACTIVE_SCHEDULE}`,
      params,
    );
    return rows.map((r) => ({
      id: r.id,
      name: nameOf(r),
      revision: r.revision,
      automationSpec: r.automationSpec,
      effectiveAt: new Date(Math.trunc(r.effectiveMs)),
      scheduledThrough: r.throughMs === null ? null : new Date(Math.trunc(r.throughMs)),
      hasCursorRow: r.hasCursorRow,
    }));
  }

  /** The trigger with this name, deleted or not; null if it never existed. */
  async findRunTarget(name: TriggerName): Promise<RunTargetRow | null> {
    const rows: (NameColumns & Omit<RunTargetRow, 'id' | 'name'>)[] = await this.dataSource.query(
      `SELECT ${NAME_COLUMNS}, t.latest_revision AS revision, t.active,
              t.automation_type AS "automationType", t.automation_spec AS "automationSpec",
              t.task_version AS "taskVersion", t.spec, t.effective_at AS "effectiveAt",
              t.deleted_at AS "deletedAt"
       FROM triggers t
       WHERE t.project = $1 AND t.domain = $2 AND t.task_name = $3 AND t.name = $4`,
      [name.project, name.domain, name.taskName, name.name],
    );
    if (rows.length === 0) return null;
    const r = rows[0];
    return {
      id: r.id,
      name: nameOf(r),
      revision: r.revision,
      active: r.active,
      automationType: r.automationType,
      automationSpec: r.automationSpec,
      taskVersion: r.taskVersion,
      spec: r.spec,
      effectiveAt: r.effectiveAt,
      deletedAt: r.deletedAt,
    };
  }

  /** One active, undeleted SCHEDULE trigger by id; null otherwise. */
  async findActiveSchedule(id: string): Promise<ScheduleTriggerRow | null> {
    const [row] = await this.findActiveSchedules([id]);
    return row ?? null;
  }
}
