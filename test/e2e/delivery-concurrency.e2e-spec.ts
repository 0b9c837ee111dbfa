import { DataSource } from 'typeorm';
import { LeaseService } from '../../src/runs/lease/lease.service';
import { RunLifecycleService } from '../../src/runs/lifecycle/run-lifecycle.service';
import { useTestApp } from '../support/test-app';
import { deployManual } from '../support/workers';

const RUNS = 5_000;
const WORKERS = 8;
const onPostgres = process.env.DATABASE_URL ? describe : describe.skip;

/**
 * PostgreSQL only: the embedded database has one connection, so nothing there runs at once. The
 * workers call the lease and lifecycle services in-process (as the webhook dispatcher does), so
 * the run measures the statements under concurrency rather than HTTP overhead; delivery.e2e
 * covers the same calls over HTTP.
 */
onPostgres('lease concurrency on PostgreSQL (e2e)', () => {
  const ctx = useTestApp();
  const http = () => ctx.app().http();

  it(`${WORKERS} concurrent workers complete each of ${RUNS} runs exactly once`, async () => {
    await deployManual(http, 'many', { delivery: { type: 'QUEUE', queue: 'many' } });
    const ds = ctx.app().app.get(DataSource);
    await ds.query(
      `INSERT INTO runs (trigger_id, trigger_revision, name, source, scheduled_at, task_version,
                         project, queue, not_before)
       SELECT t.id, 1, 'm' || g, 'MANUAL', now() - interval '1 minute', 'v1', 'p', 'many',
              now() - interval '1 minute'
       FROM triggers t, generate_series(1, ${RUNS}) g WHERE t.name = 'many'`,
    );
    const leases = ctx.app().app.get(LeaseService);
    const lifecycle = ctx.app().app.get(RunLifecycleService);
    const completed = new Map<string, number>();
    let conflicts = 0;
    const worker = async (n: number): Promise<void> => {
      for (;;) {
        const granted = await leases.lease({
          queue: 'many',
          workerId: `w${n}`,
          max: 100,
          leaseMs: 60_000,
          waitMs: 0,
          projects: null,
        });
        if (granted.length === 0) return;
        await Promise.all(
          granted.map(async (l) => {
            try {
              const run = await lifecycle.complete(l.run.publicId, l.leaseToken, { by: n });
              if (run.state === 'SUCCEEDED') {
                completed.set(run.publicId, (completed.get(run.publicId) ?? 0) + 1);
              }
            } catch {
              conflicts++;
            }
          }),
        );
      }
    };
    const started = Date.now();
    await Promise.all(Array.from({ length: WORKERS }, (_, i) => worker(i)));
    const seconds = (Date.now() - started) / 1000;

    expect(conflicts).toBe(0);
    expect(completed.size).toBe(RUNS);
    expect([...completed.values()].every((c) => c === 1)).toBe(true);
    const [row] = await ds.query<{ succeeded: string; other: string; attempts: string }[]>(
      `SELECT count(*) FILTER (WHERE state = 'SUCCEEDED' AND attempt = 1) AS succeeded,
              count(*) FILTER (WHERE state <> 'SUCCEEDED') AS other,
              (SELECT count(*) FROM run_attempts a JOIN runs r2 ON r2.id = a.run_id
               WHERE r2.queue = 'many') AS attempts
       FROM runs WHERE queue = 'many'`,
    );
    expect(row).toEqual({ succeeded: String(RUNS), other: '0', attempts: String(RUNS) });
    process.stdout.write(`  ${RUNS} runs by ${WORKERS} workers in ${seconds.toFixed(1)} s\n`);
  }, 60_000);
});
