import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { insertRevisionsSql } from './revisions/revision-snapshot.sql';
import type { RevisionAction } from './revisions/trigger-revision.entity';
import type { TriggerName } from './trigger-events';
import type { StoredAutomationSpec, StoredSpec } from './trigger-spec';
import type { TriggerEntity } from './trigger.entity';
import { sortKeys, type ListOrder, type SortKey } from './trigger-order.sql';
import type { Queryable } from './trigger-set.repository';

/** A trigger's columns, camelCased, from the relation (or CTE) aliased `alias`. */
function columns(alias: string): string {
  return `${alias}.id, ${alias}.project, ${alias}.domain, ${alias}.task_name AS "taskName",
    ${alias}.name, ${alias}.latest_revision AS "latestRevision", ${alias}.active,
    ${alias}.automation_type AS "automationType", ${alias}.task_version AS "taskVersion",
    ${alias}.spec, ${alias}.automation_spec AS "automationSpec", ${alias}.effective_at AS "effectiveAt",
    ${alias}.deployed_at AS "deployedAt", ${alias}.updated_at AS "updatedAt",
    ${alias}.activated_at AS "activatedAt", ${alias}.triggered_at AS "triggeredAt",
    ${alias}.last_scheduled_at AS "lastScheduledAt", ${alias}.deleted_at AS "deletedAt",
    ${alias}.deployed_by AS "deployedBy", ${alias}.updated_by AS "updatedBy",
    ${alias}.note, ${alias}.remaining_runs AS "remainingRuns"`;
}

/** policies.maxRuns of an automation spec (jsonb SQL), as an integer or NULL. */
function maxRunsSql(spec: string): string {
  return `(${spec}->'policies'->>'maxRuns')::int`;
}

const BY_NAME = `project = $1 AND domain = $2 AND task_name = $3 AND name = $4`;

/**
 * The time of a change: the database clock, never earlier than the trigger's previous revision,
 * so updated_at and revision times never go backwards when transactions queue on the row lock.
 */
const CHANGE_TIME = 'GREATEST(now(), t.updated_at)';

export interface DeployValues {
  name: TriggerName;
  spec: StoredSpec;
  automationSpec: StoredAutomationSpec;
  actor: string;
}

export type DeployUpdateResult =
  | { kind: 'missing' }
  | { kind: 'updated'; trigger: TriggerEntity; recreated: boolean }
  | { kind: 'stale'; currentRevision: number; deleted: boolean };

export type BulkAction = Exclude<RevisionAction, 'DEPLOY'>;

export interface BulkOutcome {
  name: TriggerName;
  /** false: missing or deleted */
  found: boolean;
  /** set when this call changed it */
  changed: { id: string; revision: number } | null;
}

export interface ListFilters {
  project?: string;
  /** only these projects (a project-scoped API key's unfiltered list) */
  projects?: string[];
  domain?: string;
  taskName?: string;
  taskVersion?: string;
  active?: boolean;
  automationType?: 'SCHEDULE' | 'NONE' | 'EVENT';
  /** a substring of the name, case-insensitive */
  nameContains?: string;
}

export interface ListedTrigger {
  trigger: TriggerEntity;
  /** the row's sort key, as text, for the next page's cursor */
  key: string[];
}

/** $6 of applyBulk is the note (docs/policies.md "Notes"); activation restarts the run limit. */
const BULK_SET: Record<BulkAction, { where: string; set: string }> = {
  ACTIVATE: {
    where: 'NOT t.active',
    set: `active = true, spec = jsonb_set(t.spec, '{active}', 'true'),
      activated_at = ${CHANGE_TIME}, effective_at = ${CHANGE_TIME}, note = $6::text,
      remaining_runs = ${maxRunsSql('t.automation_spec')}`,
  },
  DEACTIVATE: {
    where: 't.active',
    set: `active = false, spec = jsonb_set(t.spec, '{active}', 'false'), note = $6::text`,
  },
  DELETE: {
    where: 'true',
    set: `active = false, spec = jsonb_set(t.spec, '{active}', 'false'), deleted_at = ${CHANGE_TIME},
      note = coalesce($6::text, t.note)`,
  },
};

/**
 * Keyset condition "after `params`" for keys that all share one direction: a single row
 * comparison, which the matching list index turns into the start of its scan.
 */
function afterKeySql(keys: SortKey[], firstParam: number): string {
  const cols = keys.map((k) => k.sql).join(', ');
  const vals = keys.map((k, i) => `$${firstParam + i}::${k.type}`).join(', ');
  return `(${cols}) ${keys[0].desc ? '<' : '>'} (${vals})`;
}

/** The `triggers` table: current state, written together with a revision row per change. */
/** $1–$10 of both deploy statements: name, active, type, task version, spec, automation, actor. */
function deployParams(v: DeployValues): unknown[] {
  return [
    v.name.project,
    v.name.domain,
    v.name.taskName,
    v.name.name,
    v.spec.active,
    v.automationSpec.type,
    v.spec.taskVersion,
    JSON.stringify(v.spec),
    JSON.stringify(v.automationSpec),
    v.actor,
  ];
}

