import { PGlite } from '@electric-sql/pglite';
import { DataSource } from 'typeorm';
import { RemotePGlite } from './pglite-remote';
import { buildDataSourceOptions } from './typeorm-options';

describe('embedded data source, PGlite in this thread', () => {
  let pglite: PGlite;
  let dataSource: DataSource;

  beforeAll(async () => {
    pglite = new PGlite();
    dataSource = new DataSource(buildDataSourceOptions({ pglite }));
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource.destroy();
    await pglite.close();
  });

  it('serves timers between the statements of a long run of queries (the event loop turns)', async () => {
    const total = 300;
    let done = 0;
    let doneWhenTimerRan = -1;
    const queries = (async () => {
      for (let i = 0; i < total; i++) {
        await dataSource.query('SELECT $1::int AS i', [i]);
        done++;
      }
    })();
    setTimeout(() => (doneWhenTimerRan = done), 0);
    await queries;
    expect(doneWhenTimerRan).toBeGreaterThanOrEqual(0);
    expect(doneWhenTimerRan).toBeLessThan(total);
  });
});

describe('embedded data source on PGlite in a worker thread', () => {
  let remote: RemotePGlite;
  let dataSource: DataSource;

  beforeAll(async () => {
    remote = await RemotePGlite.open({});
    dataSource = new DataSource(buildDataSourceOptions({ pglite: remote }));
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource.destroy();
    await remote.close();
  });

  it('leaves this thread free while the database works: timers run during a long statement', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    try {
      const startedAt = Date.now();
      await dataSource.query('SELECT count(*) FROM generate_series(1, 3000000)');
      const took = Date.now() - startedAt;
      expect(took).toBeGreaterThan(50);
      expect(ticks).toBeGreaterThanOrEqual(Math.floor(took / 5 / 4));
    } finally {
      clearInterval(timer);
    }
  });

  it("answers PostgreSQL's errors as pg does, and the connection stays usable", async () => {
    await expect(dataSource.query('SELECT 1/0')).rejects.toMatchObject({ code: '22012' });
    await expect(dataSource.query('SELECT $1::int', ['x'])).rejects.toMatchObject({
      code: '22P02',
    });
    const runner = dataSource.createQueryRunner();
    await runner.startTransaction();
    await expect(runner.query('SELECT nope')).rejects.toMatchObject({ code: '42703' });
    await runner.rollbackTransaction();
    await runner.release();
    expect(await dataSource.query('SELECT $1::text AS s', ['ok'])).toEqual([{ s: 'ok' }]);
  });

  it('carries large answers (several MB) whole', async () => {
    const rows: { s: string }[] = await dataSource.query(
      "SELECT repeat('x', 1000) || i AS s FROM generate_series(1, 5000) AS i",
    );
    expect(rows).toHaveLength(5000);
    expect(rows[4999].s).toBe(`${'x'.repeat(1000)}5000`);
  });
});

/** The same on both: PGlite in this thread (template, CLI) and in a worker (the app, the tests). */
describe.each([
  ['in this thread', (): Promise<PGlite> => PGlite.create()],
  ['in a worker thread', (): Promise<RemotePGlite> => RemotePGlite.open({})],
] as const)('embedded data source, PGlite %s', (_where, open) => {
  let db: PGlite | RemotePGlite;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await open();
    dataSource = new DataSource(buildDataSourceOptions({ pglite: db }));
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource.destroy();
    await db.close();
  });

  it('keeps one connection: a transaction sees its own writes, others see them after commit', async () => {
    await dataSource.query('CREATE TEMP TABLE t (v int)');
    const runner = dataSource.createQueryRunner();
    await runner.startTransaction();
    await runner.query('INSERT INTO t VALUES (1)');
    const outside = dataSource.query('SELECT count(*)::int AS n FROM t');
    expect(await runner.query('SELECT count(*)::int AS n FROM t')).toEqual([{ n: 1 }]);
    await runner.commitTransaction();
    await runner.release();
    expect(await outside).toEqual([{ n: 1 }]);
  });

  it('rejects a statement that reaches PGlite after it closed, and nothing is emitted unheard', async () => {
    const closing = await open();
    const late = new DataSource(buildDataSourceOptions({ pglite: closing }));
    await late.initialize();
    const unheard: unknown[] = [];
    const onUnhandled = (e: unknown) => unheard.push(e);
    process.on('unhandledRejection', onUnhandled);
    process.on('uncaughtException', onUnhandled);
    try {
      const closed = closing.close();
      const answer = late.query('SELECT 1 AS one').then(
        () => 'answered',
        (e: Error) => e.message,
      );
      await closed;
      expect(closing.closed).toBe(true);
      expect(await answer).toMatch(/the embedded database is closed/);
      await new Promise((r) => setTimeout(r, 50));
      expect(unheard).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      process.off('uncaughtException', onUnhandled);
      await late.destroy().catch(() => undefined);
    }
  });
});
