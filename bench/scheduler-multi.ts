/**
 * The scheduler benchmark's scale-out and retention modes (docs/scale-out.md):
 *
 * - `BENCH_INSTANCES=2|4 DATABASE_URL=… npm run bench:scheduler`: that many instances (apps in
 *   this one process, each with its own instance id, leases and pool) on one PostgreSQL
 *   database: each one's registered share of BENCH_TRIGGERS (default 100,000), its first pass and
 *   idle pass, RSS added (for all of them: they share the process), fire lateness with 1,000 and
 *   10,000 triggers due in one second, and fire conflicts.
 * - `BENCH_RETENTION=1 npm run bench:scheduler`: BENCH_RETENTION_RUNS (default 1,000,000 on
 *   PostgreSQL, 100,000 embedded) old final runs deleted while 1,000 triggers fire every second.
 */
import { performance } from 'node:perf_hooks';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../src/config/app-config';
import { MetricsService } from '../src/metrics/metrics.service';
import { RunRetention } from '../src/runs/retention/run-retention';
import { PARTITION_COUNT } from '../src/scheduler/partitions';
import type { PassStats } from '../src/scheduler/reconcile-pass';
import {
  deactivateProject,
  gc,
  insertTriggers,
  line,
  mb,
  mixRow,
  percentile,
  scheduler,
  sleep,
  startApp,
  type Target,
  waitForRuns,
} from './scheduler-support';

async function conflicts(apps: INestApplication[]): Promise<number> {
  let total = 0;
  for (const app of apps) {
    const metric = app.get(MetricsService).registry.getSingleMetric('sundial_fire_conflicts_total');
    const values = metric ? (await metric.get()).values : [];
    total += values.reduce((sum, v) => sum + v.value, 0);
  }
  return total;
}

/** Waits (up to 60 s) until the apps own every partition in even shares; returns how long. */
export async function balanced(apps: INestApplication[]): Promise<number> {
  const t = performance.now();
  const low = Math.floor(PARTITION_COUNT / apps.length);
  for (;;) {
    const counts = apps.map((a) => scheduler(a).partitions.length);
    const sum = counts.reduce((x, y) => x + y, 0);
    if (sum === PARTITION_COUNT && counts.every((c) => c >= low && c <= low + 1)) break;
    if (performance.now() - t > 60_000) throw new Error(`not balanced: ${counts.join(', ')}`);
    await sleep(50);
  }
  return performance.now() - t;
}

async function dueTogether(apps: INestApplication[], ds: DataSource, count: number): Promise<void> {
  const slot = new Date(Math.floor(Date.now() / 1000) * 1000 + 4000);
  const expression = `${slot.getUTCSeconds()} ${slot.getUTCMinutes()} ${slot.getUTCHours()} * * *`;
  const project = `late-${count}`;
  const rows = Array.from({ length: count }, (_, i) => ({
    name: `t${i}`,
    spec: { cron: { expression } },
    ageS: 0,
  }));
  await insertTriggers(ds, rows, project);
  await Promise.all(apps.map((a) => scheduler(a).resyncNow()));
  const before = await conflicts(apps);
  await sleep(Math.max(0, slot.getTime() - Date.now()) + 1500);
  await waitForRuns(ds, project, count);
  const late: { ms: number; by: string }[] = await ds.query(
    `SELECT extract(epoch FROM r.created_at - r.scheduled_at) * 1000 AS ms, r.fired_by AS by
     FROM runs r JOIN triggers t ON t.id = r.trigger_id WHERE t.project = $1`,
    [project],
  );
  const ms = late.map((r) => Number(r.ms)).sort((a, b) => a - b);
  const targets = count <= 1000 ? ['≤ 20 ms', '≤ 100 ms'] : ['', '≤ 250 ms'];
  process.stdout.write(`\n${count.toLocaleString('en')} triggers due in the same second\n`);
  line(
    'runs created / instances that created them',
    `${ms.length} / ${new Set(late.map((r) => r.by)).size}`,
  );
  line('fire lateness p50', `${percentile(ms, 50).toFixed(1)} ms`, targets[0]);
  line('fire lateness p99', `${percentile(ms, 99).toFixed(1)} ms`, targets[1]);
  line('fire conflicts', `${(await conflicts(apps)) - before}`, '< 1% of fires');
  await deactivateProject(ds, project);
  await Promise.all(apps.map((a) => scheduler(a).resyncNow()));
}

