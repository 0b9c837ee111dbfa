/**
 * Delivery benchmark: `npm run bench:delivery` (embedded database, in memory), or with
 * `DATABASE_URL=postgres://…/db npm run bench:delivery` (a scratch database on that server,
 * dropped afterwards). Prints figures; asserts nothing.
 *
 * 1. End-to-end lateness (worker receives the run − scheduledAt): 1,000 triggers due in the same
 *    second, 4 workers long-polling `POST /queues/default/lease` over HTTP (max 100, wait 10s);
 *    they complete what they got once everything is received (completions are measured in 2).
 *    Also from the database: run created − scheduledAt, first lease − scheduledAt; and when the
 *    fire's statements returned (their runs committed).
 * 2. Lease + complete throughput over HTTP: 4 workers, batches of 100, completed with one
 *    `POST /runs/complete` per batch, then with one `POST /runs/{id}/complete` per run.
 * 3. Lease latency (in-process LeaseService, max 1) with BENCH_HISTORY (1,000,000) runs in other
 *    queues and states, bulk-inserted with generate_series.
 * BENCH_DELIVERY_FLOOR=1 runs only the bare SQL under 1 (floor()).
 *
 * `npm run bench:delivery -- --webhooks` is the webhook mode: webhook.bench.ts (`bench:webhooks`).
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MetricsService } from '../src/metrics/metrics.service';
import { LeaseService } from '../src/runs/lease/lease.service';
import { RunLifecycleService } from '../src/runs/lifecycle/run-lifecycle.service';
import { SchedulerService } from '../src/scheduler/scheduler.service';
import { baseUrl, line, openTarget, percentile, sleep, startApp } from './scheduler-support';

const TRIGGERS = Number(process.env.BENCH_TRIGGERS ?? 1_000);
const THROUGHPUT_RUNS = Number(process.env.BENCH_THROUGHPUT_RUNS ?? 10_000);
const HISTORY = Number(process.env.BENCH_HISTORY ?? 1_000_000);
const WORKERS = 4;

interface Lease {
  run: { id: string; scheduledAt: string };
  leaseToken: string;
}

async function post<T>(base: string, path: string, body: unknown): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function insertTriggers(ds: DataSource, count: number, expression: string): Promise<void> {
  await ds.query(
    `INSERT INTO triggers (project, domain, task_name, name, latest_revision, active,
       automation_type, task_version, spec, automation_spec, effective_at, deployed_at,
       updated_at, activated_at, deployed_by, updated_by)
     SELECT 'late', 'bench', 'task', 't' || g, 1, true, 'SCHEDULE', 'v1',
       '{"taskVersion":"v1","active":true,"inputs":{},"runSpec":{}}'::jsonb,
       jsonb_build_object('type', 'SCHEDULE', 'schedule',
                          jsonb_build_object('cron', jsonb_build_object('expression', $1::text))),
       now(), now(), now(), now(), 'bench', 'bench'
     FROM generate_series(1, $2::int) g`,
    [expression, count],
  );
}

async function lateness(app: INestApplication, base: string, ds: DataSource): Promise<void> {
  const slot = new Date(Math.floor(Date.now() / 1000) * 1000 + 4000);
  const expression = `${slot.getUTCSeconds()} ${slot.getUTCMinutes()} ${slot.getUTCHours()} * * *`;
  await insertTriggers(ds, TRIGGERS, expression);
  await app.get(SchedulerService).resyncNow();
  // When the fire's statements returned (their runs committed, visible to leases): created_at
  // below is the insert's clock inside the statement, earlier than the commit.
  const committed: number[] = [];
  const metrics = app.get(MetricsService);
  const runsCreated = metrics.runsCreated.bind(metrics);
  metrics.runsCreated = (source, n) => {
    if (source === 'SCHEDULE') committed.push(Date.now() - slot.getTime());
    runsCreated(source, n);
  };
  const received: number[] = [];
  const got: Lease[] = [];
  const deadline = slot.getTime() + 15_000;
  const worker = async (n: number): Promise<void> => {
    while (received.length < TRIGGERS && Date.now() < deadline) {
      const { leases } = await post<{ leases: Lease[] }>(base, '/queues/default/lease', {
        workerId: `w${n}`,
        max: 100,
        wait: '10s',
      });
      const now = Date.now();
      for (const l of leases) {
        received.push(now - Date.parse(l.run.scheduledAt));
        got.push(l);
      }
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, (_, i) => worker(i)));
  const db = await ds.query<{ created: number; leased: number }[]>(
    `SELECT extract(epoch FROM r.created_at - r.scheduled_at) * 1000 AS created,
            extract(epoch FROM r.started_at - r.scheduled_at) * 1000 AS leased
     FROM runs r WHERE r.project = 'late'`,
  );
  for (let i = 0; i < got.length; i += 50) {
    await Promise.all(
      got
        .slice(i, i + 50)
        .map((l) => post(base, `/runs/${l.run.id}/complete`, { leaseToken: l.leaseToken })),
    );
  }
  const created = db.map((r) => Number(r.created)).sort((a, b) => a - b);
  const leased = db.map((r) => Number(r.leased)).sort((a, b) => a - b);
  const ms = received.sort((a, b) => a - b);
  process.stdout.write(
    `\n${TRIGGERS.toLocaleString('en')} triggers due in the same second, ${WORKERS} long-polling workers\n`,
  );
  line('runs received', `${ms.length.toLocaleString('en')}`);
  line('lateness p50 (received − scheduledAt)', `${percentile(ms, 50).toFixed(1)} ms`, '≤ 30 ms');
  line('lateness p99', `${percentile(ms, 99).toFixed(1)} ms`, '≤ 150 ms');
  line('lateness max', `${ms[ms.length - 1].toFixed(1)} ms`);
  line(
    '  run created − scheduledAt p50 / p99',
    `${percentile(created, 50).toFixed(0)} / ${percentile(created, 99).toFixed(0)} ms`,
  );
  line(
    '  fire statements returned − scheduledAt (first / last)',
    `${committed[0]?.toFixed(0)} / ${committed[committed.length - 1]?.toFixed(0)} ms`,
  );
  metrics.runsCreated = runsCreated;
  line(
    '  first lease − scheduledAt p50 / p99',
    `${percentile(leased, 50).toFixed(0)} / ${percentile(leased, 99).toFixed(0)} ms`,
  );
  await ds.query(`UPDATE triggers SET active = false WHERE project = 'late'`);
  await app.get(SchedulerService).resyncNow();
}

/**
 * Inserts `count` runs into `queue` in `state`, via generate_series, as runs of the queue's NONE
 * trigger (queueTrigger; pass `triggerId` when it is known).
 */
