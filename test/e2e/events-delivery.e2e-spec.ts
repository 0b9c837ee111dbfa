import { createHash, randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { useTestApp } from '../support/test-app';
import { WebhookReceiver } from '../support/webhook-receiver';

const sha = (key: string): string => createHash('sha256').update(key).digest('hex');
const SIGNING_KEY = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const KEYS = {
  publisherA: 'sdl_publisher-a',
  publisherB: 'sdl_publisher-b',
  publisher: 'sdl_publisher-all',
  writer: 'sdl_writer',
  admin: 'sdl_admin',
  reader: 'sdl_reader',
  worker: 'sdl_worker',
};
const API_KEYS = [
  `pub-a:publisher:${sha(KEYS.publisherA)}:a`,
  `pub-b:publisher:${sha(KEYS.publisherB)}:b`,
  `pub:publisher:${sha(KEYS.publisher)}`,
  `writer:writer:${sha(KEYS.writer)}`,
  `admin:admin:${sha(KEYS.admin)}`,
  `reader:reader:${sha(KEYS.reader)}`,
  `worker:worker:${sha(KEYS.worker)}`,
].join(',');

/** Event runs through webhook delivery, and who may publish (docs/events.md). */
describe('event triggers: webhooks and publisher keys (e2e)', () => {
  const ctx = useTestApp({
    API_KEYS,
    WEBHOOK_DISPATCHER_ENABLED: 'true',
    WEBHOOK_SIGNING_KEYS: `*=${SIGNING_KEY}`,
    WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8',
  });
  let receiver: WebhookReceiver;
  let n = 0;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await receiver.close();
  });

  const as = (key: string) => {
    const auth = `Bearer ${key}`;
    const http = ctx.app().http;
    return {
      get: (url: string) => http().get(url).set('Authorization', auth),
      put: (url: string, body: object) => http().put(url).set('Authorization', auth).send(body),
      publish: (body: unknown) =>
        http()
          .post('/events')
          .set('Authorization', auth)
          .set('Content-Type', 'application/cloudevents+json')
          .send(JSON.stringify(body)),
    };
  };

  async function deploy(project: string, type: string, spec: Record<string, unknown> = {}) {
    const path = `/triggers/${project}/d/ev/t${++n}`;
    const res = await as(KEYS.writer).put(path, {
      spec: { taskVersion: 'v1', ...spec },
      automationSpec: { type: 'EVENT', event: { type, eventInputArg: 'event' } },
    });
    expect(res.status).toBe(201);
    return path;
  }

  const anEvent = (type: string) => ({
    specversion: '1.0',
    id: randomUUID(),
    source: 'src/x',
    type,
    data: { n: ++n },
  });

  async function until(key: string, id: string, states: string[]): Promise<{ state: string }> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const res = await as(key).get(`/runs/${id}`);
      if (states.includes(res.body.state)) return res.body;
      if (Date.now() > deadline) throw new Error(`run ${id} is ${res.body.state}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  it('an event fires a webhook trigger: the receiver gets the run with the event', async () => {
    const type = `com.example.hook.${n}`;
    await deploy('a', type, { delivery: { type: 'WEBHOOK', url: receiver.url('/on-event') } });
    const e = anEvent(type);
    const res = await as(KEYS.publisher).publish(e);
    expect(res.status).toBe(202);
    const [runId] = res.body.accepted[0].runs as string[];
    await until(KEYS.admin, runId, ['SUCCEEDED']);
    const [call] = await receiver.waitForCalls(1);
    expect(call.path).toBe('/on-event');
    const payload = new Webhook(SIGNING_KEY).verify(
      call.body,
      call.headers as Record<string, string>,
    ) as {
      data: { run: { id: string; source: string; event: unknown; inputs: { event: unknown } } };
    };
    expect(payload.data.run).toMatchObject({
      id: runId,
      source: 'EVENT',
      event: { source: 'src/x', id: e.id },
      inputs: { event: e },
    });
  });

  it('a scoped publisher fires only its projects; writers and admins publish too', async () => {
    const type = `com.example.scope.${n}`;
    const inA = await deploy('a', type);
    const inB = await deploy('b', type);
    const count = async (path: string) =>
      ((await as(KEYS.admin).get(`${path}/runs`)).body.runs as unknown[]).length;

    const scoped = await as(KEYS.publisherA).publish(anEvent(type));
    expect(scoped.status).toBe(202);
    expect(scoped.body.accepted[0].runs).toHaveLength(1);
    expect([await count(inA), await count(inB)]).toEqual([1, 0]);

    for (const key of [KEYS.publisher, KEYS.writer, KEYS.admin]) {
      const res = await as(key).publish(anEvent(type));
      expect(res.status).toBe(202);
      expect(res.body.accepted[0].runs).toHaveLength(2);
    }
    expect([await count(inA), await count(inB)]).toEqual([4, 3]);

    // a duplicate answers only the runs of the caller's projects
    const e = anEvent(type);
    const all = await as(KEYS.publisher).publish(e);
    expect(all.body.accepted[0].runs).toHaveLength(2);
    const again = await as(KEYS.publisherA).publish(e);
    expect(again.body.accepted[0]).toMatchObject({ duplicate: true });
    expect(again.body.accepted[0].runs).toHaveLength(1);
    expect(all.body.accepted[0].runs).toContain(again.body.accepted[0].runs[0]);
  });

  it('a key of other projects cannot use up an event: each project is fired once per event', async () => {
    const type = `com.example.tenants.${++n}`;
    const inA = await deploy('a', type);
    const inB = await deploy('b', type);
    const inC = await deploy('c', type);
    const runsIn = async (path: string) =>
      ((await as(KEYS.admin).get(`${path}/runs`)).body.runs as { id: string }[]).map((r) => r.id);
    const e = anEvent(type);

    // A first: only a's trigger; then B's key: b's, not a duplicate for B (it never had it)
    const byA = (await as(KEYS.publisherA).publish(e).expect(202)).body.accepted[0];
    expect(byA).toMatchObject({ duplicate: false });
    expect(byA.runs).toEqual(await runsIn(inA));
    const byB = (await as(KEYS.publisherB).publish(e).expect(202)).body.accepted[0];
    expect(byB).toMatchObject({ duplicate: false });
    expect(byB.runs).toEqual(await runsIn(inB));
    expect(byB.runs).toHaveLength(1);

    // again by A: a duplicate with a's run; then an unscoped key: only c is new
    const againA = (await as(KEYS.publisherA).publish(e).expect(202)).body.accepted[0];
    expect(againA).toMatchObject({ duplicate: true, runs: byA.runs });
    const byAll = (await as(KEYS.publisher).publish(e).expect(202)).body.accepted[0];
    expect(byAll).toMatchObject({ duplicate: false });
    expect([await runsIn(inA), await runsIn(inB), (await runsIn(inC)).length]).toEqual([
      byA.runs,
      byB.runs,
      1,
    ]);
    expect([...byAll.runs].sort()).toEqual(
      [...byA.runs, ...byB.runs, ...(await runsIn(inC))].sort(),
    );
    // now every project has it: B again is a duplicate, and nothing is created anywhere
    const againB = (await as(KEYS.publisherB).publish(e).expect(202)).body.accepted[0];
    expect(againB).toMatchObject({ duplicate: true, runs: byB.runs });
    for (const path of [inA, inB, inC]) expect(await runsIn(path)).toHaveLength(1);
  });

  it('concurrent publishes of one event by keys of different projects fire each trigger once', async () => {
    const type = `com.example.race.${++n}`;
    const paths = [await deploy('a', type), await deploy('b', type), await deploy('c', type)];
    const e = anEvent(type);
    const keys = [KEYS.publisherA, KEYS.publisherB, KEYS.publisher];
    const answers = await Promise.all(
      Array.from({ length: 15 }, (_, i) => as(keys[i % 3]).publish(e)),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(15).fill(202));
    for (const path of paths) {
      const runs = (await as(KEYS.admin).get(`${path}/runs`)).body.runs as unknown[];
      expect(runs).toHaveLength(1);
    }
  });

  it('readers and workers may not publish; a publisher may read but not deploy or lease', async () => {
    for (const key of [KEYS.reader, KEYS.worker]) {
      const res = await as(key).publish(anEvent('com.example.denied'));
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('FORBIDDEN');
    }
    const noKey = await ctx
      .app()
      .http()
      .post('/events')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(anEvent('x')));
    expect(noKey.status).toBe(401);
    expect((await as(KEYS.publisherA).get('/triggers')).status).toBe(200);
    const deploy = await as(KEYS.publisherA).put('/triggers/a/d/ev/nope', {
      spec: { taskVersion: 'v1' },
      automationSpec: { type: 'NONE' },
    });
    expect(deploy.status).toBe(403);
    const leaseRes = await ctx
      .app()
      .http()
      .post('/queues/default/lease')
      .set('Authorization', `Bearer ${KEYS.publisher}`)
      .send({ workerId: 'w' });
    expect(leaseRes.status).toBe(403);
  });

  it('npm run apikey -- --role publisher makes a publisher key', () => {
    const out = execFileSync(
      process.execPath,
      [
        join(__dirname, '../../scripts/apikey.js'),
        '--name',
        'ingest',
        '--role',
        'publisher',
        '--projects',
        'a',
      ],
      { encoding: 'utf8' },
    );
    expect(out).toMatch(/ingest:publisher:[0-9a-f]{64}:a/);
  });
});
