import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import request from 'supertest';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import { partitionOf } from '../../src/scheduler/partitions';
import { SchedulerService } from '../../src/scheduler/scheduler.service';
import { insertRevisionsSql } from '../../src/triggers/revisions/revision-snapshot.sql';
import { TRIGGER_CHANGED, type TriggerChangedEvent } from '../../src/triggers/trigger-events';

/**
 * Trigger rows written straight through the data source, for the runs and scheduler tests: they
 * stand in for the triggers API (same columns, same effective-time rule), append the revision row
 * of each change in the same statement (as the triggers repository does) and emit TRIGGER_CHANGED
 * after each change as the triggers service does.
 */
export interface TriggerKey {
  project: string;
  domain: string;
  taskName: string;
  name: string;
}

export interface TriggerRow extends TriggerKey {
  id: string;
}

export interface TriggerRowOptions {
  project?: string;
  domain?: string;
  taskName?: string;
  cron?: string;
  timezone?: string;
  rate?: { value: number; unit: string; startTime?: string };
  none?: boolean;
  kickoffTimeInputArg?: string;
  inputs?: Record<string, unknown>;
  runSpec?: Record<string, unknown>;
  active?: boolean;
  taskVersion?: string;
  /** default: the database's now() */
  effectiveAt?: Date;
}

export function automationSpecOf(o: TriggerRowOptions): Record<string, unknown> {
  if (o.none) return { type: 'NONE' };
  const schedule: Record<string, unknown> = o.rate
    ? { rate: o.rate }
    : { cron: { expression: o.cron ?? '0 * * * *', timezone: o.timezone ?? 'UTC' } };
  if (o.kickoffTimeInputArg) schedule.kickoffTimeInputArg = o.kickoffTimeInputArg;
  return { type: 'SCHEDULE', schedule };
}

function dataSource(app: INestApplication): DataSource {
  return app.get(DataSource);
}

function emit(app: INestApplication, row: TriggerRow, revision: number, action: string): void {
  const event: TriggerChangedEvent = {
    triggerId: row.id,
    name: { project: row.project, domain: row.domain, taskName: row.taskName, name: row.name },
    revision,
    action: action as TriggerChangedEvent['action'],
  };
  app.get(EventEmitter2).emit(TRIGGER_CHANGED, event);
}

/** The trigger's four name parts: `name`, the rest from the options or p/d/task. */
function keyOf(name: string, o: TriggerRowOptions): TriggerKey {
  return {
    project: o.project ?? 'p',
    domain: o.domain ?? 'd',
    taskName: o.taskName ?? 'task',
    name,
  };
}

/** Real-time scheduler settings for e2e tests: on, a 1 s resync, the limiter opened wide. */
export const SCHEDULER_ON = {
  TRIGGER_SCHEDULER_ENABLED: 'true',
  TRIGGER_SCHEDULER_RESYNC_INTERVAL: '1s',
  TRIGGER_SCHEDULER_EXECUTION_QPS: '1000',
  TRIGGER_SCHEDULER_EXECUTION_BURST: '1000',
};

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Inserts a trigger at revision 1 (a DEPLOY) and announces it. */
export async function insertTrigger(
  app: INestApplication,
  name: string,
  o: TriggerRowOptions = {},
): Promise<TriggerRow> {
  const key = keyOf(name, o);
  const spec = {
    taskVersion: o.taskVersion ?? 'v1',
    active: o.active ?? true,
    inputs: o.inputs ?? {},
    runSpec: o.runSpec ?? {},
    description: '',
  };
  const rows: { id: string }[] = await dataSource(app).query(
    `WITH changed AS (
       INSERT INTO triggers (project, domain, task_name, name, latest_revision, active,
         automation_type, task_version, spec, automation_spec, effective_at, deployed_at,
         updated_at, activated_at, deployed_by, updated_by)
       VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $8, $9, coalesce($10::timestamptz, now()), now(),
         now(), CASE WHEN $5 THEN now() END, 'test', 'test')
       RETURNING *
     ),
     revision AS (${insertRevisionsSql('changed', 'DEPLOY')})
     SELECT id::text AS id FROM changed`,
    [
      key.project,
      key.domain,
      key.taskName,
      key.name,
      spec.active,
      o.none ? 'NONE' : 'SCHEDULE',
      spec.taskVersion,
      JSON.stringify(spec),
      JSON.stringify(automationSpecOf(o)),
      o.effectiveAt?.toISOString() ?? null,
    ],
  );
  const row = { ...key, id: rows[0].id };
  emit(app, row, 1, 'DEPLOY');
  return row;
}

