/**
 * Scheduler benchmark: `npm run bench:scheduler` (embedded database, in memory), or with
 * `DATABASE_URL=postgres://…/db npm run bench:scheduler` (a scratch database is created on that
 * server and dropped afterwards). Prints figures; asserts nothing.
 *
 * 1. 100,000 active triggers (a realistic mix: 60% share 40 common expressions in a few zones, 25%
 *    near-unique daily times, 10% rates, 5% @every; bulk-inserted with one statement per 10,000):
 *    time to load and register (the first reconciliation pass), RSS and heap added, and the
 *    duration of unchanged passes.
 * 2. Fire lateness (run createdAt − scheduledAt) with 1,000 and 10,000 triggers due in the same
 *    second, the limiter opened wide.
 * 3. Sustained runs created per second: N every-second triggers for a few seconds.
 * 4. Change → live in the registry: same instance, and (PostgreSQL) another instance (the owner
 *    of the trigger's partition).
 * 5. Overlap policy SKIP (docs/policies.md): 1,000 and 10,000 every-second triggers whose runs
 *    stay active (no worker), so after the first slot every slot is a SKIPPED run decided in
 *    the fire statement: fire lateness of those skips over a few seconds.
 *    `BENCH_ONLY=skip` runs this scenario alone (`BENCH_ONLY=fire`: only 2; `register`: only 1).
 *
 * The embedded database is the one `npm start` opens: a fresh DATA_DIR (a temporary directory,
 * removed afterwards). The app listens on an ephemeral port: during the fires a probe in a worker
 * thread asks `GET /health/live` and `GET /triggers/{key}` every 10 ms (bench/probe.ts).
 * BENCH_INSTANCES=2|4 and BENCH_RETENTION=1: the scale-out and retention modes (scheduler-multi.ts).
 */
import 'reflect-metadata';
import { performance } from 'node:perf_hooks';
import type { INestApplication } from '@nestjs/common';
import type { Server } from 'node:http';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { partitionOf } from '../src/scheduler/partitions';
import { SchedulerService } from '../src/scheduler/scheduler.service';
import { balanced, multiInstance, retention } from './scheduler-multi';
import { startProbe } from './probe';
import {
  baseUrl,
  deactivateProject,
  gc,
  insertTriggers,
  line,
  mb,
  mixRow,
  openTarget,
  percentile,
  scheduler,
  sleep,
  startApp,
  scheduledRunsCreated,
  waitForCreated,
  waitForRuns,
} from './scheduler-support';

const TOTAL = Number(process.env.BENCH_TRIGGERS ?? 100_000);
const SUSTAINED_TRIGGERS = Number(process.env.BENCH_SUSTAINED ?? 3_000);
const SUSTAINED_SECONDS = Number(process.env.BENCH_SUSTAINED_SECONDS ?? 8);
const SKIP_SECONDS = Number(process.env.BENCH_SKIP_SECONDS ?? 5);

// ---- scenarios ------------------------------------------------------------------------------

async function registration(app: INestApplication, ds: DataSource): Promise<void> {
  process.stdout.write(`\n${TOTAL.toLocaleString('en')} active triggers\n`);
  const rows = Array.from({ length: TOTAL }, (_, i) => mixRow(i));
  let t = performance.now();
  await insertTriggers(ds, rows, 'mix');
  line('bulk insert', `${((performance.now() - t) / 1000).toFixed(1)} s`);
  const svc = scheduler(app);
  gc();
  const before = process.memoryUsage();
  t = performance.now();
  const first = await svc.resyncNow();
  const registerMs = performance.now() - t;
  gc();
  const after = process.memoryUsage();
  // the pass itself; then, in the same call, the catch-up of the slots that came due meanwhile
  // (how many depends on the minute boundaries the pass crosses: work of firing, not registering)
  const passMs = first?.durationMs ?? registerMs;
  line('load and register (first pass)', `${(passMs / 1000).toFixed(2)} s`, '≤ 5 s');
  if (first) {
    line(
      '  of which: list / read details / core',
      `${first.listMs.toFixed(0)} / ${first.detailMs.toFixed(0)} / ${first.applyMs.toFixed(0)} ms`,
    );
    line(
      '  then catch-up: runs created / time',
      `${first.catchUpCreated.toLocaleString('en')} / ${((registerMs - passMs) / 1000).toFixed(2)} s`,
    );
  }
  line(
    'registered jobs / shared timer groups',
    `${first?.jobs.toLocaleString('en')} / ${first?.groups.toLocaleString('en')}`,
  );
  line('RSS added', mb(after.rss - before.rss), '≤ +300 MB');
  line('JS heap added', mb(after.heapUsed - before.heapUsed));
  const idle: number[] = [];
  let lastIdle = first;
  for (let i = 0; i < 7; i++) {
    const stats = await svc.resyncNow();
    if (stats) idle.push(stats.durationMs);
    lastIdle = stats ?? lastIdle;
  }
  idle.sort((a, b) => a - b);
  line('unchanged resync pass (median of 7)', `${percentile(idle, 50).toFixed(0)} ms`, '≤ 250 ms');
  line('unchanged resync pass (max of 7)', `${idle[idle.length - 1].toFixed(0)} ms`);
  if (lastIdle) {
    line(
      '  of which: list / core',
      `${lastIdle.listMs.toFixed(0)} / ${lastIdle.applyMs.toFixed(0)} ms`,
    );
  }
  await deactivateProject(ds, 'mix');
  await svc.resyncNow();
}

