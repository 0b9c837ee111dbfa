import { DataSource } from 'typeorm';
import { scheduledRunName } from '../../src/runs/run-name';
import { partitionOf } from '../../src/scheduler/partitions';
import { SchedulerService } from '../../src/scheduler/scheduler.service';
import { startApp, type TestApp } from '../support/test-app';
import { TestDatabase } from '../support/test-database';
import {
  deployTrigger,
  pathOf,
  runsOf,
  setActiveViaApi,
  triggerStatus,
  type TriggerRow,
  SCHEDULER_ON,
  sleep,
} from '../support/trigger-rows';

function secondsOf(runs: { scheduledAt: Date }[]): number[] {
  return runs.map((r) => r.scheduledAt.getTime() / 1000);
}

/** Consecutive whole seconds, no gap, no repeat. */
function expectContiguous(s: number[]): void {
  const gaps = s.filter((v, i) => !Number.isInteger(v) || (i > 0 && v !== s[i - 1] + 1));
  expect({ gaps, count: s.length }).toEqual({ gaps: [], count: s.length });
}

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(20);
  }
}

function registry(app: TestApp) {
  return app.app.get(SchedulerService).state!;
}

describe('scheduler with real time (e2e)', () => {
  let db: TestDatabase;
  const apps: TestApp[] = [];

  async function start(env: Record<string, string> = {}): Promise<TestApp> {
    const app = await startApp(db, { ...SCHEDULER_ON, ...env });
    apps.push(app);
    return app;
  }

  async function stop(app: TestApp): Promise<void> {
    apps.splice(apps.indexOf(app), 1);
    await app.close();
  }

  beforeAll(async () => {
    db = await TestDatabase.create();
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await db?.drop();
  });

  it('fires, stops on deactivation at once, and does not catch up the inactive time', async () => {
    const app = await start();
    const t = await deployTrigger(app.app, 'every-second', {
      cron: '* * * * * *',
      kickoffTimeInputArg: 'kickoff',
      inputs: { a: 1 },
      taskVersion: 'v3',
    });
    // live in the registry right after the deploy (one read of the row)
    await waitFor(() => registry(app).revisionOf(t.id) === 1, 200);
    await sleep(2500);
    const runs = await runsOf(app.app, t);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expectContiguous(secondsOf(runs));
    const deployed = await triggerStatus(app.app, t);
    expect(runs[0].scheduledAt.getTime()).toBeGreaterThan(deployed.effectiveAt.getTime());
    expect(runs[0].scheduledAt.getTime() - deployed.effectiveAt.getTime()).toBeLessThanOrEqual(
      1000,
    );
    for (const run of runs) {
      expect(run.source).toBe('SCHEDULE');
      expect(run.revision).toBe(1);
      expect(run.name).toBe(scheduledRunName(t, run.scheduledAt));
      expect(run.inputs).toEqual({ a: 1, kickoff: run.scheduledAt.toISOString() });
      expect(run.createdAt.getTime() - run.scheduledAt.getTime()).toBeLessThan(500);
    }
    const listed = await app
      .http()
      .get(`${pathOf(t)}/runs`)
      .expect(200);
    expect(listed.body.runs[0]).toMatchObject({ taskVersion: 'v3', source: 'SCHEDULE' });

    await setActiveViaApi(app.app, [t], false);
    // removed before the deactivation was answered
    expect(registry(app).revisionOf(t.id)).toBeUndefined();
    const atDeactivation = (await runsOf(app.app, t)).length;
    await sleep(2000);
    expect(await runsOf(app.app, t)).toHaveLength(atDeactivation);

    await setActiveViaApi(app.app, [t], true);
    const reactivated = await triggerStatus(app.app, t);
    await sleep(2200);
    const after = await runsOf(app.app, t);
    const fresh = after.slice(atDeactivation);
    expect(fresh.length).toBeGreaterThanOrEqual(1);
    expectContiguous(secondsOf(fresh));
    // nothing for the inactive time: the first new slot is the first after re-activation
    expect(fresh[0].scheduledAt.getTime()).toBeGreaterThan(reactivated.effectiveAt.getTime());
    expect(fresh[0].scheduledAt.getTime() - reactivated.effectiveAt.getTime()).toBeLessThanOrEqual(
      1000,
    );
    expect(fresh[0].revision).toBe(3);
    await setActiveViaApi(app.app, [t], false);
    await stop(app);
  });

  it('after a restart catches up the downtime without duplicates, at most maxCatchupRunsPerLoop per pass', async () => {
    const cap = 3;
    const first = await start();
    const triggers: TriggerRow[] = [];
    for (const name of ['restart-a', 'restart-b']) {
      triggers.push(await deployTrigger(first.app, name, { cron: '* * * * * *' }));
    }
    await sleep(1500);
    await stop(first);
    const stoppedAt = Date.now();
    await sleep(4000);
    const second = await start({ TRIGGER_SCHEDULER_MAX_CATCHUP_RUNS_PER_LOOP: String(cap) });
    const restartedAt = Date.now();
    // the backlog (2 triggers × ~4 s) drains over several passes, live fires going on meanwhile
    await waitFor(
      async () => registry(second).laggingCount === 0 && registry(second).jobCount === 2,
      10_000,
    );
    await sleep(1200);
    const backlog: Date[] = [];
    for (const t of triggers) {
      const runs = await runsOf(second.app, t);
      expectContiguous(secondsOf(runs));
      expect(runs[runs.length - 1].scheduledAt.getTime()).toBeGreaterThan(Date.now() - 1500);
      for (const r of runs) {
        const at = r.scheduledAt.getTime();
        if (at > stoppedAt && at < restartedAt - 1000) backlog.push(r.createdAt);
      }
    }
    expect(backlog.length).toBeGreaterThanOrEqual(6);
    // catch-up runs come in passes ≥ 1 s apart: no 900 ms window holds more than the cap
    const created = backlog.map((d) => d.getTime()).sort((a, b) => a - b);
    for (const start of created) {
      expect(created.filter((c) => c >= start && c < start + 900).length).toBeLessThanOrEqual(cap);
    }
    await setActiveViaApi(second.app, triggers, false);
    await stop(second);
  });

  const onPostgres = process.env.DATABASE_URL ? it : it.skip;

  onPostgres(
    'two instances on one database: no duplicate, no missing slot; a deactivation stops both',
    async () => {
      const a = await start();
      const b = await start();
      // the partitions split between them (docs/scale-out.md)
      const owned = (app: TestApp): number[] => app.app.get(SchedulerService).partitions;
      await waitFor(() => owned(a).length === 32 && owned(b).length === 32, 15_000);
      const triggers: TriggerRow[] = [];
      for (let i = 0; i < 20; i++) {
        triggers.push(
          await deployTrigger(i % 2 ? a.app : b.app, `pair-${i}`, { cron: '* * * * * *' }),
        );
      }
      // a deploy through either instance is live on its partition's owner within 1 s
      // (LISTEN/NOTIFY), and only there
      const ownerOf = (t: TriggerRow): TestApp => (owned(a).includes(partitionOf(t.id)) ? a : b);
      await waitFor(
        () =>
          triggers.every((t) => {
            const other = ownerOf(t) === a ? b : a;
            return (
              registry(ownerOf(t)).revisionOf(t.id) === 1 &&
              registry(other).revisionOf(t.id) === undefined
            );
          }),
        1000,
      );
      expect(new Set(triggers.map(ownerOf)).size).toBe(2);
      await sleep(10_000);
      for (const t of triggers) {
        const runs = await runsOf(a.app, t);
        const status = await triggerStatus(a.app, t);
        expectContiguous(secondsOf(runs));
        expect(runs.length).toBeGreaterThanOrEqual(9);
        // none missing at the start …
        expect(runs[0].scheduledAt.getTime()).toBe(
          Math.floor(status.effectiveAt.getTime() / 1000) * 1000 + 1000,
        );
        // … nor at the end
        expect(runs[runs.length - 1].scheduledAt.getTime()).toBeGreaterThan(Date.now() - 1500);
      }
      // which instance created each run does not matter; the unique index makes each slot one run
      const [dupes] = await a.app.get(DataSource).query(
        `SELECT count(*)::int AS total, count(DISTINCT (trigger_id, scheduled_at))::int AS slots
         FROM runs WHERE trigger_id = ANY($1::bigint[])`,
        [triggers.map((t) => t.id)],
      );
      expect(dupes.total).toBe(dupes.slots);

      await setActiveViaApi(a.app, triggers, false);
      const deactivatedAt = Date.now();
      await waitFor(
        () =>
          triggers.every(
            (t) =>
              registry(a).revisionOf(t.id) === undefined &&
              registry(b).revisionOf(t.id) === undefined,
          ),
        2000,
      );
      expect(Date.now() - deactivatedAt).toBeLessThan(2000);
      const counts = await Promise.all(triggers.map(async (t) => (await runsOf(a.app, t)).length));
      await sleep(2000);
      const later = await Promise.all(triggers.map(async (t) => (await runsOf(a.app, t)).length));
      expect(later).toEqual(counts);
      await stop(a);
      await stop(b);
    },
  );
});
