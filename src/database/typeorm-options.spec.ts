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