async function lateness(app: INestApplication, ds: DataSource, count: number): Promise<void> {
  const svc = scheduler(app);
  // one 6-field expression firing once a day, at a second ~3 s from now
  const slot = new Date(Math.floor(Date.now() / 1000) * 1000 + 3000);
  const expression = `${slot.getUTCSeconds()} ${slot.getUTCMinutes()} ${slot.getUTCHours()} * * *`;
  const project = `late-${count}`;
  const rows = Array.from({ length: count }, (_, i) => ({
    name: `t${i}`,
    spec: { cron: { expression }, kickoffTimeInputArg: 'at' },
    ageS: 0,
  }));
  await insertTriggers(ds, rows, project);
  await svc.resyncNow();
  const before = await scheduledRunsCreated(app);
  await sleep(Math.max(0, slot.getTime() - Date.now() - 1000));
  const probe = startProbe(baseUrl(app), ['/health/live', `/triggers/${project}/bench/task/t0`]);
  await sleep(Math.max(0, slot.getTime() - Date.now()) + 1500);
  await waitForCreated(app, before, count);
  const probed = await probe.stop();
  // the metric counts every trigger's runs: this project's are confirmed once the probe is done
  await waitForRuns(ds, project, count);
  const late: { ms: number }[] = await ds.query(
    `SELECT extract(epoch FROM r.created_at - r.scheduled_at) * 1000 AS ms
     FROM runs r JOIN triggers t ON t.id = r.trigger_id WHERE t.project = $1`,
    [project],
  );
  const ms = late.map((r) => Number(r.ms)).sort((a, b) => a - b);
  const targets = count <= 1000 ? ['≤ 20 ms', '≤ 100 ms'] : ['', '≤ 250 ms'];
  process.stdout.write(`\n${count.toLocaleString('en')} triggers due in the same second\n`);
  line('runs created', `${ms.length.toLocaleString('en')}`);
  line('fire lateness p50', `${percentile(ms, 50).toFixed(1)} ms`, targets[0]);
  line('fire lateness p99', `${percentile(ms, 99).toFixed(1)} ms`, targets[1]);
  line('fire lateness max', `${ms[ms.length - 1].toFixed(1)} ms`);
  process.stdout.write(
    '  from 1 s before the slot until every run is written (probe every 10 ms):\n',
  );
  line(
    'event-loop delay p99 / max',
    `${probed.loopDelayP99.toFixed(0)} / ${probed.loopDelayMax.toFixed(0)} ms`,
  );
  for (const p of probed.paths) {
    const label = p.path.startsWith('/health') ? 'GET /health/live' : 'GET /triggers/{key}';
    line(
      `${label} p99 / max (${p.count} answered)`,
      `${p.p99.toFixed(0)} / ${p.max.toFixed(0)} ms`,
      '≤ 50 ms',
    );
    if (p.errors > 0) line(`${label} failed`, String(p.errors));
  }
  if (probed.lateSends > 0)
    line('probe requests sent late (CPU starved)', String(probed.lateSends));
  await deactivateProject(ds, project);
  await svc.resyncNow();
}

