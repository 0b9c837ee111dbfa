import { createHash } from 'node:crypto';
import { aTrigger, uniquePart } from '../support/builders';
import { useTestApp } from '../support/test-app';

interface SetItem {
  name: string;
  outcome: string;
  revision: number;
  before: { spec: Record<string, unknown> } | null;
  after: { spec: Record<string, unknown> } | null;
}

/** A set member: a name and a deploy body without `revision`. */
function member(name: string, build = aTrigger()): Record<string, unknown> {
  return { name, ...build.build() };
}

describe('PUT /tasks/{project}/{domain}/{taskName}/triggers (e2e)', () => {
  const ctx = useTestApp();
  const http = () => ctx.app().http();
  let task: string;
  const setPath = () => `/tasks/sets/dev/${task}/triggers`;
  const put = (body: object) => http().put(setPath()).send(body);
  const outcomes = (items: SetItem[]) => items.map((i) => [i.name, i.outcome, i.revision]);
  const revisions = async (name: string): Promise<number> =>
    (await http().get(`/triggers/sets/dev/${task}/${name}/revisions`).expect(200)).body.revisions
      .length;

  beforeEach(() => {
    task = uniquePart('task');
  });

  it('creates, then leaves an identical set unchanged (no revision), then updates what changed', async () => {
    const first = await put({
      triggers: [member('a'), member('b', aTrigger().withRate(5, 'MINUTE'))],
    }).expect(200);
    expect(first.body.dryRun).toBe(false);
    expect(outcomes(first.body.triggers)).toEqual([
      ['a', 'created', 1],
      ['b', 'created', 1],
    ]);
    expect(first.body.triggers[0].before).toBeNull();
    expect(first.body.triggers[0].after.automationSpec.schedule.cron).toEqual({
      expression: '0 9 * * *',
      timezone: 'UTC',
    });

    // Written differently but equal after normalisation: timezone defaulted, nulls dropped.
    const same = await put({
      triggers: [
        member('a', aTrigger().withCron('0 9 * * *').withDescription(null)),
        member('b', aTrigger().withRate(5, 'MINUTE').withSpec({ active: true, inputs: {} })),
      ],
    }).expect(200);
    expect(outcomes(same.body.triggers)).toEqual([
      ['a', 'unchanged', 1],
      ['b', 'unchanged', 1],
    ]);
    expect(await revisions('a')).toBe(1);

    const changed = await put({
      triggers: [
        member('a', aTrigger().withTaskVersion('v2')),
        member('b', aTrigger().withRate(5, 'MINUTE')),
      ],
    }).expect(200);
    expect(outcomes(changed.body.triggers)).toEqual([
      ['a', 'updated', 2],
      ['b', 'unchanged', 1],
    ]);
    const [a] = changed.body.triggers as SetItem[];
    expect([a.before?.spec.taskVersion, a.after?.spec.taskVersion]).toEqual(['v1', 'v2']);
    const details = await http().get(`/triggers/sets/dev/${task}/a`).expect(200);
    expect(details.body.spec.taskVersion).toBe('v2');
    expect(details.body.id.revision).toBe(2);
  });

  it("prune deletes the task's other live triggers; without prune they stay", async () => {
    await put({ triggers: [member('keep'), member('drop'), member('gone')] }).expect(200);
    await http().delete(`/triggers/sets/dev/${task}/gone`).expect(204);
    const kept = await put({ triggers: [member('keep')] }).expect(200);
    expect(outcomes(kept.body.triggers)).toEqual([['keep', 'unchanged', 1]]);
    await http().get(`/triggers/sets/dev/${task}/drop`).expect(200);

    const pruned = await put({ triggers: [member('keep')], prune: true }).expect(200);
    expect(outcomes(pruned.body.triggers)).toEqual([
      ['keep', 'unchanged', 1],
      ['drop', 'deleted', 2],
    ]);
    expect(pruned.body.triggers[1].after).toBeNull();
    await http().get(`/triggers/sets/dev/${task}/drop`).expect(404);
    const history = await http().get(`/triggers/sets/dev/${task}/drop/revisions`).expect(200);
    expect(history.body.revisions[0]).toMatchObject({ revision: 2, action: 'DELETE' });

    // A deleted trigger listed again is re-created; an empty pruned set deletes everything.
    const back = await put({ triggers: [member('gone')], prune: true }).expect(200);
    expect(outcomes(back.body.triggers)).toEqual([
      ['gone', 'created', 3],
      ['keep', 'deleted', 2],
    ]);
    const none = await put({ triggers: [], prune: true }).expect(200);
    expect(outcomes(none.body.triggers)).toEqual([['gone', 'deleted', 4]]);
  });

  it('dryRun answers the same outcomes and writes nothing', async () => {
    await put({ triggers: [member('a'), member('b')] }).expect(200);
    const dry = await put({
      triggers: [member('a', aTrigger().withTaskVersion('v9')), member('c')],
      prune: true,
      dryRun: true,
    }).expect(200);
    expect(dry.body.dryRun).toBe(true);
    expect(outcomes(dry.body.triggers)).toEqual([
      ['a', 'updated', 2],
      ['c', 'created', 1],
      ['b', 'deleted', 2],
    ]);
    expect(dry.body.triggers[0].after.spec.taskVersion).toBe('v9');
    const a = await http().get(`/triggers/sets/dev/${task}/a`).expect(200);
    expect(a.body).toMatchObject({ id: { revision: 1 }, spec: { taskVersion: 'v1' } });
    await http().get(`/triggers/sets/dev/${task}/b`).expect(200);
    await http().get(`/triggers/sets/dev/${task}/c`).expect(404);
    expect(await revisions('a')).toBe(1);
  });

  it('writes nothing when any member is invalid, naming the trigger and the field', async () => {
    await put({ triggers: [member('a')] }).expect(200);
    const bad = await put({
      triggers: [
        member('a', aTrigger().withTaskVersion('v2')),
        member('new'),
        member('broken', aTrigger().withTaskVersion('')),
      ],
      prune: true,
    }).expect(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    expect(bad.body.details).toEqual([
      {
        field: 'triggers[2].spec.taskVersion',
        message: expect.stringContaining('(trigger "broken")'),
      },
    ]);
    await http().get(`/triggers/sets/dev/${task}/new`).expect(404);
    expect((await http().get(`/triggers/sets/dev/${task}/a`).expect(200)).body.id.revision).toBe(1);

    const schedule = await put({
      triggers: [member('new'), member('late', aTrigger().withCron('0 25 * * *'))],
    }).expect(400);
    expect(schedule.body.code).toBe('INVALID_SCHEDULE');
    expect(schedule.body.details[0].field).toBe(
      'triggers[1].automationSpec.schedule.cron.expression',
    );
    expect(schedule.body.message).toMatch(/^triggers\[1\]: .*"late"/);
    await http().get(`/triggers/sets/dev/${task}/new`).expect(404);

    const shapes = await put({
      triggers: [
        member('twice'),
        member('twice'),
        { name: 'Bad name!', spec: { taskVersion: 'v1' }, automationSpec: { type: 'NONE' } },
        { ...member('extra'), revision: 3 },
        'not an object',
      ],
    }).expect(400);
    expect(shapes.body.details.map((d: { field: string }) => d.field)).toEqual([
      'triggers[1].name',
      'triggers[2].name',
      'triggers[3].revision',
      'triggers[4]',
    ]);
    await put({ triggers: 'a' }).expect(400);
    await put({ triggers: [], unknown: 1 }).expect(400);
    await http().put('/tasks/Bad_Project/dev/t/triggers').send({ triggers: [] }).expect(400);
  });

  it('re-activates a trigger deactivated through the API (the set says what is deployed)', async () => {
    await put({ triggers: [member('a')] }).expect(200);
    await http()
      .post('/triggers/deactivate')
      .send({ names: [{ project: 'sets', domain: 'dev', taskName: task, name: 'a' }] })
      .expect(200);
    const again = await put({ triggers: [member('a')] }).expect(200);
    expect(outcomes(again.body.triggers)).toEqual([['a', 'updated', 3]]);
    const details = await http().get(`/triggers/sets/dev/${task}/a`).expect(200);
    expect(details.body.spec.active).toBe(true);
  });

  it('sets delivery and retries like a deploy; the same again is unchanged', async () => {
    const withQueue = () =>
      member(
        'q',
        aTrigger().withSpec({
          delivery: { type: 'QUEUE', queue: 'etl' },
          retryConfig: { retryCount: 1 },
        }),
      );
    const first = await put({ triggers: [withQueue()] }).expect(200);
    expect(first.body.triggers[0].after.spec.delivery).toMatchObject({
      type: 'QUEUE',
      queue: 'etl',
    });
    const again = await put({ triggers: [withQueue()] }).expect(200);
    expect(outcomes(again.body.triggers)).toEqual([['q', 'unchanged', 1]]);
    const bad = await put({
      triggers: [
        member('q', aTrigger().withSpec({ delivery: { type: 'QUEUE', queue: 'Bad Queue' } })),
      ],
    }).expect(400);
    expect(bad.body.details[0].field).toMatch(/^triggers\[0\]\.spec\.delivery/);
  });

  it('serializes concurrent calls for one task: each sees what the other committed', async () => {
    const body = { triggers: [member('a'), member('b'), member('c')] };
    const results = await Promise.all([put(body), put(body), put(body)]);
    for (const r of results) expect(r.status).toBe(200);
    const created = results.map(
      (r) => (r.body.triggers as SetItem[]).filter((i) => i.outcome === 'created').length,
    );
    // exactly one call created all three; the others found them and changed nothing
    expect(created.sort()).toEqual([0, 0, 3]);
    for (const name of ['a', 'b', 'c']) expect(await revisions(name)).toBe(1);

    const versions = ['v2', 'v3', 'v4', 'v5'];
    const updates = await Promise.all(
      versions.map((v) => put({ triggers: [member('a', aTrigger().withTaskVersion(v))] })),
    );
    const revs = updates.map((r) => (r.body.triggers as SetItem[])[0].revision).sort();
    expect(revs).toEqual([2, 3, 4, 5]);
    const history = await http().get(`/triggers/sets/dev/${task}/a/revisions`).expect(200);
    expect(history.body.revisions.map((r: { revision: number }) => r.revision)).toEqual([
      5, 4, 3, 2, 1,
    ]);
  });
});

describe('Swagger for the set endpoint (e2e)', () => {
  const ctx = useTestApp();

  it('documents the body with an example, the answer and the errors', async () => {
    const doc = (await ctx.app().http().get('/docs-json').expect(200)).body;
    const op = doc.paths['/tasks/{project}/{domain}/{taskName}/triggers'].put;
    expect(op.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['project', 'domain', 'taskName']),
    );
    expect(op.requestBody.content['application/json'].examples.set.value.triggers).toHaveLength(1);
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '400', '413', '415']));
    expect(op.responses['400'].content['application/json'].examples).toHaveProperty(
      'INVALID_SCHEDULE',
    );
    const item = doc.components.schemas.TriggerSetItemDto.properties;
    expect(item.outcome.enum).toEqual(['created', 'updated', 'unchanged', 'deleted']);
  });
});

