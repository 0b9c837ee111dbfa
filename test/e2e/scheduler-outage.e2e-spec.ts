import { Client } from 'pg';
import { startApp, type TestApp } from '../support/test-app';
import { TestDatabase } from '../support/test-database';
import {
  deployTrigger,
  deploysReachReplica,
  secondsOfRuns,
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
    const { seconds, gaps } = await secondsOfRuns(a.app, t);
    expect({ gaps, count: seconds.length }).toEqual({ gaps: [], count: seconds.length });
    expect(seconds.length).toBeGreaterThanOrEqual(5);
    expect(seconds[seconds.length - 1] * 1000).toBeGreaterThan(Date.now() - 1500);

    // the other instance hears deploys through this one again (LISTEN reconnected): those of
    // its partitions (docs/scale-out.md) are live there within 1 s
    const deployed = await deploysReachReplica(a.app, b.app, 'after-outage');
    await setActiveViaApi(a.app, [t, ...deployed], false);
  });
});

/**
 * PostgreSQL only: the fire statements time out (another session locks the runs table past
 * DATABASE_STATEMENT_TIMEOUT) while every connection stays up, so no reconnect asks for a pass.
 * The failed slots are retried with backoff (docs/scheduler.md "When a fire fails"), not left to
 * the next pass, which is an hour away here.
 */
describeOnServer('scheduler retrying failed fires (e2e, PostgreSQL)', () => {
  let db: TestDatabase;
  let a: TestApp;

  beforeAll(async () => {
    db = await TestDatabase.create();
    a = await startApp(db, {
      ...SCHEDULER_ON,
      TRIGGER_SCHEDULER_RESYNC_INTERVAL: '1h',
      DATABASE_STATEMENT_TIMEOUT: '1s',
    });
  });
  afterAll(async () => {
    await a?.close();
    await db?.drop();
  });

  it('fires the slots whose statements failed within a few seconds, without a pass', async () => {
    const t = await deployTrigger(a.app, 'through-lock', { cron: '* * * * * *' });
    await sleep(1500);
    const locker = new Client({ connectionString: db.url! });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE runs IN SHARE ROW EXCLUSIVE MODE');
      const lockedAt = Date.now();
      await sleep(3500);
      const during = await locker.query<{ n: string }>(
        `SELECT count(*) AS n FROM runs WHERE trigger_id = $1 AND scheduled_at > $2`,
        [t.id, new Date(lockedAt + 1000)],
      );
      // the fires in the lock's last seconds could not write (they wait, then time out)
      expect(Number(during.rows[0].n)).toBe(0);
      await locker.query('COMMIT');
    } finally {
      await locker.end();
    }
    const releasedAt = Date.now();
    await sleep(2500);
    const { seconds, gaps, duplicates } = await secondsOfRuns(a.app, t);
    expect({ gaps, duplicates }).toEqual({
      gaps: [],
      duplicates: 0,
    });
    expect(seconds.length).toBeGreaterThanOrEqual(7);
    expect(seconds[seconds.length - 1] * 1000).toBeGreaterThan(releasedAt);
    await setActiveViaApi(a.app, [t], false);
  });
});