async function sustained(app: INestApplication, ds: DataSource, kind: string): Promise<void> {
  const svc = scheduler(app);
  const project = 'sustained';
  const rows = Array.from({ length: SUSTAINED_TRIGGERS }, (_, i) => ({
    name: `s${i}`,
    spec: { cron: { expression: '* * * * * *' } },
    ageS: 0,
  }));
  await insertTriggers(ds, rows, project);
  await svc.resyncNow();
  const from = new Date(Math.ceil(Date.now() / 1000) * 1000 + 1000);
  const to = new Date(from.getTime() + SUSTAINED_SECONDS * 1000);
  await sleep(to.getTime() - Date.now() + 1500);
  await deactivateProject(ds, project);
  await svc.resyncNow();
  const [stats]: { n: number; span: number; p99: number }[] = await ds.query(
    `SELECT count(*)::int AS n,
       extract(epoch FROM max(r.created_at) - min(r.created_at)) AS span,
       percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM r.created_at - r.scheduled_at) * 1000) AS p99
     FROM runs r JOIN triggers t ON t.id = r.trigger_id
     WHERE t.project = $1 AND r.scheduled_at >= $2 AND r.scheduled_at < $3`,
    [project, from.toISOString(), to.toISOString()],
  );
  const expected = SUSTAINED_TRIGGERS * SUSTAINED_SECONDS;
  process.stdout.write(
    `\nsustained: ${SUSTAINED_TRIGGERS.toLocaleString('en')} every-second triggers for ${SUSTAINED_SECONDS} s\n`,
  );
  line(
    'runs created / slots',
    `${stats.n.toLocaleString('en')} / ${expected.toLocaleString('en')}`,
  );
  line(
    'runs created per second',
    `${Math.round(stats.n / SUSTAINED_SECONDS).toLocaleString('en')}/s`,
    kind === 'postgres' ? '≥ 2,000/s' : '',
  );
  line('fire lateness p99 under that load', `${Number(stats.p99).toFixed(1)} ms`);
  // how fast can it go? a backlog drained by catch-up with the cap and the limiter wide open
  const backlogTriggers = 200;
  const backlogSeconds = 60;
  const drainRows = Array.from({ length: backlogTriggers }, (_, i) => ({
    name: `b${i}`,
    spec: { cron: { expression: '* * * * * *' } },
    ageS: backlogSeconds,
  }));
  await insertTriggers(ds, drainRows, 'drain');
  const t = performance.now();
  await svc.resyncNow();
  const drainMs = performance.now() - t;
  const [{ n }]: { n: number }[] = await ds.query(
    `SELECT count(*)::int AS n FROM runs r JOIN triggers t ON t.id = r.trigger_id WHERE t.project = 'drain'`,
  );
  line(
    `catch-up of a ${backlogSeconds} s backlog of ${backlogTriggers} triggers`,
    `${Math.round(n / (drainMs / 1000)).toLocaleString('en')}/s`,
  );
  await deactivateProject(ds, 'drain');
  await svc.resyncNow();
}

async function propagation(
  app: INestApplication,
  other: INestApplication | null,
  ds: DataSource,
): Promise<void> {
  const local: number[] = [];
  const remote: number[] = [];
  const http = request(app.getHttpServer() as Server);
  for (let i = 0; i < 30; i++) {
    const name = `live-${i}`;
    const body = {
      spec: { taskVersion: 'v1' },
      automationSpec: {
        type: 'SCHEDULE',
        schedule: { cron: { expression: `${i % 60} 3 * * *`, timezone: 'UTC' } },
      },
    };
    const t0 = performance.now();
    const res = await http.put(`/triggers/prop/d/task/${name}`).send(body);
    if (res.status !== 201) throw new Error(`deploy: ${res.status} ${JSON.stringify(res.body)}`);
    const [{ id }]: { id: string }[] = await ds.query(
      `SELECT id::text AS id FROM triggers WHERE project = 'prop' AND name = $1`,
      [name],
    );
    const waitLive = async (svc: SchedulerService, into: number[]): Promise<void> => {
      for (;;) {
        if (svc.state?.revisionOf(id) === 1) break;
        if (performance.now() - t0 > 5000) throw new Error('not live within 5 s');
        await new Promise((r) => setImmediate(r));
      }
      into.push(performance.now() - t0);
    };
    // with two instances, the job lives on its partition's owner only (docs/scale-out.md)
    const onOther = other !== null && scheduler(other).partitions.includes(partitionOf(id));
    await waitLive(scheduler(onOther ? other : app), onOther ? remote : local);
  }
  local.sort((a, b) => a - b);
  remote.sort((a, b) => a - b);
  process.stdout.write('\nchange → live in the registry (deploy request sent → job registered)\n');
  line('same instance p50', `${percentile(local, 50).toFixed(1)} ms`, '≤ 50 ms');
  line('same instance max of 30', `${local[local.length - 1].toFixed(1)} ms`);
  if (other) {
    line('other instance p50 (LISTEN/NOTIFY)', `${percentile(remote, 50).toFixed(1)} ms`, '≤ 1 s');
    line('other instance max of 30', `${remote[remote.length - 1].toFixed(1)} ms`);
  } else {
    line('other instance', 'n/a', 'embedded: one process');
  }
}