export async function multiInstance(target: Target, n: number, total: number): Promise<void> {
  if (target.kind !== 'postgres') throw new Error('BENCH_INSTANCES needs DATABASE_URL');
  const apps: INestApplication[] = [];
  try {
    for (let i = 0; i < n; i++) apps.push(await startApp(target));
    const settleMs = await balanced(apps);
    const ds = apps[0].get(DataSource);
    process.stdout.write(
      `\n${n} instances, ${total.toLocaleString('en')} active triggers (partitions balanced ${settleMs.toFixed(0)} ms after the last start)\n`,
    );
    const t = performance.now();
    await insertTriggers(
      ds,
      Array.from({ length: total }, (_, i) => mixRow(i)),
      'mix',
    );
    line('bulk insert', `${((performance.now() - t) / 1000).toFixed(1)} s`);
    // autovacuum would within a minute: the partition reads are planned on the expression index
    await ds.query('VACUUM ANALYZE triggers');
    gc();
    const rssBefore = process.memoryUsage().rss;
    // one after another: each pass has this process's one thread to itself, as each instance has
    // its own CPU on its own host (concurrently, the four would share one thread: see below)
    const firstMs: number[] = [];
    const firstStats: (PassStats | null)[] = [];
    for (const a of apps) {
      const s = performance.now();
      firstStats.push(await scheduler(a).resyncNow());
      firstMs.push(performance.now() - s);
    }
    gc();
    const rssAdded = process.memoryUsage().rss - rssBefore;
    const even = total / n;
    for (let i = 0; i < n; i++) {
      const svc = scheduler(apps[i]);
      const jobs = svc.state!.jobCount;
      const idle: number[] = [];
      for (let k = 0; k < 7; k++) idle.push((await svc.resyncNow())?.durationMs ?? NaN);
      idle.sort((a, b) => a - b);
      const dev = ((jobs - even) / even) * 100;
      line(
        `instance ${i + 1}: ${svc.partitions.length} partitions, jobs (vs even share)`,
        `${jobs.toLocaleString('en')} (${dev >= 0 ? '+' : ''}${dev.toFixed(1)}%)`,
        '±15%',
      );
      line(
        `instance ${i + 1}: first pass / idle pass (median of 7)`,
        `${((firstStats[i]?.durationMs ?? firstMs[i]) / 1000).toFixed(2)} s / ${percentile(idle, 50).toFixed(0)} ms`,
        total >= 1_000_000 ? '≤ 5 s' : '',
      );
      const f = firstStats[i];
      if (f) {
        line(
          '  first pass: list / details / core; then catch-up',
          `${[f.listMs, f.detailMs, f.applyMs].map((v) => v.toFixed(0)).join(' / ')} ms; ${f.catchUpCreated} runs in ${(firstMs[i] - f.durationMs).toFixed(0)} ms`,
        );
      }
    }
    // the same first pass for all of them at once, on this one thread (a restart of every
    // instance together): their registries are emptied first, so each pass loads its share again
    for (const a of apps) scheduler(a).state!.evict(() => true);
    const together = performance.now();
    await Promise.all(apps.map((a) => scheduler(a).resyncNow()));
    line(
      `all ${n} first passes at once on this one thread`,
      `${((performance.now() - together) / 1000).toFixed(2)} s`,
    );
    line('RSS added, all instances together', mb(rssAdded));
    line(
      'RSS added per instance (their average)',
      mb(rssAdded / n),
      total >= 1_000_000 ? '≤ +300 MB' : '',
    );
    await deactivateProject(ds, 'mix');
    await Promise.all(apps.map((a) => scheduler(a).resyncNow()));
    if (total < 1_000_000) {
      await dueTogether(apps, ds, 1_000);
      await dueTogether(apps, ds, 10_000);
    }
  } finally {
    for (const app of apps) await app.close();
  }
}

