import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RunWritesRepository } from '../../src/runs/run-writes.repository';
import { scheduledRunName } from '../../src/runs/run-name';
import type { FireResult, SlotToFire } from '../../src/scheduler/scheduler.types';
import { RecordingPort } from '../support/scheduler-fakes';
import { useTestApp } from '../support/test-app';
import {
  bumpRevision,
  insertTrigger,
  setActive,
  softDelete,
  type TriggerRow,
} from '../support/trigger-rows';

/**
 * One table of cases for the fire statement's contract (docs/runs.md "One run per slot"),
 * run against the fake the scheduler core's tests use (RecordingPort) and against the real
 * statement (RunWritesRepository.fireScheduledSlots) on the real database, so the fake cannot
 * drift from what the database does.
 */
interface Subject {
  /** an active schedule trigger at revision 1 */
  addTrigger(name: string): Promise<string>;
  /** a new revision (slots of the old one are stale) */
  bump(id: string): Promise<void>;
  deactivate(id: string): Promise<void>;
  remove(id: string): Promise<void>;
  fire(slots: SlotToFire[]): Promise<FireResult[]>;
  /** ISO slots that have a run, ascending */
  runsOf(id: string): Promise<string[]>;
  /** the persisted cursor: the cursor row (null: none) and last_scheduled_at */
  cursorOf(id: string): Promise<{ row: string | null; lastScheduled: string | null }>;
}

const iso = (ms: number | null | undefined): string | null =>
  ms === null || ms === undefined ? null : new Date(ms).toISOString();

class FakeSubject implements Subject {
  readonly port = new RecordingPort();
  private seq = 0;

  async addTrigger(): Promise<string> {
    const id = String(++this.seq);
    this.port.revisions.set(id, 1);
    return id;
  }
  // Deactivating and deleting make a new revision too: the fake knows only revisions.
  async bump(id: string): Promise<void> {
    this.port.revisions.set(id, (this.port.revisions.get(id) ?? 1) + 1);
  }
  deactivate(id: string): Promise<void> {
    return this.bump(id);
  }
  remove(id: string): Promise<void> {
    return this.bump(id);
  }
  fire(slots: SlotToFire[]): Promise<FireResult[]> {
    return this.port.fire(slots, 'catchup');
  }
  async runsOf(id: string): Promise<string[]> {
    return this.port.slotsOf(id);
  }
  async cursorOf(id: string): Promise<{ row: string | null; lastScheduled: string | null }> {
    return {
      row: iso(this.port.cursorRows.get(id)),
      lastScheduled: iso(this.port.lastScheduled.get(id)),
    };
  }
}

class DatabaseSubject implements Subject {
  private readonly rows = new Map<string, TriggerRow>();
  /**
   * `plain`: the slots say their trigger's policies are plain (SlotPolicies.plain), so those
   * without a cursor move go through the plain statement (fire-plain-slots.sql.ts); otherwise
   * every slot goes through FIRE_SLOTS_SQL. The cases hold either way.
   */
  constructor(
    private readonly app: INestApplication,
    private readonly plain: boolean,
  ) {}

  private get ds(): DataSource {
    return this.app.get(DataSource);
  }
  async addTrigger(name: string): Promise<string> {
    const row = await insertTrigger(this.app, name, { cron: '* * * * *' });
    this.rows.set(row.id, row);
    return row.id;
  }
  async bump(id: string): Promise<void> {
    await bumpRevision(this.app, this.rows.get(id)!);
  }
  async deactivate(id: string): Promise<void> {
    await setActive(this.app, this.rows.get(id)!, false, { emit: false });
  }
  async remove(id: string): Promise<void> {
    await softDelete(this.app, this.rows.get(id)!);
  }
  async fire(slots: SlotToFire[]): Promise<FireResult[]> {
    const results = await this.app
      .get(RunWritesRepository)
      .fireScheduledSlots(slots.map((slot) => ({ ...slot, plain: this.plain })));
    return results.map((r) => ({ outcome: r.outcome, cursorRow: r.cursorRow }));
  }
  async runsOf(id: string): Promise<string[]> {
    const rows: { at: Date }[] = await this.ds.query(
      `SELECT scheduled_at AS at FROM runs WHERE trigger_id = $1::bigint ORDER BY scheduled_at`,
      [id],
    );
    return rows.map((r) => new Date(r.at).toISOString());
  }
  async cursorOf(id: string): Promise<{ row: string | null; lastScheduled: string | null }> {
    const rows: { row: Date | null; last: Date | null }[] = await this.ds.query(
      `SELECT c.scheduled_through AS row, t.last_scheduled_at AS last
       FROM triggers t LEFT JOIN scheduler_cursors c ON c.trigger_id = t.id
       WHERE t.id = $1::bigint`,
      [id],
    );
    return {
      row: rows[0].row ? new Date(rows[0].row).toISOString() : null,
      lastScheduled: rows[0].last ? new Date(rows[0].last).toISOString() : null,
    };
  }
}

