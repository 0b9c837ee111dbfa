import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { EventsService } from '../../src/events/events.service';
import { useTestApp } from '../support/test-app';
import { lease } from '../support/workers';

interface Accepted {
  id: string;
  source: string;
  runs: string[];
  duplicate: boolean;
}

let n = 0;

/** POST /events in each mode, matching, exactly once, and the runs (docs/events.md). */
describe('event triggers (e2e)', () => {
  const ctx = useTestApp();
  const http = () => ctx.app().http();

  /** Deploys an EVENT trigger with `event` as its filter; returns its path. */
  async function deploy(
    event: Record<string, unknown>,
    spec: Record<string, unknown> = {},
    project = 'p',
  ): Promise<string> {
    const path = `/triggers/${project}/d/ev/t${++n}`;
    const res = await http()
      .put(path)
      .send({ spec: { taskVersion: 'v1', ...spec }, automationSpec: { type: 'EVENT', event } });
    expect(res.status).toBe(201);
    return path;
  }

  /** A unique event type, so tests do not fire each other's triggers. */
  const aType = () => `com.example.t${++n}.${randomUUID().slice(0, 8)}`;

  function event(type: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { specversion: '1.0', id: randomUUID(), source: 'src/a', type, ...extra };
  }

  async function publish(body: unknown, contentType = 'application/cloudevents+json') {
    return http().post('/events').set('Content-Type', contentType).send(JSON.stringify(body));
  }

  async function accepted(body: unknown, contentType?: string): Promise<Accepted[]> {
    const res = await publish(body, contentType);
    expect(res.status).toBe(202);
    return (res.body as { accepted: Accepted[] }).accepted;
  }

  async function runsOf(path: string): Promise<Record<string, unknown>[]> {
    const res = await http().get(`${path}/runs`);
    expect(res.status).toBe(200);
    return (res.body as { runs: Record<string, unknown>[] }).runs;
  }

  it('deploys an EVENT trigger: shown with its filter, nextFireAt null', async () => {
    const path = await deploy({ type: 'com.example.x', source: 'src/*', eventInputArg: 'ev' });
    const res = await http().get(path);
    expect(res.body.automationSpec).toEqual({
      type: 'EVENT',
      event: { type: 'com.example.x', source: 'src/*', eventInputArg: 'ev' },
    });
    expect(res.body.status.nextFireAt).toBeNull();
    const list = await http().get('/triggers').query({ automationType: 'EVENT' });
    expect(list.status).toBe(200);
    expect(list.body.triggers.length).toBeGreaterThan(0);
  });

  it.each([
    [{}, 'automationSpec.event.type'],
    [{ type: '' }, 'automationSpec.event.type'],
    [{ type: 'a.*' }, 'automationSpec.event.type'],
    [{ type: 'a', source: 'x*y' }, 'automationSpec.event.source'],
    [{ type: 'a', source: '**' }, 'automationSpec.event.source'],
    [{ type: 'a', subject: '*x' }, 'automationSpec.event.subject'],
    [{ type: 'a', source: 5 }, 'automationSpec.event.source'],
    [{ type: 'a', other: 1 }, 'automationSpec.event.other'],
    [{ type: 'x'.repeat(256) }, 'automationSpec.event.type'],
  ])('refuses the filter %j (400 naming %s)', async (event, field) => {
    const res = await http()
      .put(`/triggers/p/d/ev/bad${++n}`)
      .send({ spec: { taskVersion: 'v1' }, automationSpec: { type: 'EVENT', event } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it('refuses EVENT without event, with a schedule, and an event on another type', async () => {
    const cases = [
      [{ type: 'EVENT' }, 'automationSpec.event'],
      [
        { type: 'EVENT', event: { type: 'a' }, schedule: { cron: { expression: '* * * * *' } } },
        'automationSpec.schedule',
      ],
      [{ type: 'NONE', event: { type: 'a' } }, 'automationSpec.event'],
    ] as const;
    for (const [automationSpec, field] of cases) {
      const res = await http()
        .put(`/triggers/p/d/ev/bad${++n}`)
        .send({ spec: { taskVersion: 'v1' }, automationSpec });
      expect(res.status).toBe(400);
      expect(res.body.details[0].field).toBe(field);
    }
  });

  it('previews and backfill of an EVENT trigger are 400 INVALID_SCHEDULE', async () => {
    const path = await deploy({ type: 'com.example.y' });
    const preview = await http().get(`${path}/preview`);
    expect(preview.status).toBe(400);
    expect(preview.body.code).toBe('INVALID_SCHEDULE');
    const backfill = await http()
      .post(`${path}/backfill`)
      .send({ from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' });
    expect(backfill.status).toBe(400);
    expect(backfill.body.code).toBe('INVALID_SCHEDULE');
    const unsaved = await http()
      .post('/schedules/preview')
      .send({ automationSpec: { type: 'EVENT', event: { type: 'a' } } });
    expect(unsaved.status).toBe(400);
    expect(unsaved.body.code).toBe('INVALID_SCHEDULE');
  });

  it('structured mode: a run per matching trigger, with the event in eventInputArg', async () => {
    const type = aType();
    const path = await deploy(
      { type, eventInputArg: 'ev' },
      { inputs: { region: 'eu' }, delivery: { type: 'QUEUE', queue: 'events-q' } },
    );
    const e = event(type, { time: '2026-03-01T10:00:00Z', data: { file: 'a.csv' }, trace: 'x1' });
    const [answer] = await accepted(e);
    expect(answer).toEqual({
      id: e.id,
      source: 'src/a',
      runs: [expect.any(String)],
      duplicate: false,
    });

    const run = await http().get(`/runs/${answer.runs[0]}`);
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({
      source: 'EVENT',
      state: 'PENDING',
      queue: 'events-q',
      scheduledAt: '2026-03-01T10:00:00.000Z',
      event: { source: 'src/a', id: e.id },
      inputs: { region: 'eu', ev: e },
    });
    expect(run.body.name).toMatch(/^e[0-9a-f]{16}$/);
    const runs = await runsOf(path);
    expect(runs.map((r) => r.id)).toEqual(answer.runs);
    expect(runs[0].event).toEqual({ source: 'src/a', id: e.id });
    // the run reaches a worker like any other
    const leases = await lease(http, 'events-q');
    expect(leases.map((l) => l.run.id)).toEqual(answer.runs);
    expect(leases[0].run.event).toEqual({ source: 'src/a', id: e.id });
    const details = await http().get(path);
    expect(details.body.status.triggeredAt).not.toBeNull();
  });

  it('application/json is structured mode too; no time: scheduledAt is the receipt', async () => {
    const type = aType();
    await deploy({ type });
    const before = Date.now();
    const [answer] = await accepted(event(type), 'application/json');
    expect(answer.runs).toHaveLength(1);
    const run = await http().get(`/runs/${answer.runs[0]}`);
    const at = Date.parse(run.body.scheduledAt);
    expect(at).toBeGreaterThanOrEqual(before - 1000);
    expect(at).toBeLessThanOrEqual(Date.now() + 1000);
    expect(run.body.inputs).toEqual({});
  });

  it('binary mode: ce-* headers, the body as data (JSON parsed, other types as text)', async () => {
    const type = aType();
    await deploy({ type, eventInputArg: 'ev' });
    const id = randomUUID();
    const res = await http()
      .post('/events')
      .set('ce-specversion', '1.0')
      .set('ce-id', id)
      .set('ce-source', 'ci/pipelines/web')
      .set('ce-type', type)
      .set('ce-subject', 'v%C3%A9rsion 7')
      .set('ce-traceparent', 'tp-1')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ version: 'v7' }));
    expect(res.status).toBe(202);
    const run = await http().get(`/runs/${res.body.accepted[0].runs[0]}`);
    expect(run.body.inputs.ev).toEqual({
      specversion: '1.0',
      id,
      source: 'ci/pipelines/web',
      type,
      subject: 'vérsion 7',
      traceparent: 'tp-1',
      datacontenttype: 'application/json',
      data: { version: 'v7' },
    });

    const text = await http()
      .post('/events')
      .set('ce-specversion', '1.0')
      .set('ce-id', randomUUID())
      .set('ce-source', 'ci/pipelines/web')
      .set('ce-type', type)
      .set('Content-Type', 'text/plain')
      .send('hello');
    expect(text.status).toBe(202);
    const textRun = await http().get(`/runs/${text.body.accepted[0].runs[0]}`);
    expect(textRun.body.inputs.ev.data).toBe('hello');
    expect(textRun.body.inputs.ev.datacontenttype).toBe('text/plain');
  });

  it('batch mode: each event answered in order with its runs', async () => {
    const type = aType();
    const other = aType();
    await deploy({ type });
    await deploy({ type });
    const events = [event(type), event(other), event(type)];
    const answers = await accepted(events, 'application/cloudevents-batch+json');
    expect(answers.map((a) => a.id)).toEqual(events.map((e) => e.id));
    expect(answers.map((a) => a.runs.length)).toEqual([2, 0, 2]);
    expect(new Set(answers.flatMap((a) => a.runs)).size).toBe(4);
  });

  it('matches type exactly, source exactly or by prefix, subject likewise', async () => {
    const type = aType();
    const exact = await deploy({ type, source: 'https://x.example/a' });
    const prefix = await deploy({ type, source: 'https://x.example/*' });
    const anySource = await deploy({ type });
    const star = await deploy({ type, source: '*' });
    const subject = await deploy({ type, subject: 'reports/2026.csv' });
    const subjectPrefix = await deploy({
      type,
      source: 'https://x.example/a',
      subject: 'reports/*',
    });
    const counts = async () =>
      Promise.all(
        [exact, prefix, anySource, star, subject, subjectPrefix].map(
          async (p) => (await runsOf(p)).length,
        ),
      );

    await accepted(event(type, { source: 'https://x.example/a' }));
    expect(await counts()).toEqual([1, 1, 1, 1, 0, 0]);
    await accepted(event(type, { source: 'https://x.example/abc', subject: 'reports/2026.csv' }));
    expect(await counts()).toEqual([1, 2, 2, 2, 1, 0]);
    await accepted(event(type, { source: 'https://x.example/a', subject: 'reports/x' }));
    expect(await counts()).toEqual([2, 3, 3, 3, 1, 1]);
    await accepted(event(type, { source: 'https://x.example' }));
    expect(await counts()).toEqual([2, 3, 4, 4, 1, 1]);
    // no match: another type, or a type that only shares a prefix
    const none = await accepted(event(`${type}.more`, { source: 'https://x.example/a' }));
    expect(none[0].runs).toEqual([]);
    expect(await counts()).toEqual([2, 3, 4, 4, 1, 1]);
  });

  it('a batch matches each event by its own type, source and subject (shared probes too)', async () => {
    const type = aType();
    const exact = await deploy({ type, source: 'https://y.example/a' });
    const prefix = await deploy({ type, source: 'https://y.example/*' });
    const subject = await deploy({ type, subject: 'reports/*' });
    const events = [
      event(type, { source: 'https://y.example/a' }),
      event(type, { source: 'https://y.example/b', subject: 'reports/1' }),
      event(type, { source: 'https://y.example/a', subject: 'other' }),
      event(aType(), { source: 'https://y.example/a' }),
      event(type, { source: 'https://z.example/a', subject: 'reports/2' }),
    ];
    const answers = await accepted(events, 'application/cloudevents-batch+json');
    expect(answers.map((a) => a.runs.length)).toEqual([2, 2, 2, 0, 1]);
    expect(
      await Promise.all([exact, prefix, subject].map(async (p) => (await runsOf(p)).length)),
    ).toEqual([2, 3, 2]);
  });

  it('a duplicate and 10 concurrent publishes of one event create one run per trigger', async () => {
    const type = aType();
    const a = await deploy({ type });
    const b = await deploy({ type });
    const e = event(type);
    const first = await accepted(e);
    expect(first[0].runs).toHaveLength(2);
    const again = await accepted(e);
    expect(again[0]).toEqual({ ...first[0], duplicate: true });

    const e2 = event(type);
    const answers = await Promise.all(Array.from({ length: 10 }, () => accepted(e2)));
    const runSets = answers.map((x) => JSON.stringify(x[0].runs));
    expect(new Set(runSets).size).toBe(1);
    expect(answers.filter((x) => !x[0].duplicate)).toHaveLength(1);
    expect(answers[0][0].runs).toHaveLength(2);
    expect((await runsOf(a)).length).toBe(2);
    expect((await runsOf(b)).length).toBe(2);

    // the same event twice in one batch: one set of runs, the second a duplicate
    const e3 = event(type);
    const twice = await accepted([e3, e3], 'application/cloudevents-batch+json');
    expect(twice[0].runs).toHaveLength(2);
    expect(twice[1]).toEqual({ ...twice[0], duplicate: true });
    // (source, id) identifies it: the same id from another source is another event
    const other = await accepted({ ...e3, source: 'src/b' });
    expect(other[0].duplicate).toBe(false);
    expect(other[0].runs).toHaveLength(2);
  });

  it('remembers an event for 7 days: the purge forgets older ones, then it is new again', async () => {
    const type = aType();
    const path = await deploy({ type });
    const old = event(type);
    const recent = event(type);
    await accepted(old);
    await accepted(recent);
    const ds = ctx.app().app.get(DataSource);
    await ds.query(
      `UPDATE events SET received_at = now() - interval '8 days' WHERE source = $1 AND id = $2`,
      [old.source, old.id],
    );
    expect(await ctx.app().app.get(EventsService).purgeOnce()).toBeGreaterThanOrEqual(1);
    const [again] = await accepted(old);
    expect(again.duplicate).toBe(false);
    expect(again.runs).toHaveLength(1);
    const [still] = await accepted(recent);
    expect(still.duplicate).toBe(true);
    expect((await runsOf(path)).length).toBe(3);
  });

  it('a deactivated or deleted trigger does not fire; reactivated it does', async () => {
    const type = aType();
    const path = await deploy({ type });
    const deleted = await deploy({ type });
    const name = (p: string) => {
      const [, , project, domain, taskName, tname] = p.split('/');
      return { project, domain, taskName, name: tname };
    };
    expect(
      (
        await http()
          .post('/triggers/deactivate')
          .send({ names: [name(path)] })
      ).status,
    ).toBe(200);
    expect((await http().delete(deleted)).status).toBe(204);
    const [quiet] = await accepted(event(type));
    expect(quiet.runs).toEqual([]);
    expect(
      (
        await http()
          .post('/triggers/activate')
          .send({ names: [name(path)] })
      ).status,
    ).toBe(200);
    const [loud] = await accepted(event(type));
    expect(loud.runs).toHaveLength(1);
    expect((await runsOf(path)).length).toBe(1);
  });

  it.each([
    ['missing id', (e: Record<string, unknown>) => ({ ...e, id: undefined }), 'id'],
    ['empty source', (e: Record<string, unknown>) => ({ ...e, source: '' }), 'source'],
    [
      'wrong specversion',
      (e: Record<string, unknown>) => ({ ...e, specversion: '0.3' }),
      'specversion',
    ],
    ['bad time', (e: Record<string, unknown>) => ({ ...e, time: 'yesterday' }), 'time'],
    ['bad extension name', (e: Record<string, unknown>) => ({ ...e, Trace: 'x' }), 'Trace'],
    ['object extension', (e: Record<string, unknown>) => ({ ...e, trace: { a: 1 } }), 'trace'],
    ['not an object', () => [1], '(body)'],
    ['oversize', (e: Record<string, unknown>) => ({ ...e, data: 'x'.repeat(256 * 1024) }), 'event'],
  ])('structured: %s → 400 naming the attribute', async (_what, change, field) => {
    const res = await publish(change(event('com.example.bad')));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.details[0].field).toBe(field);
  });

  it('batch and binary errors name the event and the header; nothing of a bad batch is kept', async () => {
    const type = aType();
    const path = await deploy({ type });
    const good = event(type);
    const bad = await publish(
      [good, { ...event(type), id: 7 }],
      'application/cloudevents-batch+json',
    );
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].field).toBe('[1].id');
    expect((await runsOf(path)).length).toBe(0);
    const notArray = await publish(good, 'application/cloudevents-batch+json');
    expect(notArray.status).toBe(400);
    expect(notArray.body.details[0].field).toBe('(body)');
    const tooMany = await publish(
      Array.from({ length: 101 }, () => event(type)),
      'application/cloudevents-batch+json',
    );
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.message).toMatch(/at most 100/);

    const binary = await http()
      .post('/events')
      .set('ce-specversion', '1.0')
      .set('ce-source', 's')
      .set('ce-type', type)
      .set('Content-Type', 'text/plain')
      .send('x');
    expect(binary.status).toBe(400);
    expect(binary.body.details[0].field).toBe('ce-id');
    const neither = await http().post('/events').set('Content-Type', 'text/plain').send('x');
    expect(neither.status).toBe(400);
    expect(neither.body.details[0].field).toBe('ce-specversion');
    expect((await runsOf(path)).length).toBe(0);
  });

  it('metrics move: matched, unmatched, duplicate, rejected and EVENT runs', async () => {
    const metric = async (line: string): Promise<number> => {
      const res = await http().get('/metrics');
      const found = res.text.split('\n').find((l) => l.startsWith(line));
      return found ? Number(found.split(' ').pop()) : NaN;
    };
    const names = ['matched', 'unmatched', 'duplicate', 'rejected'].map(
      (o) => `sundial_events_received_total{outcome="${o}"}`,
    );
    const runsLine = 'sundial_runs_created_total{source="EVENT"}';
    const before = await Promise.all([...names, runsLine].map(metric));
    const type = aType();
    await deploy({ type });
    const e = event(type);
    await accepted(e);
    await accepted(e);
    await accepted(event(aType()));
    await publish({ specversion: '1.0' });
    const after = await Promise.all([...names, runsLine].map(metric));
    expect(after.map((v, i) => v - before[i])).toEqual([1, 1, 1, 1, 1]);
  });
});
