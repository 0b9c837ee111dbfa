import { PGlite } from '@electric-sql/pglite';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from './typeorm-options';

describe('embedded data source', () => {
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
});

describe('embedded data source closed under a statement', () => {
  it('rejects a statement that reaches PGlite after it closed, and nothing is emitted unheard', async () => {
    const pglite = new PGlite();
    const dataSource = new DataSource(buildDataSourceOptions({ pglite }));
    await dataSource.initialize();
    const unheard: unknown[] = [];
    const onUnhandled = (e: unknown) => unheard.push(e);
    process.on('unhandledRejection', onUnhandled);
    process.on('uncaughtException', onUnhandled);
    try {
      const closing = pglite.close();
      const late = dataSource.query('SELECT 1 AS one').then(
        () => 'answered',
        (e: Error) => e.message,
      );
      await closing;
      expect(await late).toMatch(/closed/);
      await new Promise((r) => setTimeout(r, 50));
      expect(unheard).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      process.off('uncaughtException', onUnhandled);
      await dataSource.destroy().catch(() => undefined);
    }
  });
});