async function insertRuns(
  ds: DataSource,
  queue: string,
  count: number,
  state: string,
  triggerId?: string,
) {
  const id = triggerId ?? (await queueTrigger(ds, queue));
  for (let done = 0; done < count; done += 100_000) {
    const n = Math.min(100_000, count - done);
    await ds.query(
      `INSERT INTO runs (trigger_id, trigger_revision, name, source, scheduled_at, task_version,
                         project, queue, state, not_before, finished_at)
       SELECT $1::bigint, 1, 'm' || ($2::int + g), 'MANUAL',
              now() - interval '1 hour' + g * interval '1 millisecond', 'v1', 'bench', $3, $4::text,
              now() - interval '1 hour' + g * interval '1 millisecond',
              CASE WHEN $4::text IN ('SUCCEEDED', 'FAILED') THEN now() END
       FROM generate_series(1, $5::int) g`,
      [id, done, queue, state, n],
    );
  }
}

/** The NONE trigger that owns a queue's benchmark runs (`runs-<queue>`, made once): its id. */
async function queueTrigger(ds: DataSource, queue: string): Promise<string> {
  const [{ id }] = await ds.query<{ id: string }[]>(
    `INSERT INTO triggers (project, domain, task_name, name, latest_revision, active,
       automation_type, task_version, spec, automation_spec, effective_at, deployed_at,
       updated_at, deployed_by, updated_by)
     VALUES ('bench', 'bench', 'task', $1, 1, true, 'NONE', 'v1', '{}', '{"type":"NONE"}',
       now(), now(), now(), 'bench', 'bench')
     ON CONFLICT (project, domain, task_name, name) DO UPDATE SET updated_at = now()
     RETURNING id::text AS id`,
    [`runs-${queue}`],
  );
  return id;
}

