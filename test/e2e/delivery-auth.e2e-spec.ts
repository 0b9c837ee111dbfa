import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { LeaseService } from '../../src/runs/lease/lease.service';
import { RunLifecycleService } from '../../src/runs/lifecycle/run-lifecycle.service';
import type { RunRecord } from '../../src/runs/lifecycle/run-record';
import { useTestApp } from '../support/test-app';

const sha = (key: string): string => createHash('sha256').update(key).digest('hex');
const KEYS = {
  worker: 'sdl_worker-a',
  writer: 'sdl_writer',
  reader: 'sdl_reader',
};
const API_KEYS = [
  `worker-a:worker:${sha(KEYS.worker)}:a`,
  `writer:writer:${sha(KEYS.writer)}`,
  `reader:reader:${sha(KEYS.reader)}`,
].join(',');

describe('worker role and project scope (e2e)', () => {
  const ctx = useTestApp({ API_KEYS });
  const as = (key: string) => {
    const auth = `Bearer ${key}`;
    const http = ctx.app().http;
    return {
      get: (url: string) => http().get(url).set('Authorization', auth),
      post: (url: string, body?: object) =>
        body === undefined
          ? http().post(url).set('Authorization', auth)
          : http().post(url).set('Authorization', auth).send(body),
      put: (url: string, body: object) => http().put(url).set('Authorization', auth).send(body),
    };
  };
  const deployAndFire = async (project: string): Promise<string> => {
    const path = `/triggers/${project}/d/task/shared`;
    await as(KEYS.writer)
      .put(path, {
        spec: { taskVersion: 'v1', delivery: { type: 'QUEUE', queue: 'shared' } },
        automationSpec: { type: 'NONE' },
      })
      .expect((r) => expect([200, 201]).toContain(r.status));
    const res = await as(KEYS.writer).post(`${path}/fire`).expect(201);
    return (res.body as { id: string }).id;
  };

  it('a scoped worker key leases only its projects from a shared queue', async () => {
    const b = await deployAndFire('b');
    const a = await deployAndFire('a');
    const res = await as(KEYS.worker)
      .post('/queues/shared/lease', { workerId: 'w', max: 10 })
      .expect(200);
    expect(res.body.leases.map((l: { run: { id: string } }) => l.run.id)).toEqual([a]);
    const token = res.body.leases[0].leaseToken as string;

    await as(KEYS.worker).get(`/runs/${a}`).expect(200);
    expect((await as(KEYS.worker).get(`/runs/${b}`).expect(404)).body.code).toBe('RUN_NOT_FOUND');
    const list = await as(KEYS.worker).get('/runs?queue=shared').expect(200);
    expect(list.body.runs.map((r: { id: string }) => r.id)).toEqual([a]);
    await as(KEYS.worker).get('/runs?project=b').expect(403);
    const queues = await as(KEYS.worker).get('/queues').expect(200);
    expect(queues.body.queues).toEqual([
      { queue: 'shared', pending: 0, running: 1, oldestPendingNotBefore: null },
    ]);

    // a worker may not cancel, deploy or fire; a reader may not lease
    await as(KEYS.worker).post(`/runs/${a}/cancel`).expect(403);
    await as(KEYS.worker)
      .put('/triggers/a/d/task/x', {
        spec: { taskVersion: 'v1' },
        automationSpec: { type: 'NONE' },
      })
      .expect(403);
    await as(KEYS.reader).post('/queues/shared/lease', { workerId: 'r' }).expect(403);
    await as(KEYS.reader).post(`/runs/${a}/heartbeat`, { leaseToken: token }).expect(403);

    await as(KEYS.worker).post(`/runs/${a}/complete`, { leaseToken: token }).expect(200);
    // the writer (unscoped) gets project b's run
    const writer = await as(KEYS.writer)
      .post('/queues/shared/lease', { workerId: 'w2', max: 10 })
      .expect(200);
    expect(writer.body.leases.map((l: { run: { id: string } }) => l.run.id)).toEqual([b]);
    await as(KEYS.writer).post(`/runs/${b}/cancel`).expect(200);
  });

  it('npm run apikey -- --role worker prints a worker entry', () => {
    const out = execFileSync(
      process.execPath,
      [join(__dirname, '..', '..', 'scripts', 'apikey.js'), '--name', 'w', '--role', 'worker'],
      { encoding: 'utf8' },
    );
    expect(out).toMatch(/w:worker:[0-9a-f]{64}/);
  });

  it('an upgrade makes every existing run SKIPPED (BEFORE_DELIVERY)', async () => {
    const ds = ctx.app().app.get(DataSource);
    const id = await deployAndFire('a');
    // back to before the run lifecycle: every migration after it, then the lifecycle itself
    while (ds.migrations.length > 0) {
      const [last] = await ds.query<{ name: string }[]>(
        `SELECT name FROM migrations ORDER BY id DESC LIMIT 1`,
      );
      await ds.undoLastMigration();
      if (last.name === 'RunLifecycle1765000100000') break;
    }
    await ds.query(
      `INSERT INTO runs (trigger_id, trigger_revision, name, source, scheduled_at, task_version)
       SELECT id, 1, 'old-run', 'MANUAL', now(), 'v1' FROM triggers WHERE project = 'a' LIMIT 1`,
    );
    await ds.runMigrations();
    const rows = await ds.query<{ state: string; skipReason: string; finished: boolean }[]>(
      `SELECT state, skip_reason AS "skipReason", finished_at IS NOT NULL AS finished
       FROM runs WHERE project = 'a' ORDER BY id`,
    );
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const r of rows) {
      expect(r).toEqual({ state: 'SKIPPED', skipReason: 'BEFORE_DELIVERY', finished: true });
    }
    expect((await as(KEYS.writer).get(`/runs/${id}`).expect(404)).body.code).toBe('RUN_NOT_FOUND');
    const fresh = await deployAndFire('a');
    const got = await as(KEYS.writer).get(`/runs/${fresh}`).expect(200);
    expect(got.body.state).toBe('PENDING');
  });

  it('final-state hooks run in the same transaction as the change', async () => {
    const lifecycle = ctx.app().app.get(RunLifecycleService);
    const leases = ctx.app().app.get(LeaseService);
    const seen: RunRecord[] = [];
    let fail = true;
    lifecycle.onFinal(async (ended, sql) => {
      seen.push(...ended);
      await sql.query('SELECT 1');
      if (fail) throw new Error('hook refused');
    });
    await deployAndFire('a');
    const [g] = await leases.lease({
      queue: 'shared',
      workerId: 'hooked',
      max: 1,
      leaseMs: 60_000,
      waitMs: 0,
      projects: ['a'],
    });
    await expect(lifecycle.complete(g.run.publicId, g.leaseToken, null)).rejects.toThrow(
      'hook refused',
    );
    expect((await as(KEYS.writer).get(`/runs/${g.run.publicId}`).expect(200)).body.state).toBe(
      'RUNNING',
    );
    fail = false;
    const done = await lifecycle.complete(g.run.publicId, g.leaseToken, { ok: true });
    expect(done.state).toBe('SUCCEEDED');
    expect(seen.map((r) => [r.publicId, r.state])).toEqual([
      [g.run.publicId, 'SUCCEEDED'],
      [g.run.publicId, 'SUCCEEDED'],
    ]);
  });
});
