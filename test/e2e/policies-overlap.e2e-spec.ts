import { useTestApp } from '../support/test-app';
import { sleep } from '../support/trigger-rows';
import { lease, type Http } from '../support/workers';

interface Run {
  id: string;
  state: string;
  skipReason: string | null;
  scheduledAt: string;
  cancelRequested: boolean;
}

/** Deploys a NONE trigger (manual runs) on its own queue with the given policies. */
async function deploy(
  http: Http,
  name: string,
  policies: Record<string, unknown>,
  spec: Record<string, unknown> = {},
  status = 201,
): Promise<string> {
  const path = `/triggers/p/d/task/${name}`;
  await http()
    .put(path)
    .send({
      spec: { taskVersion: 'v1', delivery: { type: 'QUEUE', queue: name }, ...spec },
      automationSpec: { type: 'NONE', policies },
    })
    .expect(status);
  return path;
}

async function fireRun(http: Http, path: string, body: object = {}): Promise<Run> {
  return (await http().post(`${path}/fire`).send(body).expect(201)).body as Run;
}

async function getRun(http: Http, id: string): Promise<Run> {
  return (await http().get(`/runs/${id}`).expect(200)).body as Run;
}

async function waitForState(http: Http, id: string, state: string): Promise<Run> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const run = await getRun(http, id);
    if (run.state === state) return run;
    if (Date.now() > deadline) throw new Error(`run ${id} is ${run.state}, not ${state}`);
    await sleep(50);
  }
}

async function skippedMetric(http: Http, reason: string): Promise<number> {
  const text = (await http().get('/metrics').expect(200)).text;
  const m = new RegExp(`^sundial_slots_skipped_total\\{reason="${reason}"\\} (\\d+)`, 'm').exec(
    text,
  );
  return m ? Number(m[1]) : 0;
}