/** Activates or deactivates (a new revision; activation moves the effective time to now). */
export async function setActive(
  app: INestApplication,
  row: TriggerRow,
  active: boolean,
  options: { emit?: boolean } = {},
): Promise<number> {
  const rows: { revision: number }[] = await dataSource(app).query(
    `WITH changed AS (
       UPDATE triggers SET active = $2, latest_revision = latest_revision + 1, updated_at = now(),
         spec = jsonb_set(spec, '{active}', to_jsonb($2::boolean)),
         activated_at = CASE WHEN $2 THEN now() ELSE activated_at END,
         effective_at = CASE WHEN $2 THEN now() ELSE effective_at END
       WHERE id = $1::bigint RETURNING *
     ),
     revision AS (${insertRevisionsSql('changed', active ? 'ACTIVATE' : 'DEACTIVATE')})
     SELECT latest_revision AS revision FROM changed`,
    [row.id, active],
  );
  if (options.emit !== false) emit(app, row, rows[0].revision, active ? 'ACTIVATE' : 'DEACTIVATE');
  return rows[0].revision;
}

/** Soft-deletes (a DELETE revision). */
export async function softDelete(app: INestApplication, row: TriggerRow): Promise<void> {
  const rows: { revision: number }[] = await dataSource(app).query(
    `WITH changed AS (
       UPDATE triggers SET active = false, spec = jsonb_set(spec, '{active}', 'false'),
         deleted_at = now(), latest_revision = latest_revision + 1, updated_at = now()
       WHERE id = $1::bigint RETURNING *
     ),
     revision AS (${insertRevisionsSql('changed', 'DELETE')})
     SELECT latest_revision AS revision FROM changed`,
    [row.id],
  );
  emit(app, row, rows[0].revision, 'DELETE');
}

/**
 * A new revision that changes nothing the scheduler reads (a DEPLOY: a redeploy of the same
 * spec); a slot built from the revision before it is stale. Not announced.
 */
export async function bumpRevision(app: INestApplication, row: TriggerRow): Promise<number> {
  const rows: { revision: number }[] = await dataSource(app).query(
    `WITH changed AS (
       UPDATE triggers SET latest_revision = latest_revision + 1, updated_at = now()
       WHERE id = $1::bigint RETURNING *
     ),
     revision AS (${insertRevisionsSql('changed', 'DEPLOY')})
     SELECT latest_revision AS revision FROM changed`,
    [row.id],
  );
  return rows[0].revision;
}

/** The status columns the runs module moves. */
export async function triggerStatus(
  app: INestApplication,
  row: TriggerRow,
): Promise<{ triggeredAt: Date | null; lastScheduledAt: Date | null; effectiveAt: Date }> {
  const rows: { triggeredAt: Date | null; lastScheduledAt: Date | null; effectiveAt: Date }[] =
    await dataSource(app).query(
      `SELECT triggered_at AS "triggeredAt", last_scheduled_at AS "lastScheduledAt",
            effective_at AS "effectiveAt" FROM triggers WHERE id = $1::bigint`,
      [row.id],
    );
  return rows[0];
}

