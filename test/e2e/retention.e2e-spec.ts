import { DataSource } from 'typeorm';
import { RunRetention } from '../../src/runs/retention/run-retention';
import { RunWritesRepository } from '../../src/runs/run-writes.repository';
import { RunNamer } from '../../src/runs/run-name';
import { useTestApp } from '../support/test-app';
import {
  deployTrigger,
  runsOf,
  SCHEDULER_ON,
  setActiveViaApi,
  sleep,
  type TriggerRow,
} from '../support/trigger-rows';

/**
 * Retention (docs/runs.md "Retention"), on both databases: final runs older than RUNS_RETENTION
 * go, recent and non-final ones stay, and a deleted run's slot is never fired again (the fire
 * statement counts it as fired through the trigger's cursor, not through its run).
 */
describe('run retention (e2e)', () => {
  const ctx = useTestApp({ ...SCHEDULER_ON, RUNS_RETENTION: '1h' });
  const db = (): DataSource => ctx.app().app.get(DataSource);

  async function until<T>(what: string, probe: () => Promise<T | null>, ms = 30_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await probe();
      if (value !== null) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(100);
    }
  }

  async function cancel(publicId: string): Promise<void> {
    await ctx.app().http().post(`/runs/${publicId}/cancel`).send({}).expect(200);
  }

  async function runRows(t: TriggerRow): Promise<{ publicId: string; state: string; at: Date }[]> {
    return db().query(
      `SELECT public_id::text AS "publicId", state, scheduled_at AS at FROM runs
       WHERE trigger_id = $1::bigint ORDER BY scheduled_at, id`,
      [t.id],
    );
  }

  it('deletes old final runs only; their slots are not fired again', async () => {
    const t = await deployTrigger(ctx.app().app, 'history', { cron: '* * * * * *' });
    const manual = await deployTrigger(ctx.app().app, 'by-hand', { none: true });
    const early = await until('4 scheduled runs', async () => {
      const rows = await runRows(t);
      return rows.length >= 4 ? rows : null;
    });
    // the first three: final and long finished; the fourth: still PENDING, also old
    for (const r of early.slice(0, 3)) await cancel(r.publicId);
    const fired: string[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await ctx
        .app()
        .http()
        .post(`${pathOfRow(manual)}/fire`)
        .send({})
        .expect(201);
      fired.push((res.body as { id: string }).id);
    }
    for (const id of fired) await cancel(id);
    await db().query(
      `UPDATE runs SET finished_at = now() - interval '2 hours', created_at = now() - interval '2 hours'
       WHERE public_id = ANY($1::uuid[])`,
      [[...early.slice(0, 3).map((r) => r.publicId), fired[0]]],
    );
    await db().query(
      `UPDATE runs SET created_at = now() - interval '2 hours' WHERE public_id = $1::uuid`,
      [early[3].publicId],
    );

    const pass = await ctx.app().app.get(RunRetention).runOnce();
    expect(pass.deleted).toBe(4);

    const left = await runRows(t);
    const gone = early.slice(0, 3).map((r) => r.at.getTime());
    expect(left.some((r) => gone.includes(r.at.getTime()))).toBe(false);
    expect(left.find((r) => r.publicId === early[3].publicId)?.state).toBe('PENDING');
    const manualLeft: { publicId: string }[] = await db().query(
      `SELECT public_id::text AS "publicId" FROM runs WHERE trigger_id = $1::bigint`,
      [manual.id],
    );
    expect(manualLeft.map((r) => r.publicId)).toEqual([fired[1]]);

    // the deleted slots, offered again (as a late owner's catch-up would): refused, no run
    const rev: { revision: number }[] = await db().query(
      `SELECT latest_revision AS revision FROM triggers WHERE id = $1::bigint`,
      [t.id],
    );
    const namer = new RunNamer({
      project: t.project,
      domain: t.domain,
      taskName: t.taskName,
      name: t.name,
    });
    const results = await ctx
      .app()
      .app.get(RunWritesRepository)
      .fireScheduledSlots(
        gone.map((ms) => ({
          triggerId: t.id,
          revision: rev[0].revision,
          scheduledAt: new Date(ms),
          runName: namer.nameOf(new Date(ms)),
          through: null,
          floor: null,
        })),
      );
    expect(results.map((r) => r.outcome)).toEqual(['EXISTS', 'EXISTS', 'EXISTS']);

    // a backfill over them (and a dry run) creates nothing: they are skipped, by their names
    const range = {
      from: new Date(gone[0]).toISOString(),
      to: new Date(gone[2] + 1000).toISOString(),
    };
    const names = gone.map((ms) => ({
      scheduledAt: new Date(ms).toISOString(),
      runName: namer.nameOf(new Date(ms)),
    }));
    for (const dryRun of [true, false]) {
      const res = await ctx
        .app()
        .http()
        .post(`${pathOfRow(t)}/backfill`)
        .send({ ...range, dryRun })
        .expect(200);
      expect(res.body).toMatchObject({ runs: [], skipped: names });
    }
    expect((await runRows(t)).some((r) => gone.includes(r.at.getTime()))).toBe(false);

    // the scheduler goes on firing every slot after them, none of the deleted ones again
    const firstKept = early[3].at.getTime();
    await until('two more slots', async () =>
      (await runRows(t)).length >= left.length + 2 ? true : null,
    );
    await setActiveViaApi(ctx.app().app, [t], false);
    const after = (await runsOf(ctx.app().app, t)).map((r) => r.scheduledAt.getTime() / 1000);
    expect(after[0]).toBe(firstKept / 1000);
    const gaps = after.filter((s, i) => i > 0 && s !== after[i - 1] + 1);
    expect(gaps).toEqual([]);
  });

  it('a second pass finds nothing left to delete', async () => {
    expect((await ctx.app().app.get(RunRetention).runOnce()).deleted).toBe(0);
  });
});

function pathOfRow(t: TriggerRow): string {
  return `/triggers/${t.project}/${t.domain}/${t.taskName}/${t.name}`;
}