/** `n` copies of trigger `model` (names `<name>-1`…), in one statement as a bulk deploy; ids. */
async function copiesOf(app: INestApplication, model: TriggerRow, n: number): Promise<string[]> {
  const ds = app.get(DataSource);
  const [{ cols }]: { cols: string }[] = await ds.query(
    `SELECT string_agg(quote_ident(attname), ', ') AS cols FROM pg_attribute
     WHERE attrelid = 'triggers'::regclass AND attnum > 0 AND NOT attisdropped
       AND attname NOT IN ('id', 'name')`,
  );
  const copies: { id: string }[] = await ds.query(
    `INSERT INTO triggers (name, ${cols})
     SELECT t.name || '-' || g, ${cols.replace(/(^|, )/g, '$1t.')}
     FROM triggers t, generate_series(1, $2::int) g WHERE t.id = $1::bigint
     RETURNING id::text AS id`,
    [model.id, n],
  );
  return copies.map((c) => c.id);
}

const T0 = Date.parse('2026-07-01T09:00:00.000Z');
/** the n-th minute slot after T0 */
const at = (n: number): Date => new Date(T0 + n * 60_000);

function slot(
  id: string,
  n: number,
  o: { revision?: number; through?: number; floor?: number } = {},
): SlotToFire {
  const scheduledAt = at(n);
  return {
    triggerId: id,
    revision: o.revision ?? 1,
    scheduledAt,
    runName: scheduledRunName(
      { project: 'p', domain: 'd', taskName: 'task', name: id },
      scheduledAt,
    ),
    through: o.through === undefined ? null : at(o.through),
    floor: o.floor === undefined ? null : at(o.floor),
  };
}

const outcomes = (results: FireResult[]): string[] =>
  results.map((r) => `${r.outcome}/${String(r.cursorRow)}`);
const isoOf = (...ns: number[]): string[] => ns.map((n) => at(n).toISOString());

interface Case {
  name: string;
  run(s: Subject, name: string): Promise<void>;
}

