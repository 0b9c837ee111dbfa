import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { RUNS_CHANNEL } from '../../src/runs/lease/run-signals';
import { useTestApp } from '../support/test-app';
import { lease } from '../support/workers';

/** The trigger's overlap policy applies to EVENT runs (docs/events.md, docs/policies.md). */
describe('event triggers with an overlap policy (e2e)', () => {
  const ctx = useTestApp();
  const http = () => ctx.app().http();
  let n = 0;

  async function deploy(type: string, policies: Record<string, unknown>): Promise<string> {
    const path = `/triggers/p/d/evo/t${++n}`;
    await http()
      .put(path)
      .send({
        spec: { taskVersion: 'v1', delivery: { type: 'QUEUE', queue: `evo-${n}` } },
        automationSpec: { type: 'EVENT', event: { type }, policies },
      })
      .expect(201);
    return path;
  }

  async function publish(type: string): Promise<string> {
    const res = await http()
      .post('/events')
      .set('Content-Type', 'application/cloudevents+json')
      .send(JSON.stringify({ specversion: '1.0', id: randomUUID(), source: 'src/o', type }))
      .expect(202);
    const [runId] = (res.body as { accepted: { runs: string[] }[] }).accepted[0].runs;
    return runId;
  }

  const run = async (id: string) => (await http().get(`/runs/${id}`).expect(200)).body;

  it('SKIP: an event while the previous run is active makes a SKIPPED run (OVERLAP)', async () => {
    const type = `com.example.skip.${randomUUID().slice(0, 8)}`;
    await deploy(type, { overlapPolicy: 'SKIP' });
    const first = await publish(type);
    const [held] = await lease(http, `evo-${n}`);
    expect(held.run.id).toBe(first);
    const second = await publish(type);
    expect(await run(second)).toMatchObject({ state: 'SKIPPED', skipReason: 'OVERLAP' });
    await http().post(`/runs/${first}/complete`).send({ leaseToken: held.leaseToken }).expect(200);
    const third = await publish(type);
    expect(await run(third)).toMatchObject({ state: 'PENDING' });
  });

  it('BUFFER_ONE: one event waits BUFFERED and starts when the active run ends', async () => {
    const type = `com.example.buf.${randomUUID().slice(0, 8)}`;
    await deploy(type, { overlapPolicy: 'BUFFER_ONE' });
    const first = await publish(type);
    const [held] = await lease(http, `evo-${n}`);
    const second = await publish(type);
    const third = await publish(type);
    expect((await run(second)).state).toBe('BUFFERED');
    expect(await run(third)).toMatchObject({ state: 'SKIPPED', skipReason: 'BUFFER_FULL' });
    await http().post(`/runs/${first}/complete`).send({ leaseToken: held.leaseToken }).expect(200);
    expect((await run(second)).state).toBe('PENDING');
  });

  it('10 different events at once with SKIP start exactly one run', async () => {
    const type = `com.example.race.${randomUUID().slice(0, 8)}`;
    await deploy(type, { overlapPolicy: 'SKIP' });
    const ids = await Promise.all(Array.from({ length: 10 }, () => publish(type)));
    const states = await Promise.all(ids.map(async (id) => (await run(id)).state as string));
    expect(states.filter((s) => s === 'PENDING')).toHaveLength(1);
    expect(states.filter((s) => s === 'SKIPPED')).toHaveLength(9);
  });

  it('a batch mixing policed and policy-free matches: every run, answered in order, once', async () => {
    const plain = `com.example.plain.${randomUUID().slice(0, 8)}`;
    const both = `com.example.both.${randomUUID().slice(0, 8)}`;
    await deploy(plain, {});
    await deploy(both, { overlapPolicy: 'SKIP' });
    const skip = n;
    await deploy(both, {});
    const batch = [plain, both, plain, both].map((type) => ({
      specversion: '1.0',
      id: randomUUID(),
      source: 'src/o',
      type,
    }));
    const send = async () =>
      (
        await http()
          .post('/events')
          .set('Content-Type', 'application/cloudevents-batch+json')
          .send(JSON.stringify(batch))
          .expect(202)
      ).body as { accepted: { id: string; runs: string[]; duplicate: boolean }[] };
    const first = await send();
    expect(first.accepted.map((a) => a.id)).toEqual(batch.map((e) => e.id));
    expect(first.accepted.map((a) => a.runs.length)).toEqual([1, 2, 1, 2]);
    expect(first.accepted.every((a) => !a.duplicate)).toBe(true);
    const states = await Promise.all(
      first.accepted
        .flatMap((a) => a.runs)
        .map(async (id) => {
          const r = (await run(id)) as { state: string; queue: string };
          return `${r.queue}:${r.state}`;
        }),
    );
    // the SKIP trigger: the first event's run starts, the second's is skipped (still active)
    expect(states.filter((s) => s.startsWith(`evo-${skip}:`)).sort()).toEqual([
      `evo-${skip}:PENDING`,
      `evo-${skip}:SKIPPED`,
    ]);
    expect(
      states.filter((s) => !s.startsWith(`evo-${skip}:`) && s.endsWith(':PENDING')),
    ).toHaveLength(4);
    const again = await send();
    expect(again.accepted.every((a) => a.duplicate)).toBe(true);
    expect(again.accepted.map((a) => [...a.runs].sort())).toEqual(
      first.accepted.map((a) => [...a.runs].sort()),
    );
  });

  it('10 concurrent publishes of one event with SKIP: one run per trigger, the same answer', async () => {
    const type = `com.example.once.${randomUUID().slice(0, 8)}`;
    await deploy(type, { overlapPolicy: 'SKIP' });
    await deploy(type, {});
    const body = JSON.stringify({ specversion: '1.0', id: randomUUID(), source: 'src/o', type });
    const answers = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const res = await http()
          .post('/events')
          .set('Content-Type', 'application/cloudevents+json')
          .send(body)
          .expect(202);
        return (res.body as { accepted: { runs: string[]; duplicate: boolean }[] }).accepted[0];
      }),
    );
    expect(answers.filter((a) => !a.duplicate)).toHaveLength(1);
    const runs = [...answers[0].runs].sort();
    expect(runs).toHaveLength(2);
    for (const a of answers) expect([...a.runs].sort()).toEqual(runs);
    const states = await Promise.all(runs.map(async (id) => (await run(id)).state as string));
    expect(states).toEqual(['PENDING', 'PENDING']);
  });

  it('other replicas hear of a PENDING event run (PostgreSQL: NOTIFY with its queue)', async () => {
    const url = ctx.db().url;
    if (!url) return; // the embedded database: one process, woken in process
    const listener = new Client({ connectionString: url });
    await listener.connect();
    try {
      const heard = new Set<string>();
      listener.on('notification', (m) => {
        if (m.channel === RUNS_CHANNEL && m.payload) heard.add(m.payload);
      });
      await listener.query(`LISTEN ${RUNS_CHANNEL}`);
      const hears = async (queue: string) => {
        for (let i = 0; i < 100 && !heard.has(queue); i++)
          await new Promise((r) => setTimeout(r, 20));
        return heard.has(queue);
      };
      const plain = `com.example.heard.${randomUUID().slice(0, 8)}`;
      await deploy(plain, {});
      await publish(plain);
      expect(await hears(`evo-${n}`)).toBe(true);
      const policed = `com.example.heard.${randomUUID().slice(0, 8)}`;
      await deploy(policed, { overlapPolicy: 'SKIP' });
      await publish(policed);
      expect(await hears(`evo-${n}`)).toBe(true);
    } finally {
      await listener.end();
    }
  });
});