describe('who may set a task (e2e)', () => {
  const sha = (key: string) => createHash('sha256').update(key).digest('hex');
  const ctx = useTestApp({
    API_KEYS: [
      `ro:reader:${sha('sdl_ro')}`,
      `billing-ci:writer:${sha('sdl_billing')}:billing`,
    ].join(','),
  });
  const put = (key: string, project: string) =>
    ctx
      .app()
      .http()
      .put(`/tasks/${project}/dev/t/triggers`)
      .set('Authorization', `Bearer ${key}`)
      .send({ triggers: [member('a')] });

  it("needs a writer key for the task's project; revisions name the key", async () => {
    expect((await put('sdl_ro', 'billing')).status).toBe(403);
    expect((await put('sdl_billing', 'ads')).status).toBe(403);
    expect(
      (await ctx.app().http().put('/tasks/billing/dev/t/triggers').send({ triggers: [] })).status,
    ).toBe(401);
    const ok = await put('sdl_billing', 'billing').expect(200);
    expect(ok.body.triggers[0].outcome).toBe('created');
    const details = await ctx
      .app()
      .http()
      .get('/triggers/billing/dev/t/a')
      .set('Authorization', 'Bearer sdl_ro')
      .expect(200);
    expect(details.body.metadata.deployedBy).toBe('billing-ci');
  });
});

describe('PUT …/triggers: a member delivering by webhook (e2e)', () => {
  const ctx = useTestApp({
    WEBHOOK_SIGNING_KEYS: `*=whsec_${Buffer.alloc(32, 7).toString('base64')}`,
  });

  it('refuses a member whose webhook calls a private address, naming the member; nothing is written', async () => {
    const task = uniquePart('task');
    const res = await ctx
      .app()
      .http()
      .put(`/tasks/sets/dev/${task}/triggers`)
      .send({
        triggers: [
          member('ok'),
          member(
            'inside',
            aTrigger().withSpec({ delivery: { type: 'WEBHOOK', url: 'http://10.0.0.1/' } }),
          ),
        ],
      })
      .expect(400);
    expect(res.body.code).toBe('INVALID_DELIVERY');
    expect(res.body.details[0].field).toBe('triggers[1].spec.delivery.url');
    const list = await ctx.app().http().get(`/triggers?project=sets&taskName=${task}`).expect(200);
    expect(list.body.triggers).toEqual([]);
  });
});