@Injectable()
export class TriggersRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The trigger with this name unless it is missing or deleted. */
  async findLive(name: TriggerName): Promise<TriggerEntity | null> {
    const rows: TriggerEntity[] = await this.dataSource.query(
      `SELECT ${columns('t')} FROM triggers t WHERE ${BY_NAME} AND deleted_at IS NULL`,
      [name.project, name.domain, name.taskName, name.name],
    );
    return rows[0] ?? null;
  }

  /** The id and latest revision of a trigger that exists or ever existed (deleted included). */
  async findAnyId(
    name: TriggerName,
  ): Promise<{ id: string; latestRevision: number; deleted: boolean } | null> {
    const rows: { id: string; latestRevision: number; deleted: boolean }[] =
      await this.dataSource.query(
        `SELECT id, latest_revision AS "latestRevision", deleted_at IS NOT NULL AS deleted
         FROM triggers WHERE ${BY_NAME}`,
        [name.project, name.domain, name.taskName, name.name],
      );
    return rows[0] ?? null;
  }

  /**
   * Deploys over an existing row in one statement (row lock, conditional increment, revision
   * insert). expectedRevision 0 means any; a deleted trigger is re-created whatever the
   * expectation unless mustExist. 'missing' when no row has the name. `db`: a transaction's
   * connection (the trigger set), else the pool.
   */
  async updateForDeploy(
    v: DeployValues,
    expectedRevision: number,
    mustExist: boolean,
    db: Queryable = this.dataSource,
  ): Promise<DeployUpdateResult> {
    const rows: (TriggerEntity & {
      currentRevision: number;
      wasDeleted: boolean;
      updated: boolean;
    })[] = await db.query(
      `WITH cur AS MATERIALIZED (
         SELECT id, latest_revision, deleted_at IS NOT NULL AS was_deleted
         FROM triggers WHERE ${BY_NAME} FOR UPDATE
       ),
       upd AS (
         UPDATE triggers t SET
           latest_revision = t.latest_revision + 1,
           active = $5::boolean,
           automation_type = $6,
           task_version = $7,
           spec = $8::jsonb,
           automation_spec = $9::jsonb,
           effective_at = CASE
             WHEN t.deleted_at IS NOT NULL OR t.automation_spec <> $9::jsonb
               OR ($5::boolean AND NOT t.active) THEN ${CHANGE_TIME}
             ELSE t.effective_at END,
           activated_at = CASE
             WHEN $5::boolean AND NOT t.active THEN ${CHANGE_TIME} ELSE t.activated_at END,
           note = CASE WHEN $5::boolean IS DISTINCT FROM t.active THEN NULL ELSE t.note END,
           remaining_runs = CASE
             WHEN ${maxRunsSql('$9::jsonb')} IS NULL THEN NULL
             WHEN t.deleted_at IS NOT NULL OR t.automation_spec <> $9::jsonb
               OR ($5::boolean AND NOT t.active) OR t.remaining_runs IS NULL
               THEN ${maxRunsSql('$9::jsonb')}
             ELSE t.remaining_runs END,
           updated_at = ${CHANGE_TIME},
           deleted_at = NULL,
           updated_by = $10
         FROM cur
         WHERE t.id = cur.id
           AND (t.deleted_at IS NULL OR NOT $12::boolean)
           AND (t.deleted_at IS NOT NULL OR $11::int = 0 OR t.latest_revision = $11::int)
         RETURNING t.*
       ),
       rev AS (${insertRevisionsSql('upd', 'DEPLOY')})
       SELECT cur.latest_revision AS "currentRevision", cur.was_deleted AS "wasDeleted",
         upd.id IS NOT NULL AS updated, ${columns('upd')}
       FROM cur LEFT JOIN upd ON true`,
      [...deployParams(v), expectedRevision, mustExist],
    );
    const row = rows[0];
    if (!row) return { kind: 'missing' };
    const { currentRevision, wasDeleted, updated, ...trigger } = row;
    if (!updated) return { kind: 'stale', currentRevision, deleted: wasDeleted };
    return { kind: 'updated', trigger, recreated: wasDeleted };
  }

  /**
   * Creates the trigger at revision 1 with its revision row, in one statement; null when a row
   * with the name exists already (also one committed meanwhile by a concurrent deploy).
   */
  async insertForDeploy(
    v: DeployValues,
    db: Queryable = this.dataSource,
  ): Promise<TriggerEntity | null> {
    const rows: TriggerEntity[] = await db.query(
      `WITH ins AS (
         INSERT INTO triggers (project, domain, task_name, name, latest_revision, active,
           automation_type, task_version, spec, automation_spec, effective_at, deployed_at,
           updated_at, activated_at, deployed_by, updated_by, remaining_runs)
         VALUES ($1, $2, $3, $4, 1, $5::boolean, $6, $7, $8::jsonb, $9::jsonb, now(), now(), now(),
           CASE WHEN $5::boolean THEN now() END, $10, $10, ${maxRunsSql('$9::jsonb')})
         ON CONFLICT (project, domain, task_name, name) DO NOTHING
         RETURNING *
       ),
       rev AS (${insertRevisionsSql('ins', 'DEPLOY')})
       SELECT ${columns('ins')} FROM ins`,
      deployParams(v),
    );
    return rows[0] ?? null;
  }

  /**
   * Applies ACTIVATE, DEACTIVATE or DELETE to each named trigger that is live and not already in
   * that state, appending one revision each, in one statement (rows locked in id order).
   * Names must be distinct.
   */
  async applyBulk(
    action: BulkAction,
    names: TriggerName[],
    actor: string,
    db: Queryable = this.dataSource,
    note: string | null = null,
  ): Promise<BulkOutcome[]> {
    const { where, set } = BULK_SET[action];
    const rows: {
      project: string;
      domain: string;
      taskName: string;
      name: string;
      wasDeleted: boolean;
      changedId: string | null;
      revision: number | null;
    }[] = await db.query(
      `WITH req AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
           AS r(project, domain, task_name, name)
       ),
       cur AS MATERIALIZED (
         SELECT t.id, t.project, t.domain, t.task_name, t.name,
           t.deleted_at IS NOT NULL AS was_deleted
         FROM triggers t
         JOIN req r ON t.project = r.project AND t.domain = r.domain
           AND t.task_name = r.task_name AND t.name = r.name
         ORDER BY t.id
         FOR UPDATE OF t
       ),
       upd AS (
         UPDATE triggers t SET ${set},
           latest_revision = t.latest_revision + 1,
           updated_at = ${CHANGE_TIME},
           updated_by = $5
         FROM cur
         WHERE t.id = cur.id AND t.deleted_at IS NULL AND ${where}
         RETURNING t.*
       ),
       rev AS (${insertRevisionsSql('upd', action)})
       SELECT cur.project, cur.domain, cur.task_name AS "taskName", cur.name,
         cur.was_deleted AS "wasDeleted", upd.id AS "changedId", upd.latest_revision AS revision
       FROM cur LEFT JOIN upd ON upd.id = cur.id`,
      [
        names.map((n) => n.project),
        names.map((n) => n.domain),
        names.map((n) => n.taskName),
        names.map((n) => n.name),
        actor,
        note,
      ],
    );
    const byName = new Map(
      rows.map((r) => [`${r.project}/${r.domain}/${r.taskName}/${r.name}`, r] as const),
    );
    return names.map((name) => {
      const row = byName.get(`${name.project}/${name.domain}/${name.taskName}/${name.name}`);
      return {
        name,
        found: row !== undefined && !row.wasDeleted,
        changed:
          row?.changedId != null && row.revision != null
            ? { id: row.changedId, revision: row.revision }
            : null,
      };
    });
  }

  /**
   * Up to `limit` live triggers matching `filters`, in `order` (null: the default order),
   * strictly after the row whose key is `after` (null: from the start); each with its key for
   * the next cursor.
   */
  async list(
    filters: ListFilters,
    order: ListOrder | null,
    after: string[] | null,
    limit: number,
  ): Promise<ListedTrigger[]> {
    const keys = sortKeys(order);
    const params: unknown[] = [];
    const where = ['t.deleted_at IS NULL'];
    const eq = (column: string, value: unknown) => {
      if (value === undefined) return;
      params.push(value);
      where.push(`${column} = $${params.length}`);
    };
    eq('t.project', filters.project);
    if (filters.projects !== undefined) {
      params.push(filters.projects);
      where.push(`t.project = ANY($${params.length}::text[])`);
    }
    eq('t.domain', filters.domain);
    eq('t.task_name', filters.taskName);
    eq('t.task_version', filters.taskVersion);
    eq('t.active', filters.active);
    eq('t.automation_type', filters.automationType);
    if (filters.nameContains !== undefined) {
      params.push(`%${filters.nameContains.replace(/[\\%_]/g, '\\$&')}%`);
      where.push(`t.name ILIKE $${params.length}`);
    }
    if (after) {
      where.push(afterKeySql(keys, params.length + 1));
      params.push(...after);
    }
    params.push(limit);
    const orderBy = keys.map((k) => `${k.sql} ${k.desc ? 'DESC' : 'ASC'}`).join(', ');
    const keyColumns = keys.map((k, i) => `(${k.sql})::text AS "k${i}"`).join(', ');
    const rows: (TriggerEntity & Record<string, unknown>)[] = await this.dataSource.query(
      `SELECT ${columns('t')}, ${keyColumns} FROM triggers t
       WHERE ${where.join(' AND ')}
       ORDER BY ${orderBy} LIMIT $${params.length}`,
      params,
    );
    return rows.map((row) => {
      const key = keys.map((_, i) => row[`k${i}`] as string);
      for (let i = 0; i < keys.length; i++) delete row[`k${i}`];
      return { trigger: row, key };
    });
  }
}