/** All runs of a trigger, oldest scheduled first, straight from the table. */
export async function runsOf(
  app: INestApplication,
  row: TriggerRow,
): Promise<
  {
    name: string;
    source: string;
    scheduledAt: Date;
    createdAt: Date;
    inputs: Record<string, unknown>;
    revision: number;
  }[]
> {
  return dataSource(app).query(
    `SELECT name, source, scheduled_at AS "scheduledAt", created_at AS "createdAt", inputs,
            trigger_revision AS revision
     FROM runs WHERE trigger_id = $1::bigint ORDER BY scheduled_at, id`,
    [row.id],
  );
}

/**
 * The slots (epoch seconds) of an every-second trigger's runs, with the gaps between them (each
 * slot that does not follow the one before) and how many slots have more than one run.
 */
export async function secondsOfRuns(
  app: INestApplication,
  row: TriggerRow,
): Promise<{ seconds: number[]; gaps: number[]; duplicates: number }> {
  const seconds = (await runsOf(app, row)).map((r) => r.scheduledAt.getTime() / 1000);
  const gaps = seconds.filter((s, i) => i > 0 && s !== seconds[i - 1] + 1);
  return { seconds, gaps, duplicates: seconds.length - new Set(seconds).size };
}

export function pathOf(row: TriggerKey): string {
  return `/triggers/${row.project}/${row.domain}/${row.taskName}/${row.name}`;
}

/** Deploys a trigger through the API (PUT /triggers/{key}); returns its row id. */
export async function deployTrigger(
  app: INestApplication,
  name: string,
  o: TriggerRowOptions = {},
): Promise<TriggerRow> {
  const key = keyOf(name, o);
  const res = await request(app.getHttpServer() as Server)
    .put(pathOf(key))
    .send({
      spec: {
        taskVersion: o.taskVersion ?? 'v1',
        active: o.active ?? true,
        inputs: o.inputs ?? {},
        runSpec: o.runSpec ?? {},
      },
      automationSpec: automationSpecOf(o),
    });
  if (res.status !== 200 && res.status !== 201) {
    throw new Error(`deploy ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  }
  const rows: { id: string }[] = await dataSource(app).query(
    `SELECT id::text AS id FROM triggers
     WHERE project = $1 AND domain = $2 AND task_name = $3 AND name = $4`,
    [key.project, key.domain, key.taskName, key.name],
  );
  return { ...key, id: rows[0].id };
}

/** Activates or deactivates triggers through the API (POST /triggers/activate|deactivate). */
export async function setActiveViaApi(
  app: INestApplication,
  rows: TriggerKey[],
  active: boolean,
): Promise<void> {
  const names = rows.map(({ project, domain, taskName, name }) => ({
    project,
    domain,
    taskName,
    name,
  }));
  const res = await request(app.getHttpServer() as Server)
    .post(`/triggers/${active ? 'activate' : 'deactivate'}`)
    .send({ names });
  if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
}

/**
 * Deploys 16 daily triggers through `from` and waits until those of `to`'s partitions are live on
 * `to` (docs/scale-out.md: a change reaches its owner at once, through LISTEN); throws after 1 s.
 */
export async function deploysReachReplica(
  from: INestApplication,
  to: INestApplication,
  prefix: string,
): Promise<TriggerRow[]> {
  const scheduler = to.get(SchedulerService);
  const deployed: TriggerRow[] = [];
  for (let i = 0; i < 16; i++) {
    deployed.push(await deployTrigger(from, `${prefix}-${i}`, { cron: '0 0 * * *' }));
  }
  const owned = deployed.filter((u) => scheduler.partitions.includes(partitionOf(u.id)));
  if (owned.length === 0) throw new Error('none of the 16 triggers is in the partitions of `to`');
  const deadline = Date.now() + 1000;
  while (!owned.every((u) => scheduler.state!.revisionOf(u.id) === 1)) {
    if (Date.now() > deadline) throw new Error('not live on the other instance within 1 s');
    await sleep(20);
  }
  return deployed;
}