const CASES: Case[] = [
  {
    name: 'fire: one run per slot, last_scheduled_at moves, no cursor row',
    async run(s, name) {
      const id = await s.addTrigger(name);
      expect(outcomes(await s.fire([slot(id, 0)]))).toEqual(['CREATED/null']);
      expect(await s.runsOf(id)).toEqual(isoOf(0));
      expect(await s.cursorOf(id)).toEqual({ row: null, lastScheduled: at(0).toISOString() });
    },
  },
  {
    name: 're-fire: the slot already has its run (EXISTS), nothing else changes',
    async run(s, name) {
      const id = await s.addTrigger(name);
      await s.fire([slot(id, 0), slot(id, 1)]);
      expect(outcomes(await s.fire([slot(id, 0)]))).toEqual(['EXISTS/null']);
      expect(await s.runsOf(id)).toEqual(isoOf(0, 1));
      expect(await s.cursorOf(id)).toEqual({ row: null, lastScheduled: at(1).toISOString() });
    },
  },
  {
    name: 'stale revision: a slot built from an older revision creates nothing',
    async run(s, name) {
      const id = await s.addTrigger(name);
      await s.bump(id);
      expect(outcomes(await s.fire([slot(id, 0, { floor: -1 })]))).toEqual(['STALE/null']);
      expect(outcomes(await s.fire([slot(id, 1, { revision: 2 })]))).toEqual(['CREATED/null']);
      expect(await s.runsOf(id)).toEqual(isoOf(1));
      expect(await s.cursorOf(id)).toEqual({ row: null, lastScheduled: at(1).toISOString() });
    },
  },
  {
    name: 'deactivated: STALE, no run, no cursor row',
    async run(s, name) {
      const id = await s.addTrigger(name);
      await s.deactivate(id);
      expect(outcomes(await s.fire([slot(id, 0, { floor: -1 })]))).toEqual(['STALE/null']);
      expect(await s.runsOf(id)).toEqual([]);
      expect(await s.cursorOf(id)).toEqual({ row: null, lastScheduled: null });
    },
  },
  {
    name: 'deleted: STALE, no run',
    async run(s, name) {
      const id = await s.addTrigger(name);
      await s.fire([slot(id, 0)]);
      await s.remove(id);
      expect(outcomes(await s.fire([slot(id, 1)]))).toEqual(['STALE/null']);
      expect(await s.runsOf(id)).toEqual(isoOf(0));
    },
  },
  {
    name: 'a hole below the cursor: the row opens at the floor, advances, then closes',
    async run(s, name) {
      const id = await s.addTrigger(name);
      await s.fire([slot(id, 0)]);
      // slot 1 is missed; slot 2 fires live with the confirmed cursor (slot 0) as its floor
      expect(outcomes(await s.fire([slot(id, 2, { floor: 0 })]))).toEqual(['CREATED/true']);
      expect(await s.cursorOf(id)).toEqual({
        row: at(0).toISOString(),
        lastScheduled: at(2).toISOString(),
      });
      // a second floor does not move an open row
      expect(outcomes(await s.fire([slot(id, 3, { floor: 0 })]))).toEqual(['CREATED/true']);
      // catch-up fills the hole: the row advances to it, still below last_scheduled_at
      expect(outcomes(await s.fire([slot(id, 1, { through: 1 })]))).toEqual(['CREATED/true']);
      expect(await s.cursorOf(id)).toEqual({
        row: at(1).toISOString(),
        lastScheduled: at(3).toISOString(),
      });
      // through reaches last_scheduled_at: nothing below it is missing, the row goes
      expect(outcomes(await s.fire([slot(id, 2, { through: 3 })]))).toEqual(['EXISTS/false']);
      expect(await s.cursorOf(id)).toEqual({ row: null, lastScheduled: at(3).toISOString() });
      expect(await s.runsOf(id)).toEqual(isoOf(0, 1, 2, 3));
    },
  },
  {
    name: 'a backlog: many slots of one trigger in one call, in order',
    async run(s, name) {
      const id = await s.addTrigger(name);
      const slots = Array.from({ length: 120 }, (_, i) => slot(id, i));
      const results = await s.fire(slots);
      expect(new Set(outcomes(results))).toEqual(new Set(['CREATED/null']));
      expect(results).toHaveLength(120);
      expect(await s.runsOf(id)).toHaveLength(120);
      expect(await s.cursorOf(id)).toEqual({ row: null, lastScheduled: at(119).toISOString() });
    },
  },
  {
    name: 'a backlog below an open cursor row: the row follows the batch and closes at its end',
    async run(s, name) {
      const id = await s.addTrigger(name);
      await s.fire([slot(id, 10, { floor: 0 })]);
      const partial = await s.fire([1, 2, 3].map((n) => slot(id, n, { through: n })));
      expect(outcomes(partial)).toEqual(['CREATED/true', 'CREATED/true', 'CREATED/true']);
      expect((await s.cursorOf(id)).row).toBe(at(3).toISOString());
      const rest = Array.from({ length: 7 }, (_, i) => slot(id, 4 + i, { through: 4 + i }));
      const results = await s.fire(rest);
      expect(outcomes(results).slice(0, 6)).toEqual(Array(6).fill('CREATED/false'));
      expect(outcomes(results)[6]).toBe('EXISTS/false');
      expect(await s.cursorOf(id)).toEqual({ row: null, lastScheduled: at(10).toISOString() });
    },
  },
  {
    name: 'two firers at once: each slot gets exactly one run, one CREATED and one EXISTS',
    async run(s, name) {
      const a = await s.addTrigger(`${name}-a`);
      const b = await s.addTrigger(`${name}-b`);
      const batch = (): SlotToFire[] => [slot(a, 0), slot(b, 0), slot(a, 1), slot(b, 1)];
      const [first, second] = await Promise.all([s.fire(batch()), s.fire(batch())]);
      for (let i = 0; i < 4; i++) {
        expect([first[i].outcome, second[i].outcome].sort()).toEqual(['CREATED', 'EXISTS']);
      }
      expect(await s.runsOf(a)).toEqual(isoOf(0, 1));
      expect(await s.runsOf(b)).toEqual(isoOf(0, 1));
    },
  },
];

describe('scheduling repository contract: the fake (RecordingPort)', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    await c.run(new FakeSubject(), 'x');
  });
});

