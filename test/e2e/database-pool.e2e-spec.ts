import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { WARM_CONNECTIONS } from '../../src/database/typeorm-options';
import { useTestApp } from '../support/test-app';

/** The pool's warm connections (src/database/typeorm-options.ts), on PostgreSQL only. */
(process.env.DATABASE_URL ? describe : describe.skip)('PostgreSQL pool', () => {
  const ctx = useTestApp();

  it('opens its warm connections at start-up and keeps them however long idle', async () => {
    const ds = ctx.app().app.get(DataSource);
    const pool = (ds.driver as PostgresDriver).master as Pool & { options: { min: number } };
    expect(WARM_CONNECTIONS).toBeGreaterThan(1);
    expect(pool.totalCount).toBeGreaterThanOrEqual(WARM_CONNECTIONS);
    expect(pool.options.min).toBe(WARM_CONNECTIONS);
    // the server sees them as sessions of this database
    const [{ n }]: { n: string }[] = await ds.query(
      `SELECT count(*) AS n FROM pg_stat_activity
       WHERE datname = current_database() AND backend_type = 'client backend'`,
    );
    expect(Number(n)).toBeGreaterThanOrEqual(WARM_CONNECTIONS);
  });
});
