import { BACKFILL_PAYLOAD_BUDGET } from '../../src/runs/runs.types';
import { useTestApp } from '../support/test-app';
import { insertTrigger, pathOf, runsOf } from '../support/trigger-rows';

/** 20 labels of 1 KiB: a 20 KiB runSpec, copied into every run. */
const LARGE_RUN_SPEC = {
  labels: Object.fromEntries(
    Array.from({ length: 20 }, (_, i) => [`label-${i}`, 'x'.repeat(1024)]),
  ),
};

describe('backfill answers stay bounded however large the copied payloads (e2e)', () => {
  const ctx = useTestApp();
  const http = () => ctx.app().http();
  const app = () => ctx.app().app;

  const window = () => {
    const to = new Date(Math.floor(Date.now() / 1000) * 1000 - 5000);
    return { from: new Date(to.getTime() - 1000_000).toISOString(), to: to.toISOString() };
  };

  it('1,000 slots with a 20 KiB runSpec: runs without inputs/runSpec, payloadsOmitted, 200', async () => {
    const big = await insertTrigger(app(), 'big-run-spec', {
      cron: '* * * * * *',
      kickoffTimeInputArg: 'at',
      inputs: { region: 'eu' },
      runSpec: LARGE_RUN_SPEC,
    });
    const body = window();

    const dry = await http()
      .post(`${pathOf(big)}/backfill`)
      .send({ ...body, dryRun: true })
      .expect(200);
    expect(dry.body.payloadsOmitted).toBe(true);
    expect(dry.body.runs).toHaveLength(1000);
    expect(dry.text.length).toBeLessThan(BACKFILL_PAYLOAD_BUDGET);
    expect(dry.body.runs[0]).not.toHaveProperty('inputs');
    expect(dry.body.runs[0]).not.toHaveProperty('runSpec');
    expect(dry.body.runs[0]).toMatchObject({ source: 'BACKFILL', createdAt: null });
    expect(await runsOf(app(), big)).toHaveLength(0);

    const res = await http()
      .post(`${pathOf(big)}/backfill`)
      .send(body)
      .expect(200);
    expect(res.body.payloadsOmitted).toBe(true);
    expect(res.body.skipped).toEqual([]);
    expect(res.body.runs).toHaveLength(1000);
    expect(res.text.length).toBeLessThan(BACKFILL_PAYLOAD_BUDGET);
    for (const run of res.body.runs) {
      expect(run).not.toHaveProperty('inputs');
      expect(run).not.toHaveProperty('runSpec');
      expect(run.createdAt).toEqual(expect.any(String));
    }
    // the names the dry run announced are the runs created
    expect(res.body.runs.map((r: { name: string }) => r.name)).toEqual(
      dry.body.runs.map((r: { name: string }) => r.name),
    );

    // every run got its payloads; the run list (paged) answers them
    const stored = await runsOf(app(), big);
    expect(stored).toHaveLength(1000);
    expect(stored[0].inputs).toEqual({ region: 'eu', at: stored[0].scheduledAt.toISOString() });
    const page = await http()
      .get(`${pathOf(big)}/runs?limit=2`)
      .expect(200);
    expect(page.body.runs[0].runSpec).toEqual(LARGE_RUN_SPEC);

    // a repeat skips every slot, by name only, and the process is still ready
    const again = await http()
      .post(`${pathOf(big)}/backfill`)
      .send(body)
      .expect(200);
    expect(again.body).toMatchObject({ runs: [], payloadsOmitted: false });
    expect(again.body.skipped).toHaveLength(1000);
    await http().get('/health/ready').expect(200);
  });

  it('small payloads are answered in full (payloadsOmitted false), dry run and real alike', async () => {
    const small = await insertTrigger(app(), 'small-run-spec', {
      cron: '* * * * * *',
      kickoffTimeInputArg: 'at',
      inputs: { region: 'eu' },
      runSpec: { envs: { A: '1' } },
    });
    const body = window();
    const dry = await http()
      .post(`${pathOf(small)}/backfill`)
      .send({ ...body, dryRun: true })
      .expect(200);
    const res = await http()
      .post(`${pathOf(small)}/backfill`)
      .send(body)
      .expect(200);
    for (const answer of [dry.body, res.body]) {
      expect(answer.payloadsOmitted).toBe(false);
      expect(answer.runs).toHaveLength(1000);
      for (const run of answer.runs) {
        expect(run.inputs).toEqual({ region: 'eu', at: run.scheduledAt });
        expect(run.runSpec).toEqual({ envs: { A: '1' } });
      }
    }
  });
});