describe('overlap policies with a worker holding a run (e2e)', () => {
  const ctx = useTestApp({ RUNS_SWEEP_INTERVAL: '100ms' });
  const http = () => ctx.app().http();

  it('SKIP records the overlapping runs SKIPPED (OVERLAP) and counts them; room again after', async () => {
    const path = await deploy(http, 'ov-skip', { overlapPolicy: 'SKIP' });
    const shown = (await http().get(path).expect(200)).body;
    expect(shown.automationSpec).toEqual({ type: 'NONE', policies: { overlapPolicy: 'SKIP' } });
    const before = await skippedMetric(http, 'OVERLAP');
    const first = await fireRun(http, path);
    expect(first.state).toBe('PENDING');
    const [held] = await lease(http, 'ov-skip', { leaseDuration: '60s' });
    expect(held.run.id).toBe(first.id);
    const second = await fireRun(http, path);
    const third = await fireRun(http, path);
    expect([second.state, second.skipReason]).toEqual(['SKIPPED', 'OVERLAP']);
    expect([third.state, third.skipReason]).toEqual(['SKIPPED', 'OVERLAP']);
    expect(await skippedMetric(http, 'OVERLAP')).toBe(before + 2);
    await http()
      .post(`/runs/${first.id}/complete`)
      .send({ leaseToken: held.leaseToken })
      .expect(200);
    expect((await fireRun(http, path)).state).toBe('PENDING');
  });

  it('BUFFER_ONE buffers one, skips the rest (BUFFER_FULL), and promotes it when the held run completes', async () => {
    const path = await deploy(http, 'ov-one', { overlapPolicy: 'BUFFER_ONE' });
    const first = await fireRun(http, path);
    const [held] = await lease(http, 'ov-one', { leaseDuration: '60s' });
    const buffered = await fireRun(http, path);
    const full = await fireRun(http, path);
    expect(buffered.state).toBe('BUFFERED');
    expect([full.state, full.skipReason]).toEqual(['SKIPPED', 'BUFFER_FULL']);
    expect(await lease(http, 'ov-one')).toEqual([]); // a BUFFERED run is not handed out
    await http()
      .post(`/runs/${first.id}/complete`)
      .send({ leaseToken: held.leaseToken })
      .expect(200);
    expect((await getRun(http, buffered.id)).state).toBe('PENDING');
    const [next] = await lease(http, 'ov-one');
    expect(next.run.id).toBe(buffered.id);
  });

  it('BUFFER_ALL buffers every run and promotes them one at a time, oldest slot first (fail, cancel, complete)', async () => {
    const path = await deploy(
      http,
      'ov-all',
      { overlapPolicy: 'BUFFER_ALL' },
      { retryConfig: { retryCount: 0 } },
    );
    const first = await fireRun(http, path);
    let [held] = await lease(http, 'ov-all', { leaseDuration: '60s' });
    const waiting: Run[] = [];
    for (let i = 0; i < 3; i++) waiting.push(await fireRun(http, path));
    expect(waiting.map((r) => r.state)).toEqual(['BUFFERED', 'BUFFERED', 'BUFFERED']);
    // a failed run promotes the oldest buffered one
    await http()
      .post(`/runs/${first.id}/fail`)
      .send({ leaseToken: held.leaseToken, error: { message: 'boom' } })
      .expect(200);
    expect((await Promise.all(waiting.map((r) => getRun(http, r.id)))).map((r) => r.state)).toEqual(
      ['PENDING', 'BUFFERED', 'BUFFERED'],
    );
    // a cancelled one too
    await http().post(`/runs/${waiting[0].id}/cancel`).send({}).expect(200);
    expect((await getRun(http, waiting[1].id)).state).toBe('PENDING');
    expect((await getRun(http, waiting[2].id)).state).toBe('BUFFERED');
    [held] = await lease(http, 'ov-all', { leaseDuration: '60s' });
    expect(held.run.id).toBe(waiting[1].id);
    await http()
      .post(`/runs/${waiting[1].id}/complete`)
      .send({ leaseToken: held.leaseToken })
      .expect(200);
    expect((await getRun(http, waiting[2].id)).state).toBe('PENDING');
    const order = [waiting[0], waiting[1], waiting[2]].map((r) => Date.parse(r.scheduledAt));
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('a run BUFFERED under an earlier policy is still promoted after the policy is removed', async () => {
    const path = await deploy(http, 'ov-changed', { overlapPolicy: 'BUFFER_ONE' });
    const first = await fireRun(http, path);
    const [held] = await lease(http, 'ov-changed', { leaseDuration: '60s' });
    const buffered = await fireRun(http, path);
    expect(buffered.state).toBe('BUFFERED');
    await deploy(http, 'ov-changed', {}, {}, 200); // ALLOW_ALL from now on
    await http()
      .post(`/runs/${first.id}/complete`)
      .send({ leaseToken: held.leaseToken })
      .expect(200);
    expect((await getRun(http, buffered.id)).state).toBe('PENDING');
  });

  it('a lease that expires promotes the buffered run', async () => {
    const path = await deploy(
      http,
      'ov-expiry',
      { overlapPolicy: 'BUFFER_ONE' },
      { retryConfig: { retryCount: 0 } },
    );
    const first = await fireRun(http, path);
    await lease(http, 'ov-expiry', { leaseDuration: '1s' });
    const buffered = await fireRun(http, path);
    expect(buffered.state).toBe('BUFFERED');
    await waitForState(http, first.id, 'FAILED');
    await waitForState(http, buffered.id, 'PENDING');
  });

  it('CANCEL_OTHER requests the cancel of the running run, cancels waiting ones, and starts after', async () => {
    const path = await deploy(http, 'ov-cancel', { overlapPolicy: 'CANCEL_OTHER' });
    const first = await fireRun(http, path);
    const [held] = await lease(http, 'ov-cancel', { leaseDuration: '60s' });
    const second = await fireRun(http, path);
    expect(second.state).toBe('BUFFERED');
    expect((await getRun(http, first.id)).cancelRequested).toBe(true);
    const beat = await http()
      .post(`/runs/${first.id}/heartbeat`)
      .send({ leaseToken: held.leaseToken })
      .expect(200);
    expect(beat.body.cancelRequested).toBe(true);
    const third = await fireRun(http, path);
    expect(third.state).toBe('BUFFERED');
    const cancelled = await getRun(http, second.id);
    expect(cancelled.state).toBe('CANCELLED');
    // the worker stops: its run is CANCELLED, and the newest run starts
    await http()
      .post(`/runs/${first.id}/fail`)
      .send({ leaseToken: held.leaseToken, error: { message: 'stopped' } })
      .expect(200);
    expect((await getRun(http, first.id)).state).toBe('CANCELLED');
    expect((await getRun(http, third.id)).state).toBe('PENDING');
    // with nothing running, a new run cancels the pending one and is PENDING at once
    const fourth = await fireRun(http, path);
    expect(fourth.state).toBe('PENDING');
    expect((await getRun(http, third.id)).state).toBe('CANCELLED');
  });

  it("manual fire's overlapPolicy overrides the trigger's; a bad one is a 400 naming the field", async () => {
    const path = await deploy(http, 'ov-override', {});
    await fireRun(http, path);
    expect((await fireRun(http, path)).state).toBe('PENDING'); // ALLOW_ALL
    const skipped = await fireRun(http, path, { overlapPolicy: 'SKIP' });
    expect([skipped.state, skipped.skipReason]).toEqual(['SKIPPED', 'OVERLAP']);
    const bad = await http().post(`${path}/fire`).send({ overlapPolicy: 'NOPE' }).expect(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect(bad.body.details.map((d: { field: string }) => d.field)).toEqual(['overlapPolicy']);
  });

  it('backfill takes overlapPolicy (default ALLOW_ALL); its SKIPPED runs keep their slots', async () => {
    const path = '/triggers/p/d/task/ov-backfill';
    await http()
      .put(path)
      .send({
        spec: { taskVersion: 'v1', active: false, delivery: { type: 'QUEUE', queue: 'ov-bf' } },
        automationSpec: {
          type: 'SCHEDULE',
          schedule: { cron: { expression: '0 * * * *' } },
          policies: { overlapPolicy: 'SKIP' },
        },
      })
      .expect(201);
    const range = { from: '2026-01-01T00:00:00Z', to: '2026-01-01T03:00:00Z' };
    const made = await http()
      .post(`${path}/backfill`)
      .send({ ...range, overlapPolicy: 'SKIP' })
      .expect(200);
    expect(made.body.runs.map((r: Run) => [r.state, r.skipReason])).toEqual([
      ['PENDING', null],
      ['SKIPPED', 'OVERLAP'],
      ['SKIPPED', 'OVERLAP'],
    ]);
    const again = await http().post(`${path}/backfill`).send(range).expect(200);
    expect(again.body.runs).toEqual([]);
    expect(again.body.skipped).toHaveLength(3);
    const plain = await http()
      .post(`${path}/backfill`)
      .send({ from: '2026-01-02T00:00:00Z', to: '2026-01-02T02:00:00Z' })
      .expect(200);
    expect(plain.body.runs.map((r: Run) => r.state)).toEqual(['PENDING', 'PENDING']);
  });

  it('validates the policies, naming the field', async () => {
    const bad = async (policies: Record<string, unknown>, field: string, code: string) => {
      const res = await http()
        .put('/triggers/p/d/task/ov-bad')
        .send({
          spec: { taskVersion: 'v1' },
          automationSpec: {
            type: 'SCHEDULE',
            schedule: { cron: { expression: '*/10 * * * * *' } },
            policies,
          },
        });
      expect([res.status, res.body.code]).toEqual([400, code]);
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
    };
    await bad(
      { overlapPolicy: 'SOMETIMES' },
      'automationSpec.policies.overlapPolicy',
      'VALIDATION_FAILED',
    );
    await bad(
      { maxConcurrentRuns: 0 },
      'automationSpec.policies.maxConcurrentRuns',
      'VALIDATION_FAILED',
    );
    await bad({ misfirePolicy: 'x' }, 'automationSpec.policies.misfirePolicy', 'VALIDATION_FAILED');
    await bad(
      { catchupWindow: 'soon' },
      'automationSpec.policies.catchupWindow',
      'VALIDATION_FAILED',
    );
    await bad({ maxRuns: 0 }, 'automationSpec.policies.maxRuns', 'VALIDATION_FAILED');
    await bad(
      { pauseOnFailure: 'yes' },
      'automationSpec.policies.pauseOnFailure',
      'VALIDATION_FAILED',
    );
    await bad(
      { activeFrom: 'tomorrow' },
      'automationSpec.policies.activeFrom',
      'VALIDATION_FAILED',
    );
    await bad({ surprise: 1 }, 'automationSpec.policies.surprise', 'VALIDATION_FAILED');
    await bad({ jitter: '10s' }, 'automationSpec.policies.jitter', 'INVALID_SCHEDULE');
    await bad(
      { activeFrom: '2030-01-02T00:00:00Z', activeUntil: '2030-01-01T00:00:00Z' },
      'automationSpec.policies.activeUntil',
      'INVALID_SCHEDULE',
    );
  });
});