/** The same loop in-process (LeaseService + RunLifecycleService): the database's share alone. */
async function throughputInProcess(app: INestApplication, ds: DataSource): Promise<void> {
  await insertRuns(ds, 'tpi', THROUGHPUT_RUNS, 'PENDING');
  await ds.query('ANALYZE runs');
  const leases = app.get(LeaseService);
  const lifecycle = app.get(RunLifecycleService);
  let done = 0;
  const t = performance.now();
  const worker = async (n: number): Promise<void> => {
    for (;;) {
      const granted = await leases.lease({
        queue: 'tpi',
        workerId: `tpi${n}`,
        max: 100,
        leaseMs: 60_000,
        waitMs: 0,
        projects: null,
      });
      if (granted.length === 0) return;
      await Promise.all(granted.map((g) => lifecycle.complete(g.run.publicId, g.leaseToken, null)));
      done += granted.length;
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, (_, i) => worker(i)));
  const s = (performance.now() - t) / 1000;
  process.stdout.write(`
lease + complete in-process, ${WORKERS} workers, batches of 100
`);
  line('runs completed', done.toLocaleString('en'));
  line('throughput', `${Math.round(done / s).toLocaleString('en')} runs/s`, '≥ 3,000 runs/s');
}

/** Lease + complete over HTTP: each run completed on its own, or the batch in one request. */
async function throughput(base: string, ds: DataSource, batch: boolean): Promise<void> {
  const queue = batch ? 'tpb' : 'tp';
  await insertRuns(ds, queue, THROUGHPUT_RUNS, 'PENDING');
  await ds.query('ANALYZE runs');
  let done = 0;
  const t = performance.now();
  const worker = async (n: number): Promise<void> => {
    for (;;) {
      const { leases } = await post<{ leases: Lease[] }>(base, `/queues/${queue}/lease`, {
        workerId: `${queue}${n}`,
        max: 100,
      });
      if (leases.length === 0) return;
      if (batch) {
        const runs = leases.map((l) => ({ id: l.run.id, leaseToken: l.leaseToken }));
        const answer = await post<{ runs: { status: number }[] }>(base, '/runs/complete', { runs });
        if (answer.runs.some((r) => r.status !== 200)) throw new Error('a completion failed');
      } else {
        await Promise.all(
          leases.map((l) => post(base, `/runs/${l.run.id}/complete`, { leaseToken: l.leaseToken })),
        );
      }
      done += leases.length;
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, (_, i) => worker(i)));
  const s = (performance.now() - t) / 1000;
  const how = batch ? 'POST /runs/complete per batch' : 'one POST /runs/{id}/complete per run';
  process.stdout.write(
    `\nlease + complete over HTTP, ${WORKERS} workers, batches of 100, ${how}\n`,
  );
  line('runs completed', done.toLocaleString('en'));
  line('throughput', `${Math.round(done / s).toLocaleString('en')} runs/s`, '≥ 3,000 runs/s');
}