export async function retention(target: Target): Promise<void> {
  const count = Number(
    process.env.BENCH_RETENTION_RUNS ?? (target.kind === 'postgres' ? 1_000_000 : 100_000),
  );
  const app = await startApp(target, {
    RUNS_RETENTION: '0',
    TRIGGER_SCHEDULER_RESYNC_INTERVAL: '1h',
  });
  try {
    const ds = app.get(DataSource);
    const [history] = await insertTriggers(
      ds,
      [{ name: 'history', spec: { rate: { value: 1, unit: 'MINUTE' } }, ageS: 0 }],
      'old',
    );
    await ds.query(`UPDATE triggers SET active = false, last_scheduled_at = now() WHERE id = $1`, [
      history,
    ]);
    let t = performance.now();
    for (let from = 0; from < count; from += 500_000) {
      await ds.query(
        `INSERT INTO runs (trigger_id, trigger_revision, name, source, scheduled_at, created_at,
                           task_version, project, state, not_before, finished_at)
         SELECT $1::bigint, 1, 'r' || g, 'SCHEDULE', now() - interval '40 days' - g * interval '1 second',
                now() - interval '40 days', 'v1', 'old', 'SUCCEEDED', now() - interval '40 days',
                now() - interval '40 days' + (g % 1000) * interval '1 millisecond'
         FROM generate_series($2::int, $3::int) g`,
        [history, from + 1, Math.min(count, from + 500_000)],
      );
    }
    await ds.query('ANALYZE runs');
    line(
      `insert ${count.toLocaleString('en')} old final runs`,
      `${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    await insertTriggers(
      ds,
      Array.from({ length: 1_000 }, (_, i) => ({
        name: `s${i}`,
        spec: { cron: { expression: '* * * * * *' } },
        ageS: 0,
      })),
      'live',
    );
    await scheduler(app).resyncNow();
    await sleep(4_000);
    const baselineFrom = new Date(Date.now() - 3_000);
    app.get(AppConfig).runs.retentionMs = 30 * 86_400_000;
    const deleteFrom = new Date();
    t = performance.now();
    const pass = await app.get(RunRetention).runOnce();
    const ms = performance.now() - t;
    const deleteTo = new Date();
    await sleep(1_500);
    await deactivateProject(ds, 'live');
    const p99 = async (from: Date, to: Date): Promise<number> => {
      const [row]: { p99: number; n: number }[] = await ds.query(
        `SELECT percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM r.created_at - r.scheduled_at) * 1000) AS p99,
                count(*)::int AS n
         FROM runs r JOIN triggers t ON t.id = r.trigger_id
         WHERE t.project = 'live' AND r.scheduled_at >= $1 AND r.scheduled_at < $2`,
        [from, to],
      );
      return Number(row.p99);
    };
    process.stdout.write(`\nretention while 1,000 triggers fire every second\n`);
    line('runs deleted / batches', `${pass.deleted.toLocaleString('en')} / ${pass.batches}`);
    line(
      'deletion rate',
      `${Math.round(pass.deleted / (ms / 1000)).toLocaleString('en')}/s`,
      '≥ 20,000/s',
    );
    line(
      'fire lateness p99 before (3 s)',
      `${(await p99(baselineFrom, deleteFrom)).toFixed(1)} ms`,
    );
    line(
      `fire lateness p99 while deleting (${(ms / 1000).toFixed(1)} s)`,
      `${(await p99(deleteFrom, deleteTo)).toFixed(1)} ms`,
      '≤ 100 ms',
    );
  } finally {
    await app.close();
  }
}
