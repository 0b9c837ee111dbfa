import { DataSource } from 'typeorm';
import { TcpProxy } from '../support/tcp-proxy';
import { startApp, type TestApp } from '../support/test-app';
import { TestDatabase } from '../support/test-database';
import {
  deployTrigger,
  deploysReachReplica,
  pathOf,
  secondsOfRuns,
  SCHEDULER_ON,
  setActiveViaApi,
  sleep,
} from '../support/trigger-rows';

/**
 * PostgreSQL only: the network between an instance and the database fails silently (no FIN, no
 * RST: docs/deployment.md "When the network to PostgreSQL fails"). Instance A reaches the
 * database through a proxy that freezes every connection open at the time, while new ones pass;
 * B connects directly. With a 2 s statement timeout, a statement whose connection went silent is
 * cut after 4 s (the timeout and a grace), and the LISTEN connections are checked every 2 s.
 */
const describeOnServer = process.env.DATABASE_URL ? describe : describe.skip;

/** DATABASE_STATEMENT_TIMEOUT 2 s: 2 s more for the answer, then the connection is dead. */
const DEADLINE_MS = 4_000;

describeOnServer('a network to PostgreSQL that fails silently (e2e, PostgreSQL)', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    db = await TestDatabase.create();
    proxy = await TcpProxy.start(db.url!);
    const env = { ...SCHEDULER_ON, DATABASE_STATEMENT_TIMEOUT: '2s' };
    // no resync passes on A: only its LISTEN connection brings B's deploys
    a = await startApp(db, {
      ...env,
      DATABASE_URL: proxy.urlFor(db.url!),
      TRIGGER_SCHEDULER_RESYNC_INTERVAL: '1h',
    });
    b = await startApp(db, env);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await proxy?.close();
    await db?.drop();
  });

  it('gives the sessions the statement timeout on the server too', async () => {
    const settings: { name: string; setting: string }[] = await a.app.get(DataSource).query(
      `SELECT name, setting FROM pg_settings
         WHERE name IN ('statement_timeout', 'idle_in_transaction_session_timeout', 'jit')
         ORDER BY name`,
    );
    expect(settings).toEqual([
      { name: 'idle_in_transaction_session_timeout', setting: '2000' },
      { name: 'jit', setting: 'off' },
      { name: 'statement_timeout', setting: '2000' },
    ]);
    await expect(a.app.get(DataSource).query('SELECT pg_sleep(3)')).rejects.toThrow(
      /statement timeout/,
    );
  });

  it('answers within the deadline, recovers, fires every slot once and hears B again', async () => {
    const t = await deployTrigger(b.app, 'through-silence', { cron: '* * * * * *' });
    const path = pathOf(t);
    // several pool connections open on A, all about to go silent
    await Promise.all(Array.from({ length: 6 }, () => a.http().get(path).expect(200)));
    await sleep(1500);
    expect(proxy.freezeExisting()).toBeGreaterThanOrEqual(3);
    const frozenAt = Date.now();

    // every request answers, 503 while it meets a silent connection, until all are replaced
    const answers: { status: number; ms: number; code?: string }[] = [];
    while (Date.now() - frozenAt < 30_000) {
      const started = Date.now();
      const res = await a
        .http()
        .get(path)
        .timeout(DEADLINE_MS + 5_000);
      answers.push({ status: res.status, ms: Date.now() - started, code: res.body?.code });
      if (answers.slice(-3).every((x) => x.status === 200) && answers.length >= 3) break;
    }
    const unavailable = answers.filter((x) => x.status === 503);
    expect(unavailable.length).toBeGreaterThan(0);
    expect(unavailable.map((x) => x.code)).toEqual(unavailable.map(() => 'UNAVAILABLE'));
    expect(answers.filter((x) => x.status !== 200 && x.status !== 503)).toEqual([]);
    expect(Math.max(...answers.map((x) => x.ms))).toBeLessThan(DEADLINE_MS + 1_500);
    expect(answers.slice(-3).map((x) => x.status)).toEqual([200, 200, 200]);

    // A's LISTEN connections were checked and replaced: B's deploys reach A within 1 s
    await sleep(Math.max(0, frozenAt + 2 * DEADLINE_MS - Date.now()));
    const deployed = await deploysReachReplica(b.app, a.app, 'after-silence');

    // every slot from before the freeze until now has one run: a slot whose statement was cut
    // stays due and is retried (docs/scheduler.md "When a fire fails"), although A's next pass
    // is an hour away
    await sleep(1500);
    const { seconds, gaps, duplicates } = await secondsOfRuns(b.app, t);
    expect({ gaps, duplicates }).toEqual({
      gaps: [],
      duplicates: 0,
    });
    expect(seconds[0] * 1000).toBeLessThan(frozenAt);
    expect(seconds[seconds.length - 1] * 1000).toBeGreaterThan(Date.now() - 2_500);
    await setActiveViaApi(b.app, [t, ...deployed], false);
  });
});