async function skipLateness(app: INestApplication, ds: DataSource, count: number): Promise<void> {
  const svc = scheduler(app);
  const project = `skip-${count}`;
  const rows = Array.from({ length: count }, (_, i) => ({
    name: `s${i}`,
    spec: { cron: { expression: '* * * * * *' } },
    policies: { overlapPolicy: 'SKIP' },
    ageS: 0,
  }));
  await insertTriggers(ds, rows, project);
  await svc.resyncNow();
  // the first slot creates one PENDING run per trigger; then refresh the statistics of the young
  // runs and of the triggers just inserted (after the 100,000 of part 1 were deactivated), as
  // autovacuum does within a minute in a real deployment (this server runs without it)
  await sleep(1500);
  await ds.query('ANALYZE runs');
  await ds.query('ANALYZE triggers');
  const from = Date.now() + 1000; // every run from here is a skip
  await sleep(SKIP_SECONDS * 1000 + 1500);
  await deactivateProject(ds, project);
  await svc.resyncNow();
  await sleep(500);
  const late: { ms: number; state: string }[] = await ds.query(
    `SELECT extract(epoch FROM r.created_at - r.scheduled_at) * 1000 AS ms, r.state
     FROM runs r JOIN triggers t ON t.id = r.trigger_id
     WHERE t.project = $1 AND r.scheduled_at >= $2::timestamptz`,
    [project, new Date(from).toISOString()],
  );
  const skipped = late.filter((r) => r.state === 'SKIPPED');
  const ms = skipped.map((r) => Number(r.ms)).sort((a, b) => a - b);
  const [{ active }]: { active: number }[] = await ds.query(
    `SELECT count(*)::int AS active FROM runs r JOIN triggers t ON t.id = r.trigger_id
     WHERE t.project = $1 AND r.state IN ('PENDING', 'BUFFERED', 'RUNNING')`,
    [project],
  );
  const target = count <= 1000 ? '≤ 100 ms' : '≤ 250 ms';
  process.stdout.write(
    `
${count.toLocaleString('en')} SKIP triggers every second, their runs active (every slot a skip)
`,
  );
  line('slots recorded SKIPPED', `${skipped.length.toLocaleString('en')}`);
  line('other runs in those slots', `${late.length - skipped.length}`, '0');
  line(
    'active runs (one per trigger)',
    `${active.toLocaleString('en')}`,
    count.toLocaleString('en'),
  );
  line('skip lateness p50', `${percentile(ms, 50).toFixed(1)} ms`);
  line('skip lateness p99', `${percentile(ms, 99).toFixed(1)} ms`, target);
  line('skip lateness max', `${ms[ms.length - 1]?.toFixed(1)} ms`);
}

async function main(): Promise<void> {
  const target = await openTarget();
  process.stdout.write(
    `scheduler benchmark on ${target.kind === 'embedded' ? 'the embedded database (PGlite, a fresh DATA_DIR)' : 'PostgreSQL'}` +
      ` — Node ${process.version}${(globalThis as { gc?: unknown }).gc ? '' : ' (run with --expose-gc for exact RSS)'}\n`,
  );
  const instances = Number(process.env.BENCH_INSTANCES ?? 0);
  if (instances > 0 || process.env.BENCH_RETENTION) {
    try {
      if (process.env.BENCH_RETENTION) await retention(target);
      else await multiInstance(target, instances, TOTAL);
    } finally {
      await target.drop();
    }
    return;
  }
  const app = await startApp(target);
  gc();
  await sleep(1000);
  line('RSS after start-up (this process, with ts-node)', mb(process.memoryUsage().rss));
  let other: INestApplication | null = null;
  const ds = app.get(DataSource);
  try {
    if (process.env.BENCH_ONLY === 'skip') {
      await skipLateness(app, ds, 1_000);
      await skipLateness(app, ds, 10_000);
      return;
    }
    if (process.env.BENCH_ONLY === 'register') {
      await registration(app, ds);
      return;
    }
    if (process.env.BENCH_ONLY === 'fire') {
      await lateness(app, ds, 1_000);
      await lateness(app, ds, 10_000);
      return;
    }
    await registration(app, ds);
    await lateness(app, ds, 1_000);
    await lateness(app, ds, 10_000);
    await sustained(app, ds, target.kind);
    // a second replica only now: the figures above are for one instance
    if (target.kind === 'postgres') other = await startApp(target);
    await propagation(app, other, ds);
    if (other) {
      // the SKIP runs are one instance's figures too: it takes back every partition first
      await other.close();
      other = null;
      await balanced([app]);
    }
    await skipLateness(app, ds, 1_000);
    await skipLateness(app, ds, 10_000);
  } finally {
    await other?.close();
    await app.close();
    await target.drop();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