describe(`scheduling repository contract: the real statements (${process.env.DATABASE_URL ? 'PostgreSQL' : 'embedded'})`, () => {
  const ctx = useTestApp();

  it.each(CASES.map((c, i) => [c.name, c, i] as const))(
    'FIRE_SLOTS_SQL: %s',
    async (_name, c, i) => {
      await c.run(new DatabaseSubject(ctx.app().app, false), `contract-${i}`);
    },
  );

  it.each(CASES.map((c, i) => [c.name, c, i] as const))(
    'plain slots (FIRE_PLAIN_SLOTS_SQL where it applies): %s',
    async (_name, c, i) => {
      await c.run(new DatabaseSubject(ctx.app().app, true), `contract-plain-${i}`);
    },
  );

  (process.env.DATABASE_URL ? it : it.skip)(
    'PostgreSQL: a plain fire waits for a change holding the trigger, then finds it STALE',
    async () => {
      const app = ctx.app().app;
      const ds = app.get(DataSource);
      const row = await insertTrigger(app, 'plain-waits', { cron: '* * * * *' });
      const change = ds.createQueryRunner();
      await change.connect();
      try {
        await change.startTransaction();
        await change.query(
          `UPDATE triggers SET latest_revision = latest_revision + 1 WHERE id = $1::bigint`,
          [row.id],
        );
        const firing = app
          .get(RunWritesRepository)
          .fireScheduledSlots([{ ...slot(row.id, 0), plain: true }]);
        const settled = await Promise.race([
          firing.then(() => 'done'),
          new Promise((r) => setTimeout(() => r('waiting'), 300)),
        ]);
        expect(settled).toBe('waiting'); // the fire waits for the row lock
        await change.commitTransaction();
        const [result] = await firing;
        expect(result.outcome).toBe('STALE');
        const runs: unknown[] = await ds.query(`SELECT 1 FROM runs WHERE trigger_id = $1::bigint`, [
          row.id,
        ]);
        expect(runs).toHaveLength(0);
      } finally {
        if (change.isTransactionActive) await change.rollbackTransaction();
        await change.release();
      }
    },
  );

  // PostgreSQL only: on the embedded database this test once left PGlite's one connection
  // stuck (every later statement of the file timed out) in 1 of 6 runs of the file; the
  // statements' change it guards is the same SQL there.
  (process.env.DATABASE_URL ? it.each : it.skip.each)([false, true])(
    'PostgreSQL: a fire reads only its own triggers, however many are active (plain statement: %s)',
    async (plain) => {
      const app = ctx.app().app;
      const ds = app.get(DataSource);
      const model = await insertTrigger(app, `reads-own-${plain}`, { cron: '* * * * *' });
      const ids = (await copiesOf(app, model, 5000)).slice(0, 250);
      await ds.query('ANALYZE triggers');
      const slots = ids.map((id) => ({ ...slot(id, 0), plain }));
      const repo = app.get(RunWritesRepository);
      // the statement the repository sends, explained with its own parameters
      const sent: { sql: string; params: unknown[] }[] = [];
      const query = ds.query.bind(ds);
      ds.query = ((sql: string, params?: unknown[]) => {
        if (/INSERT INTO runs/.test(sql)) sent.push({ sql, params: params ?? [] });
        return query(sql, params);
      }) as typeof ds.query;
      try {
        await repo.fireScheduledSlots(slots);
      } finally {
        ds.query = query;
      }
      expect(sent).toHaveLength(1);
      const later = slots.map((s) => ({ ...s, scheduledAt: at(1) }));
      const params = [...sent[0].params];
      params[2] = later.map((s) => s.scheduledAt.toISOString());
      const [{ 'QUERY PLAN': plan }]: { 'QUERY PLAN': unknown }[] = await ds.query(
        `EXPLAIN (ANALYZE, FORMAT JSON) ${sent[0].sql}`,
        params,
      );
      const reads: number[] = [];
      const walk = (node: Record<string, unknown>): void => {
        if (node['Relation Name'] === 'triggers') {
          reads.push(Number(node['Actual Rows']) * Number(node['Actual Loops']));
        }
        // CTEs and subplans are children too ("Subplan Name")
        for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? [])
          walk(child);
      };
      const top = (typeof plan === 'string' ? JSON.parse(plan) : plan) as { Plan: never }[];
      walk(top[0].Plan);
      expect(reads.length).toBeGreaterThan(0);
      // 250 slots (an embedded statement) among 5,001 active triggers: their rows, no more
      expect(Math.max(...reads)).toBeLessThanOrEqual(250);
    },
  );

  it('a fire updates its triggers in place: their rows stay on their pages (HOT updates)', async () => {
    const app = ctx.app().app;
    const ds = app.get(DataSource);
    // 40 copies of one trigger in one statement, as a bulk deploy fills pages
    const ids = await copiesOf(
      app,
      await insertTrigger(app, 'in-place', { cron: '* * * * *' }),
      40,
    );
    const blocks = async (): Promise<Map<string, string>> => {
      const found: { id: string; block: string }[] = await ds.query(
        `SELECT id::text AS id, (ctid::text::point)[0]::text AS block FROM triggers
         WHERE id = ANY($1::bigint[])`,
        [ids],
      );
      return new Map(found.map((f) => [f.id, f.block]));
    };
    const before = await blocks();
    const results = await app
      .get(RunWritesRepository)
      .fireScheduledSlots(ids.map((id) => ({ ...slot(id, 0), plain: true })));
    expect(results.every((r) => r.outcome === 'CREATED')).toBe(true);
    const after = await blocks();
    const stayed = ids.filter((id) => after.get(id) === before.get(id)).length;
    // The table's fillfactor 50 (CreateRuns migration) leaves room on each page. With full pages
    // (fillfactor 100) nearly every row moves, writing into every index of the table: 0.2% of
    // the updates were HOT with 10,000 triggers fired 3 times, against 97% with 50.
    expect(stayed).toBeGreaterThanOrEqual(36);
  });

  it('both statements write the same run and move the trigger the same way', async () => {
    const app = ctx.app().app;
    const ds = app.get(DataSource);
    const options = {
      cron: '* * * * *',
      kickoffTimeInputArg: 'at',
      inputs: { region: 'eu', n: 3 },
      runSpec: { priority: 2 },
    };
    const full = await insertTrigger(app, 'same-run-full', options);
    const plain = await insertTrigger(app, 'same-run-plain', options);
    // delivery and retry settings of the revision go into the run too
    await ds.query(`UPDATE triggers SET spec = spec || $1::jsonb WHERE id = ANY($2::bigint[])`, [
      JSON.stringify({
        delivery: { type: 'QUEUE', queue: 'reports', expireAfter: '2h' },
        retryConfig: { retryCount: 3, minBackoffDuration: '10s' },
      }),
      [full.id, plain.id],
    ]);
    const jittered = new Date(at(0).getTime() + 1234);
    const repo = app.get(RunWritesRepository);
    const [a] = await repo.fireScheduledSlots([
      { ...slot(full.id, 0), notBefore: jittered, plain: false },
    ]);
    const [b] = await repo.fireScheduledSlots([
      { ...slot(plain.id, 0), notBefore: jittered, plain: true },
    ]);
    expect([a.outcome, b.outcome]).toEqual(['CREATED', 'CREATED']);
    expect(b).toEqual({ ...a, createdAt: b.createdAt });
    const runs: Record<string, unknown>[] = await ds.query(
      `SELECT trigger_revision, source, scheduled_at, task_version, inputs, run_spec, project,
              queue, state, skip_reason, not_before, expire_after, retry_config, finished_at,
              attempt, fired_by,
              -- from two clock_timestamp() calls: the same to the second
              round(extract(epoch FROM expires_at - GREATEST(not_before, created_at)))::int
                AS expires_in_s
       FROM runs WHERE trigger_id = ANY($1::bigint[]) ORDER BY trigger_id`,
      [[full.id, plain.id]],
    );
    expect(runs).toHaveLength(2);
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[0]).toMatchObject({
      inputs: { region: 'eu', n: 3, at: at(0).toISOString() },
      run_spec: { priority: 2 },
      queue: 'reports',
      state: 'PENDING',
      expires_in_s: 7200,
    });
    const moved: Record<string, unknown>[] = await ds.query(
      `SELECT t.last_scheduled_at, t.triggered_at = r.created_at AS triggered_is_run, t.active,
              t.latest_revision, t.remaining_runs, t.updated_at = t.deployed_at AS not_updated
       FROM triggers t JOIN runs r ON r.trigger_id = t.id
       WHERE t.id = ANY($1::bigint[]) ORDER BY t.id`,
      [[full.id, plain.id]],
    );
    expect(moved[1]).toEqual(moved[0]);
    expect(moved[0]).toMatchObject({ triggered_is_run: true, active: true, latest_revision: 1 });
  });
});
