/** What the scheduler benchmarks share: the database, the apps, the trigger mix and its rows. */
import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type EmbeddedDatabase, openEmbeddedDatabase } from '../src/database/embedded';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module';
import { configureApp } from '../src/app.setup';
import { loadConfig } from '../src/config/load-config';
import { MetricsService } from '../src/metrics/metrics.service';
import { SchedulerService } from '../src/scheduler/scheduler.service';
import { createScratchDatabase } from '../test/support/scratch-database';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) {
    g();
    g();
  }
}

export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`;
}

export { percentile } from './percentile';

export function line(label: string, value: string, target = ''): void {
  process.stdout.write(
    `  ${label.padEnd(52)} ${value.padStart(12)}${target ? `   (target ${target})` : ''}\n`,
  );
}

// ---- database and apps --------------------------------------------------------------------

export interface Target {
  kind: 'embedded' | 'postgres';
  url: string | null;
  /** the embedded database, owned (and closed) by the app */
  embedded: EmbeddedDatabase | null;
  drop(): Promise<void>;
}

export async function openTarget(): Promise<Target> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    // the database `npm start` opens: a fresh DATA_DIR (removed afterwards)
    const dataDir = mkdtempSync(join(tmpdir(), 'sundial-bench-'));
    const embedded = await openEmbeddedDatabase(dataDir);
    const drop = async () => rmSync(dataDir, { recursive: true, force: true });
    return { kind: 'embedded', url: null, embedded, drop };
  }
  const scratch = await createScratchDatabase(serverUrl, 'sundial_bench');
  return { kind: 'postgres', url: scratch.url, embedded: null, drop: scratch.drop };
}

export async function startApp(
  target: Target,
  env: Record<string, string> = {},
): Promise<INestApplication> {
  const config = loadConfig({
    env: {
      TRIGGER_SCHEDULER_ENABLED: 'true',
      // passes run when the benchmark asks for them
      TRIGGER_SCHEDULER_RESYNC_INTERVAL: '1h',
      // the limiter opened wide
      TRIGGER_SCHEDULER_EXECUTION_QPS: '1000000',
      TRIGGER_SCHEDULER_EXECUTION_BURST: '1000000',
      TRIGGER_SCHEDULER_MAX_CATCHUP_RUNS_PER_LOOP: '100000',
      HTTP_RATE_LIMIT: '0',
      // a setup's bulk insert of millions of rows outlasts the default 60 s
      DATABASE_STATEMENT_TIMEOUT: '1h',
      LOG_LEVEL: 'error',
      ...(target.url ? { DATABASE_URL: target.url } : {}),
      ...env,
    },
    cwd: null,
  });
  const app = await NestFactory.create(
    AppModule.register({ config, embedded: target.embedded ?? undefined }),
    { bodyParser: false, logger: ['fatal', 'error'] },
  );
  configureApp(app);
  await app.listen(0, '127.0.0.1');
  return app;
}

export function baseUrl(app: INestApplication): string {
  const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

export function scheduler(app: INestApplication): SchedulerService {
  return app.get(SchedulerService);
}

// ---- trigger rows ---------------------------------------------------------------------------

const COMMON = [
  '0 * * * *',
  '*/5 * * * *',
  '*/15 * * * *',
  '0 */2 * * *',
  '0 9 * * 1-5',
  '30 2 * * *',
  '0 0 * * *',
  '@hourly',
  '@daily',
  '0 12 * * *',
  '0 6 * * 1',
  '0 0 1 * *',
  '15 3 * * 0',
  '45 23 * * *',
  '0 8,12,16 * * *',
  '*/30 * * * *',
  '0 18 * * 1-5',
  '10 * * * *',
  '0 4 * * 6',
  '@weekly',
];
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'Australia/Sydney'];

export interface Row {
  name: string;
  spec: Record<string, unknown>;
  /** automationSpec.policies, when any */
  policies?: Record<string, unknown>;
  /** seconds before now() of the effective time */
  ageS: number;
}

/** The mix: slots of the next minutes only rarely, so registering is measured on its own. */
export function mixRow(i: number): Row {
  const r = i % 100;
  if (r < 60) {
    const expression = COMMON[i % COMMON.length];
    const timezone = ZONES[(i >> 5) % 2 === 0 ? 0 : (i >> 5) % ZONES.length];
    return { name: `common-${i}`, spec: { cron: { expression, timezone } }, ageS: 0 };
  }
  if (r < 85) {
    const minute = (i * 7) % 60;
    const hour = (i * 13) % 24;
    const timezone = ZONES[i % ZONES.length];
    return {
      name: `daily-${i}`,
      spec: {
        cron: { expression: `${minute} ${hour} * * *`, timezone },
        kickoffTimeInputArg: 'at',
      },
      ageS: 0,
    };
  }
  if (r < 95) {
    const units = ['MINUTE', 'HOUR', 'DAY'] as const;
    const unit = units[i % 3];
    const value = unit === 'MINUTE' ? 10 + (i % 50) : 1 + (i % 12);
    return { name: `rate-${i}`, spec: { rate: { value, unit } }, ageS: i % 300 };
  }
  return {
    name: `every-${i}`,
    spec: { cron: { expression: `@every ${15 + (i % 90)}m` } },
    ageS: i % 300,
  };
}

/** Inserts triggers with one statement per 10,000 rows. Returns their ids. */
export async function insertTriggers(
  ds: DataSource,
  rows: Row[],
  project: string,
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < rows.length; i += 10_000) {
    const chunk = rows.slice(i, i + 10_000);
    const result: { id: string }[] = await ds.query(
      `INSERT INTO triggers (project, domain, task_name, name, latest_revision, active,
         automation_type, task_version, spec, automation_spec, effective_at, deployed_at,
         updated_at, activated_at, deployed_by, updated_by)
       SELECT $1, 'bench', 'task', r.name, 1, true, 'SCHEDULE', 'v1',
         '{"taskVersion":"v1","active":true,"inputs":{"region":"eu"},"runSpec":{}}'::jsonb,
         jsonb_build_object('type', 'SCHEDULE', 'schedule', r.schedule::jsonb)
           || CASE WHEN r.policies IS NULL THEN '{}'::jsonb
                   ELSE jsonb_build_object('policies', r.policies::jsonb) END,
         now() - make_interval(secs => r.age), now(), now(), now(), 'bench', 'bench'
       FROM unnest($2::text[], $3::text[], $4::int[], $5::text[]) AS r(name, schedule, age, policies)
       RETURNING id::text AS id`,
      [
        project,
        chunk.map((r) => r.name),
        chunk.map((r) => JSON.stringify(r.spec)),
        chunk.map((r) => r.ageS),
        chunk.map((r) => (r.policies ? JSON.stringify(r.policies) : null)),
      ],
    );
    ids.push(...result.map((r) => r.id));
  }
  return ids;
}

/** The app's count of SCHEDULE runs created (its metric: read without touching the database). */
export async function scheduledRunsCreated(app: INestApplication): Promise<number> {
  const counter = app.get(MetricsService).registry.getSingleMetric('sundial_runs_created_total');
  const values = counter ? (await counter.get()).values : [];
  return values.find((v) => v.labels.source === 'SCHEDULE')?.value ?? 0;
}

/**
 * Waits (up to 10 s) until the app has created `count` more SCHEDULE runs than `before`. Reads
 * the metric, not the runs: on the embedded database a count of the runs would share the one
 * connection with the fire and the requests being measured.
 */
export async function waitForCreated(
  app: INestApplication,
  before: number,
  count: number,
): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await scheduledRunsCreated(app)) >= before + count) return;
    await sleep(50);
  }
}

/** Waits (up to 10 s) until the triggers of `project` have `count` runs. */
export async function waitForRuns(ds: DataSource, project: string, count: number): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const [{ n }]: { n: number }[] = await ds.query(
      `SELECT count(*)::int AS n FROM runs r JOIN triggers t ON t.id = r.trigger_id
       WHERE t.project = $1`,
      [project],
    );
    if (n >= count) return;
    await sleep(200);
  }
}

export async function deactivateProject(ds: DataSource, project: string): Promise<void> {
  await ds.query(
    // locks in id order, as fires do: a bulk update in another order deadlocks with a fire
    `UPDATE triggers SET active = false, latest_revision = latest_revision + 1
     WHERE id IN (SELECT id FROM triggers WHERE project = $1 AND active ORDER BY id FOR UPDATE)`,
    [project],
  );
  // Autovacuum would refresh the statistics after so many updates within a minute; do it now, so
  // the next measurement is not planned on "100,000 triggers are active".
  await ds.query('ANALYZE triggers');
}
