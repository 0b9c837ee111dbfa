import { DataSource } from 'typeorm';
import { SchedulerService } from '../../src/scheduler/scheduler.service';
import { startApp, type TestApp } from '../support/test-app';
import { TestDatabase } from '../support/test-database';
import { SCHEDULER_ON, sleep } from '../support/trigger-rows';
import { lease } from '../support/workers';

interface SlotRun {
  scheduledAt: Date;
  createdAt: Date;
  notBefore: Date;
  state: string;
  skipReason: string | null;
}

const EVERY_SECOND = { type: 'SCHEDULE', schedule: { cron: { expression: '* * * * * *' } } };

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(50);
  }
}

/** Consecutive whole seconds, no gap, no repeat. */
function expectContiguous(runs: SlotRun[]): void {
  const s = runs.map((r) => r.scheduledAt.getTime() / 1000);
  const gaps = s.filter((v, i) => !Number.isInteger(v) || (i > 0 && v !== s[i - 1] + 1));
  expect({ gaps, count: s.length }).toEqual({ gaps: [], count: s.length });
}

describe('trigger policies with the scheduler (e2e)', () => {
  let db: TestDatabase;
  const apps: TestApp[] = [];

  async function start(env: Record<string, string> = {}): Promise<TestApp> {
    const app = await startApp(db, { ...SCHEDULER_ON, RUNS_SWEEP_INTERVAL: '200ms', ...env });
    apps.push(app);
    return app;
  }

  async function stop(app: TestApp): Promise<void> {
    apps.splice(apps.indexOf(app), 1);
    await app.close();
  }

  async function deploy(
    app: TestApp,
    name: string,
    automationSpec: object,
    spec: object = {},
  ): Promise<{ id: string; path: string; deployed: { status: Record<string, unknown> } }> {
    const path = `/triggers/p/d/task/${name}`;
    const res = await app
      .http()
      .put(path)
      .send({
        spec: { taskVersion: 'v1', delivery: { type: 'QUEUE', queue: name }, ...spec },
        automationSpec,
      });
    if (res.status !== 201) throw new Error(`deploy: ${res.status} ${JSON.stringify(res.body)}`);
    const [row] = await app.app
      .get(DataSource)
      .query<{ id: string }[]>(`SELECT id::text AS id FROM triggers WHERE name = $1`, [name]);
    return { id: row.id, path, deployed: res.body };
  }

  async function runsOf(app: TestApp, triggerId: string): Promise<SlotRun[]> {
    return app.app.get(DataSource).query(
      `SELECT scheduled_at AS "scheduledAt", created_at AS "createdAt", not_before AS "notBefore",
              state, skip_reason AS "skipReason"
       FROM runs WHERE trigger_id = $1::bigint AND source = 'SCHEDULE' ORDER BY scheduled_at`,
      [triggerId],
    );
  }

  beforeAll(async () => {
    db = await TestDatabase.create();
  });
  afterAll(async () => {
    for (const app of [...apps]) await app.close();
    await db?.drop();
  });

  it('each misfire policy after a stop of 10 s: no gap, no duplicate slot', async () => {
    const first = await start();
    const t = {
      all: await deploy(first, 'mf-all', { ...EVERY_SECOND, policies: {} }),
      latest: await deploy(first, 'mf-latest', {
        ...EVERY_SECOND,
        policies: { misfirePolicy: 'FIRE_LATEST' },
      }),
      skip: await deploy(first, 'mf-skip', {
        ...EVERY_SECOND,
        policies: { misfirePolicy: 'SKIP' },
      }),
      window: await deploy(first, 'mf-window', {
        ...EVERY_SECOND,
        policies: { catchupWindow: '3s' },
      }),
    };
    await sleep(1500);
    await stop(first);
    const stoppedAt = Date.now();
    await sleep(10_000);
    const threshold = 2_000;
    const second = await start({ TRIGGER_SCHEDULER_MISFIRE_THRESHOLD: `${threshold}ms` });
    const core = () => second.app.get(SchedulerService).state!;
    await waitFor(() => core().jobCount === 4 && core().laggingCount === 0, 15_000);
    await sleep(1200);
    const late = (r: SlotRun) => r.createdAt.getTime() - r.scheduledAt.getTime();
    const down = (runs: SlotRun[]) =>
      runs.filter((r) => r.scheduledAt.getTime() > stoppedAt + 1000 && late(r) > threshold + 1000);

    const all = await runsOf(second, t.all.id);
    expectContiguous(all);
    expect(all.filter((r) => r.state === 'SKIPPED')).toEqual([]);
    expect(down(all).length).toBeGreaterThanOrEqual(5);

    const latest = await runsOf(second, t.latest.id);
    expectContiguous(latest);
    const skippedLatest = latest.filter((r) => r.state === 'SKIPPED');
    expect(skippedLatest.length).toBeGreaterThanOrEqual(6);
    expect(skippedLatest.every((r) => r.skipReason === 'MISFIRE')).toBe(true);
    // the skipped slots are the oldest missed ones: the latest missed slot and all after it run
    // (missed is decided when the catch-up plans, a little before the run is created)
    const firstRun = latest.findIndex((r, i) => i > 0 && r.state !== 'SKIPPED');
    // the slots after the stop (a slot just before it may be missed too, and skipped)
    const downtime = latest.filter((r) => r.scheduledAt.getTime() > stoppedAt);
    const afterSkips = downtime.slice(downtime.findIndex((r) => r.state !== 'SKIPPED'));
    expect(afterSkips.every((r) => r.state !== 'SKIPPED')).toBe(true);
    expect(firstRun).toBeGreaterThanOrEqual(0);
    expect(afterSkips.filter((r) => late(r) > threshold + 1500).length).toBeLessThanOrEqual(1);
    expect(late(afterSkips[0])).toBeGreaterThan(threshold);

    const skip = await runsOf(second, t.skip.id);
    expectContiguous(skip);
    expect(down(skip).length).toBeGreaterThanOrEqual(5);
    expect(down(skip).every((r) => r.state === 'SKIPPED' && r.skipReason === 'MISFIRE')).toBe(true);
    expect(skip.filter((r) => r.state === 'SKIPPED').every((r) => late(r) > threshold)).toBe(true);

    const windowed = await runsOf(second, t.window.id);
    expectContiguous(windowed);
    const old = windowed.filter((r) => late(r) > 4_000);
    expect(old.length).toBeGreaterThanOrEqual(5);
    expect(old.every((r) => r.skipReason === 'MISSED_CATCHUP_WINDOW')).toBe(true);
    expect(windowed.filter((r) => r.state === 'SKIPPED').every((r) => late(r) > 3_000)).toBe(true);
    // the newest slots run again
    expect(windowed[windowed.length - 1].state).toBe('PENDING');

    const metrics = (await second.http().get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/sundial_slots_skipped_total\{reason="MISFIRE"\} [1-9]/);
    expect(metrics).toMatch(/sundial_slots_skipped_total\{reason="MISSED_CATCHUP_WINDOW"\} [1-9]/);
    await second
      .http()
      .post('/triggers/deactivate')
      .send({
        names: ['mf-all', 'mf-latest', 'mf-skip', 'mf-window'].map((name) => ({
          project: 'p',
          domain: 'd',
          taskName: 'task',
          name,
        })),
      })
      .expect(200);
    await stop(second);
  });

  it('SKIP with a worker holding the run: every later slot is SKIPPED (OVERLAP) until it completes', async () => {
    const app = await start();
    const t = await deploy(app, 'sk-held', {
      ...EVERY_SECOND,
      policies: { overlapPolicy: 'SKIP' },
    });
    let held: Awaited<ReturnType<typeof lease>>;
    await waitFor(async () => {
      held = await lease(app.http, 'sk-held', { leaseDuration: '60s' });
      return held.length === 1;
    }, 5_000);
    await waitFor(
      async () => (await runsOf(app, t.id)).filter((r) => r.state === 'SKIPPED').length >= 3,
      10_000,
    );
    await app
      .http()
      .post(`/runs/${held![0].run.id}/complete`)
      .send({ leaseToken: held![0].leaseToken })
      .expect(200);
    const doneAt = Date.now();
    await waitFor(
      async () =>
        (await runsOf(app, t.id)).some(
          (r) => r.state === 'PENDING' && r.scheduledAt.getTime() > doneAt,
        ),
      5_000,
    );
    await app
      .http()
      .post('/triggers/deactivate')
      .send({ names: [{ project: 'p', domain: 'd', taskName: 'task', name: 'sk-held' }] })
      .expect(200);
    const runs = await runsOf(app, t.id);
    expectContiguous(runs);
    const active = runs.filter((r) => r.state !== 'SKIPPED' && r.state !== 'SUCCEEDED');
    expect(active).toHaveLength(1);
    expect(runs.filter((r) => r.state === 'SKIPPED').every((r) => r.skipReason === 'OVERLAP')).toBe(
      true,
    );
    await stop(app);
  });

  it('jitter: the run notBefore is what the preview showed, and the same after a restart', async () => {
    let app = await start();
    const t = await deploy(app, 'jit', { ...EVERY_SECOND, policies: { jitter: '900ms' } });
    const from = new Date(Math.ceil(Date.now() / 1000) * 1000 + 1000).toISOString();
    const preview = async () =>
      (await app.http().get(`${t.path}/preview`).query({ from, count: '20' }).expect(200)).body
        .fireTimes as { at: string; notBefore: string }[];
    const before = await preview();
    await waitFor(async () => (await runsOf(app, t.id)).length >= 3, 10_000);
    await stop(app);
    app = await start();
    const restartedAt = Date.now();
    expect(await preview()).toEqual(before);
    await waitFor(
      async () =>
        (await runsOf(app, t.id)).filter((r) => r.scheduledAt.getTime() > restartedAt).length >= 2,
      10_000,
    );
    await app
      .http()
      .post('/triggers/deactivate')
      .send({ names: [{ project: 'p', domain: 'd', taskName: 'task', name: 'jit' }] })
      .expect(200);
    const expected = new Map(before.map((f) => [Date.parse(f.at), Date.parse(f.notBefore)]));
    const runs = await runsOf(app, t.id);
    let compared = 0;
    for (const r of runs) {
      const want = expected.get(r.scheduledAt.getTime());
      if (want === undefined) continue;
      expect(r.notBefore.getTime()).toBe(want);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(3);
    const offsets = runs.map((r) => r.notBefore.getTime() - r.scheduledAt.getTime());
    expect(offsets.every((o) => o >= 0 && o < 900)).toBe(true);
    expect(new Set(offsets).size).toBeGreaterThan(1);
    await stop(app);
  });

  it('window, maxRuns and a one-time schedule fire what they allow; the last two deactivate by sundial', async () => {
    const app = await start();
    const base = Math.ceil(Date.now() / 1000) * 1000;
    const activeFrom = new Date(base + 2000).toISOString();
    const activeUntil = new Date(base + 5000).toISOString();
    const win = await deploy(app, 'win', {
      ...EVERY_SECOND,
      policies: { activeFrom, activeUntil },
    });
    const lim = await deploy(app, 'lim', { ...EVERY_SECOND, policies: { maxRuns: 3 } });
    const atMs = base + 3000;
    const once = await deploy(app, 'once', {
      type: 'SCHEDULE',
      schedule: { at: new Date(atMs).toISOString() },
    });
    const status = async (path: string) => (await app.http().get(path).expect(200)).body;
    expect(lim.deployed.status.remainingRuns).toBe(3);
    await waitFor(async () => {
      const [l, o] = [await status(lim.path), await status(once.path)];
      return !l.spec.active && !o.spec.active;
    }, 10_000);
    await waitFor(() => Date.now() > base + 6000, 10_000);

    const windowRuns = await runsOf(app, win.id);
    expect(windowRuns.map((r) => r.scheduledAt.getTime())).toEqual([
      base + 2000,
      base + 3000,
      base + 4000,
    ]);
    expect((await status(win.path)).status.nextFireAt).toBeNull();

    const limited = await status(lim.path);
    expect(limited.status.remainingRuns).toBe(0);
    expect(limited.status.nextFireAt).toBeNull();
    expect(limited.metadata.updatedBy).toBe('sundial');
    expect(limited.status.note).toMatch(/maxRuns/);
    const limRuns = await runsOf(app, lim.id);
    expect(limRuns).toHaveLength(3);
    expectContiguous(limRuns);
    const revs = (await app.http().get(`${lim.path}/revisions`).expect(200)).body.revisions;
    expect(revs[0]).toMatchObject({ action: 'DEACTIVATE', actor: 'sundial' });

    const onceRuns = await runsOf(app, once.id);
    expect(onceRuns.map((r) => r.scheduledAt.getTime())).toEqual([atMs]);
    const o = await status(once.path);
    expect([o.spec.active, o.metadata.updatedBy, o.status.nextFireAt]).toEqual([
      false,
      'sundial',
      null,
    ]);
    // the scheduler dropped both at once
    const core = app.app.get(SchedulerService).state!;
    expect([core.revisionOf(lim.id), core.revisionOf(once.id)]).toEqual([undefined, undefined]);
    await stop(app);
  });

  const onPostgres = process.env.DATABASE_URL ? it : it.skip;

  onPostgres(
    'two instances firing a SKIP trigger every second for 10 s never have two active runs at once',
    async () => {
      const a = await start();
      const b = await start();
      const t = await deploy(a, 'sk-pair', {
        ...EVERY_SECOND,
        policies: { overlapPolicy: 'SKIP' },
      });
      const until = Date.now() + 10_000;
      const maxActive: number[] = [];
      const ds = a.app.get(DataSource);
      // a worker that finishes each run after a while, manual fires through both instances,
      // and a sampler of the number of active runs
      const worker = (async () => {
        while (Date.now() < until) {
          const got = await lease(a.http, 'sk-pair', { leaseDuration: '30s' });
          for (const l of got) {
            await sleep(700);
            await a.http().post(`/runs/${l.run.id}/complete`).send({ leaseToken: l.leaseToken });
          }
          await sleep(50);
        }
      })();
      const firing = (async () => {
        let i = 0;
        while (Date.now() < until) {
          const app = i++ % 2 ? a : b;
          await app.http().post(`${t.path}/fire`).send({}).expect(201);
          await sleep(150);
        }
      })();
      const sampler = (async () => {
        while (Date.now() < until) {
          const [{ n }] = await ds.query<{ n: number }[]>(
            `SELECT count(*)::int AS n FROM runs
             WHERE trigger_id = $1::bigint AND state IN ('PENDING', 'BUFFERED', 'RUNNING')`,
            [t.id],
          );
          maxActive.push(n);
          await sleep(20);
        }
      })();
      await Promise.all([worker, firing, sampler]);
      await a
        .http()
        .post('/triggers/deactivate')
        .send({ names: [{ project: 'p', domain: 'd', taskName: 'task', name: 'sk-pair' }] })
        .expect(200);
      expect(Math.max(...maxActive)).toBe(1);
      // and over the whole history: no two non-skipped runs were ever active together
      const runs: { createdAt: Date; finishedAt: Date | null; source: string }[] = await ds.query(
        `SELECT created_at AS "createdAt", finished_at AS "finishedAt", source FROM runs
         WHERE trigger_id = $1::bigint AND state <> 'SKIPPED' ORDER BY created_at`,
        [t.id],
      );
      expect(runs.length).toBeGreaterThanOrEqual(5);
      for (let i = 1; i < runs.length; i++) {
        expect(runs[i - 1].finishedAt).not.toBeNull();
        expect(runs[i].createdAt.getTime()).toBeGreaterThanOrEqual(
          runs[i - 1].finishedAt!.getTime(),
        );
      }
      const schedule = await runsOf(a, t.id);
      expectContiguous(schedule);
      expect(schedule.length).toBeGreaterThanOrEqual(8);
      await stop(a);
      await stop(b);
    },
  );
});
