import { scheduledRunName } from '../../src/runs/run-name';
import { useTestApp } from '../support/test-app';
import {
  insertTrigger,
  pathOf,
  runsOf,
  softDelete,
  triggerStatus,
  type TriggerRow,
} from '../support/trigger-rows';

const HOUR = 3_600_000;

function hoursAgo(n: number): Date {
  return new Date(Math.floor(Date.now() / HOUR) * HOUR - n * HOUR);
}

describe('runs: manual fire, backfill, listing (e2e)', () => {
  const ctx = useTestApp();
  const http = () => ctx.app().http();
  const app = () => ctx.app().app;
  let hourly: TriggerRow;

  beforeAll(async () => {
    hourly = await insertTrigger(app(), 'hourly', {
      cron: '0 * * * *',
      kickoffTimeInputArg: 'kickoff',
      inputs: { region: 'eu' },
      runSpec: { envs: { A: '1' } },
      taskVersion: 'v7',
    });
  });

  describe('POST …/fire', () => {
    it('creates a MANUAL run now with the inputs and the kickoff time', async () => {
      const before = Date.now();
      const res = await http()
        .post(`${pathOf(hourly)}/fire`)
        .expect(201);
      expect(res.body).toEqual({
        name: expect.stringMatching(/^m[0-9a-f]+$/),
        trigger: {
          name: { project: 'p', domain: 'd', taskName: 'task', name: 'hourly' },
          revision: 1,
        },
        taskVersion: 'v7',
        source: 'MANUAL',
        scheduledAt: expect.any(String),
        createdAt: expect.any(String),
        inputs: { region: 'eu', kickoff: res.body.scheduledAt },
        runSpec: { envs: { A: '1' } },
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        state: 'PENDING',
        queue: 'default',
        attempt: 0,
        notBefore: res.body.scheduledAt,
        startedAt: null,
        finishedAt: null,
        skipReason: null,
        result: null,
        error: null,
        cancelRequested: false,
      });
      expect(Date.parse(res.body.scheduledAt)).toBeGreaterThanOrEqual(before - 5);
      const status = await triggerStatus(app(), hourly);
      expect(status.triggeredAt?.toISOString()).toBe(res.body.createdAt);
      expect(status.lastScheduledAt).toBeNull();
    });

    it('returns the same run for a repeated Idempotency-Key (200), a new one for a new key', async () => {
      const first = await http()
        .post(`${pathOf(hourly)}/fire`)
        .set('Idempotency-Key', 'retry-1')
        .expect(201);
      const again = await http()
        .post(`${pathOf(hourly)}/fire`)
        .set('Idempotency-Key', 'retry-1')
        .expect(200);
      expect(again.body).toEqual(first.body);
      const other = await http()
        .post(`${pathOf(hourly)}/fire`)
        .set('Idempotency-Key', 'retry-2')
        .expect(201);
      expect(other.body.name).not.toBe(first.body.name);
    });

    it('scopes the key to the trigger', async () => {
      const other = await insertTrigger(app(), 'other-for-key', { none: true });
      const a = await http()
        .post(`${pathOf(hourly)}/fire`)
        .set('Idempotency-Key', 'shared');
      const b = await http()
        .post(`${pathOf(other)}/fire`)
        .set('Idempotency-Key', 'shared');
      expect([a.status, b.status]).toEqual([201, 201]);
      expect(b.body.trigger.name.name).toBe('other-for-key');
    });

    it('answers concurrent requests with one key with one run', async () => {
      const results = await Promise.all(
        Array.from({ length: 5 }, () =>
          http()
            .post(`${pathOf(hourly)}/fire`)
            .set('Idempotency-Key', 'race'),
        ),
      );
      expect(results.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 201]);
      expect(new Set(results.map((r) => r.body.name)).size).toBe(1);
    });

    it('rejects a key that is not 1–255 printable ASCII', async () => {
      for (const key of ['x'.repeat(256), 'tab\there']) {
        const res = await http()
          .post(`${pathOf(hourly)}/fire`)
          .set('Idempotency-Key', key);
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('VALIDATION_FAILED');
        expect(res.body.details).toEqual([
          { field: 'Idempotency-Key', message: expect.any(String) },
        ]);
      }
      await http()
        .post(`${pathOf(hourly)}/fire`)
        .set('Idempotency-Key', 'x'.repeat(255))
        .expect(201);
    });

    it('fires a NONE trigger and an inactive one, not a deleted or missing one', async () => {
      const none = await insertTrigger(app(), 'manual-only', { none: true, inputs: { a: 1 } });
      const res = await http()
        .post(`${pathOf(none)}/fire`)
        .expect(201);
      expect(res.body.inputs).toEqual({ a: 1 });
      const inactive = await insertTrigger(app(), 'inactive', { active: false });
      await http()
        .post(`${pathOf(inactive)}/fire`)
        .expect(201);
      const gone = await insertTrigger(app(), 'gone', { none: true });
      await softDelete(app(), gone);
      const deleted = await http()
        .post(`${pathOf(gone)}/fire`)
        .expect(404);
      expect(deleted.body.code).toBe('TRIGGER_NOT_FOUND');
      const missing = await http().post('/triggers/p/d/task/never/fire').expect(404);
      expect(missing.body.code).toBe('TRIGGER_NOT_FOUND');
    });

    it('validates the path segments', async () => {
      const res = await http().post('/triggers/Bad_Project/d/task/n/fire').expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.details).toEqual([{ field: 'project', message: expect.any(String) }]);
      await http().post('/triggers/p/-d/task/n/fire').expect(400);
      await http()
        .post(`/triggers/p/d/task/${'n'.repeat(256)}/fire`)
        .expect(400);
      await http().post('/triggers/p/d/.task/n/fire').expect(400);
    });
  });

  describe('POST …/backfill', () => {
    let daily: TriggerRow;
    beforeAll(async () => {
      daily = await insertTrigger(app(), 'backfilled', {
        cron: '0 * * * *',
        kickoffTimeInputArg: 'at',
        inputs: { x: 'y' },
      });
    });

    it('creates BACKFILL runs for [from, to), also before the deploy, with Flyte names', async () => {
      const from = hoursAgo(5);
      const to = hoursAgo(2);
      const res = await http()
        .post(`${pathOf(daily)}/backfill`)
        .send({ from: from.toISOString(), to: to.toISOString() })
        .expect(200);
      const expected = [5, 4, 3].map((h) => hoursAgo(h));
      expect(res.body.skipped).toEqual([]);
      expect(res.body.runs.map((r: { scheduledAt: string }) => r.scheduledAt)).toEqual(
        expected.map((d) => d.toISOString()),
      );
      for (const run of res.body.runs) {
        expect(run.source).toBe('BACKFILL');
        expect(run.name).toBe(scheduledRunName(daily, new Date(run.scheduledAt)));
        expect(run.inputs).toEqual({ x: 'y', at: run.scheduledAt });
        expect(run.createdAt).toEqual(expect.any(String));
      }
      const status = await triggerStatus(app(), daily);
      expect(status.triggeredAt).not.toBeNull();
      expect(status.lastScheduledAt).toBeNull();
    });

    it('skips slots that have a run and lists them with their run names', async () => {
      const res = await http()
        .post(`${pathOf(daily)}/backfill`)
        .send({ from: hoursAgo(6).toISOString(), to: hoursAgo(3).toISOString() })
        .expect(200);
      expect(res.body.runs.map((r: { scheduledAt: string }) => r.scheduledAt)).toEqual([
        hoursAgo(6).toISOString(),
      ]);
      expect(res.body.skipped).toEqual(
        [5, 4].map((h) => ({
          scheduledAt: hoursAgo(h).toISOString(),
          runName: scheduledRunName(daily, hoursAgo(h)),
        })),
      );
    });

    it('dryRun lists what it would create and creates nothing', async () => {
      const before = await runsOf(app(), daily);
      const res = await http()
        .post(`${pathOf(daily)}/backfill`)
        .send({ from: hoursAgo(8).toISOString(), to: hoursAgo(5).toISOString(), dryRun: true })
        .expect(200);
      expect(res.body.runs).toEqual(
        [8, 7].map((h) =>
          expect.objectContaining({
            name: scheduledRunName(daily, hoursAgo(h)),
            scheduledAt: hoursAgo(h).toISOString(),
            source: 'BACKFILL',
          }),
        ),
      );
      expect(res.body.skipped).toEqual([
        { scheduledAt: hoursAgo(6).toISOString(), runName: scheduledRunName(daily, hoursAgo(6)) },
      ]);
      expect(await runsOf(app(), daily)).toHaveLength(before.length);
    });

    it('accepts exactly 1,000 slots and rejects more', async () => {
      const every = await insertTrigger(app(), 'every-second-backfill', { cron: '* * * * * *' });
      const to = new Date(Math.floor(Date.now() / 1000) * 1000 - 5000);
      const ok = await http()
        .post(`${pathOf(every)}/backfill`)
        .send({ from: new Date(to.getTime() - 1000_000).toISOString(), to: to.toISOString() })
        .expect(200);
      expect(ok.body.runs).toHaveLength(1000);
      const tooMany = await http()
        .post(`${pathOf(every)}/backfill`)
        .send({
          from: new Date(to.getTime() - 1001_000).toISOString(),
          to: to.toISOString(),
          dryRun: true,
        })
        .expect(400);
      expect(tooMany.body.code).toBe('VALIDATION_FAILED');
    });

    it('rejects bad bodies with 400 VALIDATION_FAILED', async () => {
      const now = Date.now();
      const bodies: unknown[] = [
        {},
        { from: hoursAgo(2).toISOString() },
        { from: 'yesterday', to: hoursAgo(1).toISOString() },
        { from: '2026-01-01T00:00:00', to: hoursAgo(1).toISOString() },
        { from: hoursAgo(1).toISOString(), to: hoursAgo(2).toISOString() },
        { from: hoursAgo(1).toISOString(), to: hoursAgo(1).toISOString() },
        { from: hoursAgo(1).toISOString(), to: new Date(now + 60_000).toISOString() },
        { from: hoursAgo(3).toISOString(), to: hoursAgo(1).toISOString(), dryRun: 'true' },
        { from: hoursAgo(3).toISOString(), to: hoursAgo(1).toISOString(), extra: 1 },
        { from: 5, to: hoursAgo(1).toISOString() },
      ];
      for (const body of bodies) {
        const res = await http()
          .post(`${pathOf(daily)}/backfill`)
          .send(body as object);
        expect({ body, status: res.status, code: res.body.code }).toEqual({
          body,
          status: 400,
          code: 'VALIDATION_FAILED',
        });
      }
    });

    it('is a 400 INVALID_SCHEDULE for a NONE trigger and a 404 for a missing or deleted one', async () => {
      const none = await insertTrigger(app(), 'no-schedule', { none: true });
      const body = { from: hoursAgo(3).toISOString(), to: hoursAgo(1).toISOString() };
      const res = await http()
        .post(`${pathOf(none)}/backfill`)
        .send(body)
        .expect(400);
      expect(res.body.code).toBe('INVALID_SCHEDULE');
      await http().post('/triggers/p/d/task/nope/backfill').send(body).expect(404);
      const gone = await insertTrigger(app(), 'gone-backfill');
      await softDelete(app(), gone);
      await http()
        .post(`${pathOf(gone)}/backfill`)
        .send(body)
        .expect(404);
    });

    it('backfills an inactive trigger', async () => {
      const inactive = await insertTrigger(app(), 'inactive-backfill', { active: false });
      const res = await http()
        .post(`${pathOf(inactive)}/backfill`)
        .send({ from: hoursAgo(2).toISOString(), to: hoursAgo(0).toISOString() })
        .expect(200);
      expect(res.body.runs).toHaveLength(2);
    });
  });

  describe('GET …/runs', () => {
    let listed: TriggerRow;
    beforeAll(async () => {
      listed = await insertTrigger(app(), 'listed', { cron: '0 * * * *' });
      await http()
        .post(`${pathOf(listed)}/backfill`)
        .send({ from: hoursAgo(5).toISOString(), to: hoursAgo(0).toISOString() })
        .expect(200);
      await http()
        .post(`${pathOf(listed)}/fire`)
        .expect(201);
    });

    it('lists newest scheduled first, paged by an opaque token without gaps or repeats', async () => {
      const seen: string[] = [];
      let token: string | null = null;
      let pages = 0;
      do {
        const res: { body: { runs: { scheduledAt: string }[]; token: string | null } } =
          await http()
            .get(`${pathOf(listed)}/runs`)
            .query({ limit: '2', ...(token ? { token } : {}) })
            .expect(200);
        seen.push(...res.body.runs.map((r) => r.scheduledAt));
        token = res.body.token;
        pages++;
        if (pages === 1) {
          // a run added while paging does not disturb the pages still to come
          await http()
            .post(`${pathOf(listed)}/backfill`)
            .send({ from: hoursAgo(7).toISOString(), to: hoursAgo(6).toISOString() })
            .expect(200);
        }
      } while (token);
      expect(seen).toHaveLength(7);
      expect([...seen].sort().reverse()).toEqual(seen);
      expect(new Set(seen).size).toBe(7);
      const all = await http()
        .get(`${pathOf(listed)}/runs`)
        .expect(200);
      expect(all.body.runs[0].source).toBe('MANUAL');
      expect(all.body.token).toBeNull();
    });

    it('rejects a bad limit or a garbage token with 400', async () => {
      for (const query of [
        { limit: '0' },
        { limit: '501' },
        { limit: 'abc' },
        { token: 'garbage!' },
        { token: 'eyJ2IjoxfQ' },
      ]) {
        const res = await http()
          .get(`${pathOf(listed)}/runs`)
          .query(query);
        expect({ query, status: res.status, code: res.body.code }).toEqual({
          query,
          status: 400,
          code: 'VALIDATION_FAILED',
        });
      }
    });

    it("rejects another trigger's token", async () => {
      const first = await http()
        .get(`${pathOf(listed)}/runs`)
        .query({ limit: '1' })
        .expect(200);
      const res = await http()
        .get(`${pathOf(hourly)}/runs`)
        .query({ token: first.body.token })
        .expect(400);
      expect(res.body.details[0].field).toBe('token');
    });

    it('answers 200 for a deleted trigger and 404 for one that never existed', async () => {
      await softDelete(app(), listed);
      const res = await http()
        .get(`${pathOf(listed)}/runs`)
        .expect(200);
      expect(res.body.runs.length).toBeGreaterThan(0);
      const missing = await http().get('/triggers/p/d/task/never/runs').expect(404);
      expect(missing.body.code).toBe('TRIGGER_NOT_FOUND');
    });
  });
});
