import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { MAX_BATCH_EVENTS, MAX_EVENT_BYTES } from '../../src/events/cloud-event';
import { matchProbes } from '../../src/events/event-key';
import { matchLookup } from '../../src/events/events.repository';
import { useTestApp } from '../support/test-app';

/**
 * The bounds of POST /events pinned at their edges, the mode the binding picks, the index the
 * matching uses and the Swagger document of the route (docs/events.md).
 */
describe('event triggers: bounds, modes, index and docs (e2e)', () => {
  const ctx = useTestApp();
  const http = () => ctx.app().http();
  const BATCH = 'application/cloudevents-batch+json';
  let n = 0;
  const aType = () => `com.example.limits${++n}.${randomUUID().slice(0, 8)}`;

  async function deploy(type: string): Promise<string> {
    const path = `/triggers/p/d/limits/t${++n}`;
    const res = await http()
      .put(path)
      .send({ spec: { taskVersion: 'v1' }, automationSpec: { type: 'EVENT', event: { type } } });
    expect(res.status).toBe(201);
    return path;
  }

  function event(type: string, data?: string): Record<string, unknown> {
    return { specversion: '1.0', id: randomUUID(), source: 'src/limits', type, data };
  }

  /** An event of `type` exactly `bytes` long as JSON (the measure of the 256 KiB bound). */
  function eventOfSize(type: string, bytes: number): Record<string, unknown> {
    const empty = Buffer.byteLength(JSON.stringify(event(type, '')), 'utf8');
    const e = event(type, 'x'.repeat(bytes - empty));
    expect(Buffer.byteLength(JSON.stringify(e), 'utf8')).toBe(bytes);
    return e;
  }

  const publish = (body: unknown, contentType = 'application/cloudevents+json') =>
    http().post('/events').set('Content-Type', contentType).send(JSON.stringify(body));

  /** A batch of `n` events of `type`. */
  const batchOf = (n: number, type: string) => Array.from({ length: n }, () => event(type));

  /** The answer is 400 naming `field`. */
  function expectRefused(
    res: { status: number; body: { details: { field: string }[] } },
    field: string,
  ) {
    expect(res.status).toBe(400);
    expect(res.body.details[0].field).toBe(field);
  }

  async function runCount(path: string): Promise<number> {
    const res = await http().get(`${path}/runs`).query({ limit: 500 });
    expect(res.status).toBe(200);
    return (res.body as { runs: unknown[] }).runs.length;
  }

  it('accepts an event of exactly 256 KiB as JSON and refuses one byte more, alone or in a batch', async () => {
    const type = aType();
    const path = await deploy(type);
    expect((await publish(eventOfSize(type, MAX_EVENT_BYTES))).status).toBe(202);
    expectRefused(await publish(eventOfSize(type, MAX_EVENT_BYTES + 1)), 'event');
    expectRefused(
      await publish([event(type), eventOfSize(type, MAX_EVENT_BYTES + 1)], BATCH),
      '[1]',
    );
    expect(await runCount(path)).toBe(1);
  });

  it('accepts a batch of exactly 100 events and refuses 101, naming the body', async () => {
    const type = aType();
    const path = await deploy(type);
    const full = await publish(batchOf(MAX_BATCH_EVENTS, type), BATCH);
    expect(full.status).toBe(202);
    expect(full.body.accepted).toHaveLength(100);
    expect(await runCount(path)).toBe(100);
    expectRefused(await publish(batchOf(MAX_BATCH_EVENTS + 1, type), BATCH), '(body)');
    expect(await runCount(path)).toBe(100);
  });

  it('takes application/cloudevents+json as structured mode even with ce-* headers', async () => {
    const type = aType();
    const path = await deploy(type);
    const e = event(type, 'payload');
    const res = await http()
      .post('/events')
      .set('Content-Type', 'application/cloudevents+json')
      .set('ce-specversion', '1.0')
      .set('ce-id', 'header-id')
      .set('ce-source', 'header/source')
      .set('ce-type', 'com.example.other')
      .send(JSON.stringify(e));
    expect(res.status).toBe(202);
    expect(res.body.accepted[0]).toMatchObject({ id: e.id, source: 'src/limits' });
    expect(res.body.accepted[0].runs).toHaveLength(1);
    expect(await runCount(path)).toBe(1);
  });

  it('finds the matching triggers through ix_triggers_event_filter, never a scan', async () => {
    const ds = ctx.app().app.get(DataSource);
    await ds.query(
      `INSERT INTO triggers (project, domain, task_name, name, latest_revision, active,
         automation_type, task_version, spec, automation_spec, effective_at, deployed_at,
         updated_at, activated_at, deployed_by, updated_by)
       SELECT 'p', 'idx', 'task', 't' || g, 1, true, 'EVENT', 'v1', '{}'::jsonb,
         jsonb_build_object('type', 'EVENT', 'event',
           jsonb_build_object('type', 'com.example.idx', 'source', 'src/' || g)),
         now(), now(), now(), now(), 'test', 'test'
       FROM generate_series(1, 5000) g`,
    );
    await ds.query('ANALYZE triggers');
    const [probe] = matchProbes('com.example.idx', 'src/42');
    const plan: { 'QUERY PLAN': string }[] = await ds.query(`EXPLAIN ${matchLookup('$1', '$2')}`, [
      probe,
      null,
    ]);
    const text = plan.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toContain('ix_triggers_event_filter');
    expect(text).not.toMatch(/Seq Scan on triggers/);
    const found: { id: string }[] = await ds.query(matchLookup('$1', '$2'), [probe, null]);
    expect(found).toHaveLength(1);
  });

  it('documents POST /events in Swagger: the three modes with examples and the 202', async () => {
    const doc = (await http().get('/docs-json').expect(200)).body;
    const post = doc.paths['/events'].post;
    const content = post.requestBody.content as Record<string, { examples?: object }>;
    for (const type of ['application/cloudevents+json', BATCH, 'application/octet-stream']) {
      expect(Object.keys(content[type].examples ?? {}).sort()).toEqual([
        'batch',
        'binary',
        'structured',
      ]);
    }
    expect(post.responses['202'].content['application/json'].example.accepted).toHaveLength(1);
    const headers = (post.parameters as { name: string; in: string }[])
      .filter((p) => p.in === 'header')
      .map((p) => p.name);
    expect(headers).toEqual(expect.arrayContaining(['ce-specversion', 'ce-id', 'ce-source']));
  });
});
