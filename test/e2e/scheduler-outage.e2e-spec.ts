import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { SchedulerService } from '../../src/scheduler/scheduler.service';
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
 * Runs `during` in a transaction of its own connection that first takes `lock` (a LOCK TABLE),
 * then commits: the app's statements that need the table wait for it meanwhile.
 */
async function holdingLock<T>(
  url: string,
  lock: string,
  during: (locker: Client) => Promise<T>,
): Promise<T> {
  const locker = new Client({ connectionString: url });
  await locker.connect();
  try {
    await locker.query('BEGIN');
    await locker.query(lock);
    const result = await during(locker);
    await locker.query('COMMIT');
    return result;
  } finally {
    await locker.end();
  }
}

/**
 * PostgreSQL only: statements time out behind another session's table lock (past
 * DATABASE_STATEMENT_TIMEOUT) while every connection stays up, so no reconnect asks for a pass,
 * and the next pass is an hour away. What failed is retried with backoff instead
 * (docs/scheduler.md "When a fire fails", "When a pass fails").
 */
describeOnServer('scheduler retrying after statements time out (e2e, PostgreSQL)', () => {
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
    await holdingLock(db.url!, 'LOCK TABLE runs IN SHARE ROW EXCLUSIVE MODE', async (locker) => {
      const lockedAt = Date.now();
      await sleep(3500);
      const during = await locker.query<{ n: string }>(
        `SELECT count(*) AS n FROM runs WHERE trigger_id = $1 AND scheduled_at > $2`,
        [t.id, new Date(lockedAt + 1000)],
      );
      // the fires in the lock's last seconds could not write (they wait, then time out)
      expect(Number(during.rows[0].n)).toBe(0);
    });
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

  // A trigger written directly, with no change event, under the lock: only a pass can find it.
  it('schedules a trigger that only a pass can find within seconds of a failed pass', async () => {
    const id = await holdingLock(
      db.url!,
      'LOCK TABLE triggers IN ACCESS EXCLUSIVE MODE',
      async (locker) => {
        const inserted = await locker.query<{ id: string }>(
          `INSERT INTO triggers (project, domain, task_name, name, latest_revision, active,
             automation_type, task_version, spec, automation_spec, effective_at, deployed_at,
             updated_at, activated_at, deployed_by, updated_by)
           VALUES ('p', 'd', 'task', 'found-by-pass', 1, true, 'SCHEDULE', 'v1',
             '{"taskVersion":"v1","active":true,"inputs":{},"runSpec":{}}',
             '{"type":"SCHEDULE","schedule":{"cron":{"expression":"* * * * * *"}}}',
             now(), now(), now(), now(), 'test', 'test')
           RETURNING id::text AS id`,
        );
        // the pass waits for the lock, then its statement times out
        expect(await a.app.get(SchedulerService).resyncNow()).toBeNull();
        return inserted.rows[0].id;
      },
    );
    await sleep(3500);
    const ds = a.app.get(DataSource);
    const runs: { n: string }[] = await ds.query(
      `SELECT count(*) AS n FROM runs WHERE trigger_id = $1::bigint`,
      [id],
    );
    expect(Number(runs[0].n)).toBeGreaterThanOrEqual(1);
    await ds.query(`UPDATE triggers SET active = false WHERE id = $1::bigint`, [id]);
  });
});