async function latencyAtScale(app: INestApplication, ds: DataSource): Promise<void> {
  const t = performance.now();
  await insertRuns(ds, 'default', Math.round(HISTORY * 0.9), 'SUCCEEDED');
  await insertRuns(ds, 'other', Math.round(HISTORY * 0.1), 'PENDING');
  await insertRuns(ds, 'probe', 2_000, 'PENDING');
  await ds.query('ANALYZE runs');
  process.stdout.write(
    `\nlease latency with ${HISTORY.toLocaleString('en')} runs in other queues and states` +
      ` (inserted in ${((performance.now() - t) / 1000).toFixed(1)} s)\n`,
  );
  const leases = app.get(LeaseService);
  const lifecycle = app.get(RunLifecycleService);
  const lat: number[] = [];
  for (let i = 0; i < 1_000; i++) {
    const s = performance.now();
    const [g] = await leases.lease({
      queue: 'probe',
      workerId: 'probe',
      max: 1,
      leaseMs: 60_000,
      waitMs: 0,
      projects: null,
    });
    lat.push(performance.now() - s);
    if (g) await lifecycle.complete(g.run.publicId, g.leaseToken, null);
  }
  lat.sort((a, b) => a - b);
  line('lease (max 1) p50', `${percentile(lat, 50).toFixed(2)} ms`);
  line('lease (max 1) p99', `${percentile(lat, 99).toFixed(2)} ms`, '≤ 20 ms');
  const q = performance.now();
  await leases.queues(null);
  line(
    'GET /queues statement (100k pending elsewhere)',
    `${(performance.now() - q).toFixed(1)} ms`,
  );
}

/**
 * BENCH_DELIVERY_FLOOR=1: the bare SQL under the lateness (docs/delivery.md "How soon a worker
 * gets a run"): N runs inserted by one INSERT … SELECT, then 4 concurrent plain SKIP LOCKED
 * updates of 100 rows, without Sundial's checks, tokens, attempts or HTTP.
 */
async function floor(ds: DataSource): Promise<void> {
  process.stdout.write(
    '\nbare SQL: insert N runs (one statement), then 4 concurrent leases of 100\n',
  );
  for (let round = 0; round < 8; round++) {
    for (const n of [250, 500, 1000]) {
      const queue = `floor-${round}-${n}`;
      const id = await queueTrigger(ds, queue);
      const t = performance.now();
      await insertRuns(ds, queue, n, 'PENDING', id);
      const inserted = performance.now() - t;
      const l = performance.now();
      await Promise.all(
        Array.from({ length: WORKERS }, () =>
          ds.query(
            `WITH picked AS (
               SELECT id FROM runs WHERE queue = $1 AND state = 'PENDING'
               ORDER BY not_before LIMIT 100 FOR UPDATE SKIP LOCKED
             )
             UPDATE runs r SET state = 'RUNNING', attempt = r.attempt + 1,
               lease_token_hash = md5(r.id::text), lease_expires_at = now() + interval '1 minute',
               started_at = now()
             FROM picked p WHERE r.id = p.id RETURNING r.id`,
            [queue],
          ),
        ),
      );
      const leased = performance.now() - l;
      if (round >= 3) {
        line(
          `  ${n} runs: insert / one lease round`,
          `${inserted.toFixed(1)} / ${leased.toFixed(1)} ms`,
        );
      }
    }
  }
}

async function main(): Promise<void> {
  const target = await openTarget();
  process.stdout.write(
    `delivery benchmark on ${target.kind === 'embedded' ? 'the embedded database (PGlite, in memory)' : 'PostgreSQL'}` +
      ` — Node ${process.version}\n`,
  );
  const app = await startApp(target);
  const base = baseUrl(app);
  const ds = app.get(DataSource);
  try {
    if (process.env.BENCH_DELIVERY_FLOOR === '1') {
      await floor(ds);
      return;
    }
    await lateness(app, base, ds);
    await throughput(base, ds, true);
    await throughput(base, ds, false);
    await throughputInProcess(app, ds);
    await latencyAtScale(app, ds);
  } finally {
    await app.close();
    await target.drop();
  }
  await sleep(0);
}

if (process.argv.includes('--webhooks')) {
  // the webhook mode: the same benchmark as `npm run bench:webhooks` (webhook.bench.ts)
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('./webhook.bench');
} else {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
}
