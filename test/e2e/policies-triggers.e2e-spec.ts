import { cli, listenOnRandomPort } from '../support/cli';
import { useTestApp } from '../support/test-app';
import { lease } from '../support/workers';

const name = (n: string) => ({ project: 'p', domain: 'd', taskName: 'task', name: n });
const path = (n: string) => `/triggers/p/d/task/${n}`;

describe('trigger policies without the scheduler (e2e)', () => {
  const ctx = useTestApp();
  const http = () => ctx.app().http();
  let url: string;
  beforeAll(async () => {
    url = await listenOnRandomPort(ctx.app().app);
  });

  function deploy(n: string, automationSpec: object, spec: object = {}) {
    return http()
      .put(path(n))
      .send({ spec: { taskVersion: 'v1', ...spec }, automationSpec });
  }

  it('keeps the note of activate and deactivate on the revision and in status.note, until the next activation change', async () => {
    await deploy('noted', {
      type: 'SCHEDULE',
      schedule: { cron: { expression: '0 9 * * *' } },
    }).expect(201);
    await http()
      .post('/triggers/deactivate')
      .send({ names: [name('noted')], note: 'paused for the migration (ops-42)' })
      .expect(200);
    const off = (await http().get(path('noted')).expect(200)).body;
    expect(off.status.note).toBe('paused for the migration (ops-42)');
    const rev = (
      await http()
        .get(`${path('noted')}/revisions/2`)
        .expect(200)
    ).body;
    expect([rev.action, rev.note, rev.status.note]).toEqual([
      'DEACTIVATE',
      'paused for the migration (ops-42)',
      'paused for the migration (ops-42)',
    ]);
    // a deploy that keeps the activation keeps the note; an activation without one clears it
    await deploy(
      'noted',
      { type: 'SCHEDULE', schedule: { cron: { expression: '0 9 * * *' } } },
      { active: false, description: 'x' },
    ).expect(200);
    expect((await http().get(path('noted')).expect(200)).body.status.note).toBe(
      'paused for the migration (ops-42)',
    );
    await http()
      .post('/triggers/activate')
      .send({ names: [name('noted')] })
      .expect(200);
    const on = (await http().get(path('noted')).expect(200)).body;
    expect(on.status.note).toBeUndefined();
    const list = (
      await http()
        .get(`${path('noted')}/revisions`)
        .expect(200)
    ).body;
    expect(list.revisions.map((r: { note: string | null }) => r.note)).toEqual([
      null,
      null,
      'paused for the migration (ops-42)',
      null,
    ]);
    const long = await http()
      .post('/triggers/activate')
      .send({ names: [name('noted')], note: 'x'.repeat(1001) })
      .expect(400);
    expect(long.body.details.map((d: { field: string }) => d.field)).toEqual(['note']);
  });

  it('the CLI sends --note with deactivate and activate', async () => {
    await deploy('cli-noted', { type: 'NONE' }).expect(201);
    const off = await cli(['--url', url, 'deactivate', 'p/d/task/cli-noted', '--note', 'by cli']);
    expect([off.code, off.stderr]).toEqual([0, '']);
    expect((await http().get(path('cli-noted')).expect(200)).body.status.note).toBe('by cli');
    const on = await cli(['--url', url, 'activate', 'p/d/task/cli-noted', '--note', 'back']);
    expect([on.code, on.stderr]).toEqual([0, '']);
    const shown = (await http().get(path('cli-noted')).expect(200)).body;
    expect([shown.spec.active, shown.status.note]).toEqual([true, 'back']);
  });

  it('pauseOnFailure: a FAILED run deactivates its trigger, by sundial, the note naming the run and its error', async () => {
    await deploy(
      'pausing',
      { type: 'NONE', policies: { pauseOnFailure: true } },
      { delivery: { type: 'QUEUE', queue: 'pausing' }, retryConfig: { retryCount: 0 } },
    ).expect(201);
    const run = (
      await http()
        .post(`${path('pausing')}/fire`)
        .expect(201)
    ).body;
    const [held] = await lease(http, 'pausing');
    await http()
      .post(`/runs/${run.id}/fail`)
      .send({ leaseToken: held.leaseToken, error: { message: 'disk full', type: 'IO' } })
      .expect(200);
    const after = (await http().get(path('pausing')).expect(200)).body;
    expect(after.spec.active).toBe(false);
    expect(after.metadata.updatedBy).toBe('sundial');
    expect(after.status.note).toContain(run.id);
    expect(after.status.note).toContain('disk full');
    const rev = (
      await http()
        .get(`${path('pausing')}/revisions/2`)
        .expect(200)
    ).body;
    expect([rev.action, rev.note]).toEqual(['DEACTIVATE', after.status.note]);

    // without pauseOnFailure a failure changes nothing
    await deploy(
      'not-pausing',
      { type: 'NONE' },
      { delivery: { type: 'QUEUE', queue: 'not-pausing' }, retryConfig: { retryCount: 0 } },
    ).expect(201);
    const other = (
      await http()
        .post(`${path('not-pausing')}/fire`)
        .expect(201)
    ).body;
    const [h2] = await lease(http, 'not-pausing');
    await http()
      .post(`/runs/${other.id}/fail`)
      .send({ leaseToken: h2.leaseToken, error: { message: 'x' } })
      .expect(200);
    expect((await http().get(path('not-pausing')).expect(200)).body.spec.active).toBe(true);
  });

  it('a one-time schedule: schedule.at in the future, shown and previewed; one in the past is INVALID_SCHEDULE', async () => {
    const at = new Date(Date.now() + 3_600_000).toISOString();
    await deploy('once', { type: 'SCHEDULE', schedule: { at } }).expect(201);
    const shown = (await http().get(path('once')).expect(200)).body;
    expect(shown.automationSpec.schedule).toEqual({ at });
    expect(shown.status.nextFireAt).toBe(at);
    const preview = (
      await http()
        .get(`${path('once')}/preview`)
        .expect(200)
    ).body;
    expect(preview.fireTimes.map((f: { at: string }) => f.at)).toEqual([at]);

    const past = await deploy('once-past', {
      type: 'SCHEDULE',
      schedule: { at: '2020-01-01T00:00:00Z' },
    }).expect(400);
    expect([past.body.code, past.body.details[0].field]).toEqual([
      'INVALID_SCHEDULE',
      'automationSpec.schedule.at',
    ]);
    const both = await deploy('once-both', {
      type: 'SCHEDULE',
      schedule: { at, cron: { expression: '0 9 * * *' } },
    }).expect(400);
    expect(both.body.code).toBe('VALIDATION_FAILED');
    const malformed = await deploy('once-bad', { type: 'SCHEDULE', schedule: { at: 'soon' } });
    expect([malformed.status, malformed.body.details[0].field]).toEqual([
      400,
      'automationSpec.schedule.at',
    ]);
  });

  it('an active window: no slots outside it; nextFireAt null after activeUntil', async () => {
    const spec = (activeFrom: string, activeUntil: string) => ({
      type: 'SCHEDULE',
      schedule: { cron: { expression: '0 * * * *' } },
      policies: { activeFrom, activeUntil },
    });
    const res = await http()
      .post('/schedules/preview')
      .send({
        automationSpec: spec('2030-01-01T10:00:00Z', '2030-01-01T13:00:00Z'),
        from: '2030-01-01T00:00:00Z',
      })
      .expect(200);
    expect(res.body.fireTimes.map((f: { at: string }) => f.at)).toEqual([
      '2030-01-01T10:00:00.000Z',
      '2030-01-01T11:00:00.000Z',
      '2030-01-01T12:00:00.000Z',
    ]);
    await deploy('windowed-past', spec('2020-01-01T00:00:00Z', '2020-02-01T00:00:00Z')).expect(201);
    expect((await http().get(path('windowed-past')).expect(200)).body.status.nextFireAt).toBeNull();
  });

  it('jitter: the preview shows notBefore in [at, at + jitter), the same on every call; too large is INVALID_SCHEDULE', async () => {
    const spec = {
      type: 'SCHEDULE',
      schedule: { cron: { expression: '*/10 * * * * *' } },
      policies: { jitter: '5s' },
    };
    const body = { automationSpec: spec, from: '2030-01-01T00:00:00Z', count: 20 };
    const one = (await http().post('/schedules/preview').send(body).expect(200)).body;
    const two = (await http().post('/schedules/preview').send(body).expect(200)).body;
    expect(two).toEqual(one);
    const offsets = one.fireTimes.map(
      (f: { at: string; notBefore: string }) => Date.parse(f.notBefore) - Date.parse(f.at),
    );
    for (const o of offsets) expect(o >= 0 && o < 5000).toBe(true);
    expect(new Set(offsets).size).toBeGreaterThan(10);
    const big = await http()
      .post('/schedules/preview')
      .send({ ...body, automationSpec: { ...spec, policies: { jitter: '10s' } } })
      .expect(400);
    expect([big.body.code, big.body.details[0].field]).toEqual([
      'INVALID_SCHEDULE',
      'automationSpec.policies.jitter',
    ]);
  });

  it('maxRuns starts status.remainingRuns; every policy is shown as deployed', async () => {
    const policies = {
      overlapPolicy: 'BUFFER_ALL',
      maxConcurrentRuns: 2,
      catchupWindow: '10m',
      misfirePolicy: 'FIRE_LATEST',
      jitter: '30s',
      activeFrom: '2026-01-01T00:00:00Z',
      activeUntil: '2036-01-01T00:00:00Z',
      maxRuns: 5,
      pauseOnFailure: true,
    };
    await deploy('limited', {
      type: 'SCHEDULE',
      schedule: { cron: { expression: '0 9 * * *' } },
      policies,
    }).expect(201);
    const shown = (await http().get(path('limited')).expect(200)).body;
    expect(shown.automationSpec.policies).toEqual(policies);
    expect(shown.status.remainingRuns).toBe(5);
  });
});
