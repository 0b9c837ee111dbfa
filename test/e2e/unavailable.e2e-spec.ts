import { Client } from 'pg';
import { startApp, TestApp } from '../support/test-app';
import { TestDatabase } from '../support/test-database';

/**
 * The database server going away under a running app: 503 UNAVAILABLE, never a 500 or a crash.
 * PostgreSQL only: the embedded database lives in the process and cannot become unreachable.
 */
(process.env.DATABASE_URL ? describe : describe.skip)('database unavailable (e2e)', () => {
  let db: TestDatabase;
  let app: TestApp;

  beforeAll(async () => {
    db = await TestDatabase.create();
    app = await startApp(db);
  });

  afterAll(async () => {
    await app.close().catch(() => undefined);
    await db.drop();
  });

  it('answers readiness with 503 UNAVAILABLE in the error shape once the database is gone', async () => {
    await app.http().get('/health/ready').expect(200);
    {
      // Terminate every session of the test database; the pool's next query fails to reach it.
      // Refuse new connections to the test database and end the open ones.
      const name = new URL(db.url!).pathname.slice(1);
      const adminUrl = new URL(db.url!);
      adminUrl.pathname = '/postgres';
      const admin = new Client({ connectionString: adminUrl.toString() });
      await admin.connect();
      try {
        await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS false`);
        await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1',
          [name],
        );
      } finally {
        await admin.end();
      }
    }
    const res = await app.http().get('/health/ready').expect(503);
    expect(res.body).toMatchObject({ statusCode: 503, code: 'UNAVAILABLE' });
    expect(res.body.requestId).toBe(res.headers['x-request-id']);
    await app.http().get('/health/live').expect(200);
  });
});
