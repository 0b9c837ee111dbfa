import { Client } from 'pg';
import { startApp, type TestApp } from '../support/test-app';
import { TestDatabase } from '../support/test-database';
import {
  deployTrigger,
  deploysReachReplica,
  runsOf,
  SCHEDULER_ON,
  setActiveViaApi,
  sleep,
} from '../support/trigger-rows';

/**
 * PostgreSQL only: every connection of the database is killed again and again for two seconds
 * (the pools' and the LISTEN connections). The process survives, the slots that could not fire
 * are fired afterwards, and replicas hear each other again.
 */
const describeOnServer = process.env.DATABASE_URL ? describe : describe.skip;

describeOnServer('scheduler through a database outage (e2e, PostgreSQL)', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    db = await TestDatabase.create();
    a = await startApp(db, SCHEDULER_ON);
    b = await startApp(db, SCHEDULER_ON);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  it('survives, fires the missed slots afterwards, and reconnects LISTEN', async () => {
    const t = await deployTrigger(a.app, 'through-outage', { cron: '* * * * * *' });
    await sleep(1500);
    const killer = new Client({ connectionString: db.url! });
    await killer.connect();
    const until = Date.now() + 2000;
    while (Date.now() < until) {
      await killer.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()`,
      );
      await sleep(100);
    }
    await killer.end();
    await sleep(3000);
    await a.http().get('/health/live').expect(200);
    const runs = await runsOf(a.app, t);
    const seconds = runs.map((r) => r.scheduledAt.getTime() / 1000);
    const gaps = seconds.filter((s, i) => i > 0 && s !== seconds[i - 1] + 1);
    expect({ gaps, count: seconds.length }).toEqual({ gaps: [], count: seconds.length });
    expect(seconds.length).toBeGreaterThanOrEqual(5);
    expect(runs[runs.length - 1].scheduledAt.getTime()).toBeGreaterThan(Date.now() - 1500);

    // the other instance hears deploys through this one again (LISTEN reconnected): those of
    // its partitions (docs/scale-out.md) are live there within 1 s
    const deployed = await deploysReachReplica(a.app, b.app, 'after-outage');
    await setActiveViaApi(a.app, [t, ...deployed], false);
  });
});
