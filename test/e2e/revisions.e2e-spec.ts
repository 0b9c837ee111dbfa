import { EventEmitter2 } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import { TRIGGER_CHANGED, type TriggerChangedEvent } from '../../src/triggers/trigger-events';
import { aName, aTrigger, triggerPath, type TriggerNameBody } from '../support/builders';
import { useTestApp } from '../support/test-app';

describe('trigger revisions and change events (e2e)', () => {
  const ctx = useTestApp();
  const http = () => ctx.app().http();
  const events: TriggerChangedEvent[] = [];
  /** for each event, whether its revision row was already committed and visible when it fired */
  const visibleAtEmit: Promise<boolean>[] = [];
  beforeAll(() => {
    const dataSource = ctx.app().app.get(DataSource);
    ctx
      .app()
      .app.get(EventEmitter2)
      .on(TRIGGER_CHANGED, (e: TriggerChangedEvent) => {
        events.push(e);
        visibleAtEmit.push(
          dataSource
            .query(`SELECT 1 FROM trigger_revisions WHERE trigger_id = $1 AND revision = $2`, [
              e.triggerId,
              e.revision,
            ])
            .then((rows: unknown[]) => rows.length === 1),
        );
      });
  });
  beforeEach(() => {
    events.length = 0;
    visibleAtEmit.length = 0;
  });

  const put = (n: TriggerNameBody, body = aTrigger().build()) =>
    http().put(triggerPath(n)).send(body);
  const bulk = (action: string, n: TriggerNameBody) =>
    http()
      .post(`/triggers/${action}`)
      .send({ names: [n] })
      .expect(200);

  it('numbers revisions gaplessly across deploy, deactivate, activate, delete and re-deploy', async () => {
    const n = aName();
    await put(n, aTrigger().withDescription('one').build()).expect(201);
    await bulk('deactivate', n);
    await bulk('activate', n);
    await http().delete(triggerPath(n)).expect(204);
    const redeployed = await put(n, aTrigger().withDescription('five').build()).expect(201);
    expect(redeployed.body.id.revision).toBe(5);

    const history = await http()
      .get(`${triggerPath(n)}/revisions`)
      .expect(200);
    expect(history.body.token).toBeNull();
    expect(
      history.body.revisions.map((r: { revision: number; action: string; actor: string }) => [
        r.revision,
        r.action,
        r.actor,
      ]),
    ).toEqual([
      [5, 'DEPLOY', 'anonymous'],
      [4, 'DELETE', 'anonymous'],
      [3, 'ACTIVATE', 'anonymous'],
      [2, 'DEACTIVATE', 'anonymous'],
      [1, 'DEPLOY', 'anonymous'],
    ]);
    const [r5, r4, r3, r2, r1] = history.body.revisions;
    expect(r1.status).toEqual({
      deployedAt: r1.createdAt,
      updatedAt: r1.createdAt,
      activatedAt: r1.createdAt,
      triggeredAt: null,
      lastScheduledAt: null,
      deletedAt: null,
      nextFireAt: null,
    });
    expect(r2.status.updatedAt).toBe(r2.createdAt);
    expect(r3.status.activatedAt).toBe(r3.createdAt);
    expect(r4.status.deletedAt).toBe(r4.createdAt);
    expect(r5.status.deletedAt).toBeNull();
    expect(r5.status.deployedAt).toBe(r1.createdAt);
    expect(r5.status.nextFireAt).toEqual(expect.any(String));
    for (let i = 1; i < 5; i++) {
      const [newer, older] = [history.body.revisions[i - 1], history.body.revisions[i]];
      expect(newer.createdAt >= older.createdAt).toBe(true);
    }

    expect(events.map((e) => [e.revision, e.action])).toEqual([
      [1, 'DEPLOY'],
      [2, 'DEACTIVATE'],
      [3, 'ACTIVATE'],
      [4, 'DELETE'],
      [5, 'DEPLOY'],
    ]);
    expect(new Set(events.map((e) => e.triggerId)).size).toBe(1);
    expect(events.every((e) => JSON.stringify(e.name) === JSON.stringify(n))).toBe(true);
    expect(await Promise.all(visibleAtEmit)).toEqual([true, true, true, true, true]);
  });

  it("shows the trigger as it was at each revision, with that revision's ETag and action", async () => {
    const n = aName();
    await put(n, aTrigger().withCron('0 9 * * *').withDescription('first').build()).expect(201);
    await put(n, aTrigger().withRate(2, 'HOUR').withInputs({ a: 1 }).build()).expect(200);
    await bulk('deactivate', n);

    const one = await http()
      .get(`${triggerPath(n)}/revisions/1`)
      .expect(200);
    expect(one.headers.etag).toBe('"1"');
    expect(one.body).toEqual({
      id: { name: n, revision: 1 },
      metadata: { deployedBy: 'anonymous', updatedBy: 'anonymous' },
      spec: { taskVersion: 'v1', active: true, inputs: {}, runSpec: {}, description: 'first' },
      automationSpec: {
        type: 'SCHEDULE',
        schedule: { cron: { expression: '0 9 * * *', timezone: 'UTC' } },
      },
      status: expect.objectContaining({ deletedAt: null, nextFireAt: null }),
      action: 'DEPLOY',
      note: null,
    });
    const two = await http()
      .get(`${triggerPath(n)}/revisions/2`)
      .expect(200);
    expect(two.headers.etag).toBe('"2"');
    expect(two.body.automationSpec.schedule).toEqual({ rate: { value: 2, unit: 'HOUR' } });
    expect(two.body.spec.inputs).toEqual({ a: 1 });
    const three = await http()
      .get(`${triggerPath(n)}/revisions/3`)
      .expect(200);
    expect(three.body.action).toBe('DEACTIVATE');
    expect(three.body.spec.active).toBe(false);
    expect(three.body.spec.inputs).toEqual({ a: 1 });
    // the latest revision of a live trigger agrees with GET
    await bulk('activate', n);
    const current = await http().get(triggerPath(n)).expect(200);
    const four = await http()
      .get(`${triggerPath(n)}/revisions/4`)
      .expect(200);
    const { action, note, ...asTrigger } = four.body;
    expect(note).toBeNull();
    expect(action).toBe('ACTIVATE');
    expect(asTrigger).toEqual(current.body);
  });

  it('answers 404 REVISION_NOT_FOUND for a missing revision, 400 for a bad one, 404 TRIGGER_NOT_FOUND for a never-existing trigger', async () => {
    const n = aName();
    await put(n).expect(201);
    const missing = await http()
      .get(`${triggerPath(n)}/revisions/2`)
      .expect(404);
    expect(missing.body.code).toBe('REVISION_NOT_FOUND');
    await http()
      .get(`${triggerPath(n)}/revisions/2147483647`)
      .expect(404);
    for (const bad of ['0', '-1', 'abc', '1.0', '01', '2147483648', '99999999999999999999']) {
      const res = await http().get(`${triggerPath(n)}/revisions/${bad}`);
      expect([bad, res.status, res.body.code]).toEqual([bad, 400, 'VALIDATION_FAILED']);
      expect(res.body.details[0].field).toBe('revision');
    }
    const never = aName();
    expect(
      (
        await http()
          .get(`${triggerPath(never)}/revisions`)
          .expect(404)
      ).body.code,
    ).toBe('TRIGGER_NOT_FOUND');
    expect(
      (
        await http()
          .get(`${triggerPath(never)}/revisions/1`)
          .expect(404)
      ).body.code,
    ).toBe('TRIGGER_NOT_FOUND');
    await http().get('/triggers/p/d/t/-bad/revisions').expect(400);
  });

  it('answers 200 with history and revisions for a deleted trigger', async () => {
    const n = aName();
    await put(n).expect(201);
    await http().delete(triggerPath(n)).expect(204);
    const history = await http()
      .get(`${triggerPath(n)}/revisions`)
      .expect(200);
    expect(history.body.revisions.map((r: { action: string }) => r.action)).toEqual([
      'DELETE',
      'DEPLOY',
    ]);
    expect(history.body.revisions[0].status.nextFireAt).toBeNull();
    const r1 = await http()
      .get(`${triggerPath(n)}/revisions/1`)
      .expect(200);
    expect(r1.body.status.nextFireAt).toBeNull();
  });

  it('pages the history newest first; a token is bound to its trigger', async () => {
    const n = aName();
    for (let i = 0; i < 7; i++) await put(n, aTrigger().withDescription(`d${i}`).build());
    const seen: number[] = [];
    let token: string | null = null;
    do {
      const res: { body: { revisions: { revision: number }[]; token: string | null } } =
        await http()
          .get(`${triggerPath(n)}/revisions`)
          .query(token ? { limit: '3', token } : { limit: '3' })
          .expect(200);
      seen.push(...res.body.revisions.map((r: { revision: number }) => r.revision));
      token = res.body.token;
      if (seen.length === 3) {
        // new revisions while paging do not disturb older pages
        await put(n, aTrigger().withDescription('later').build()).expect(200);
        const other = aName();
        await put(other).expect(201);
        const reused = await http()
          .get(`${triggerPath(other)}/revisions`)
          .query({ token: token! });
        expect([reused.status, reused.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      }
    } while (token);
    expect(seen).toEqual([7, 6, 5, 4, 3, 2, 1]);
    for (const query of [{ limit: '0' }, { limit: '501' }, { token: 'nope' }, { sort: 'x' }]) {
      const res = await http()
        .get(`${triggerPath(n)}/revisions`)
        .query(query);
      expect([res.status, res.body.code]).toEqual([400, 'VALIDATION_FAILED']);
    }
  });

  it('emits exactly one event per committed change and none for rejected or no-op requests', async () => {
    const n = aName();
    await put(n).expect(201);
    await put(n).expect(200);
    await put(n, aTrigger().atRevision(1).build()).expect(409);
    await put(n, aTrigger().withCron('bad').build()).expect(400);
    await put(aName(), aTrigger().build()).set('If-Match', '*').expect(412);
    await bulk('activate', n); // already active: unchanged
    await http().delete(triggerPath(aName())).expect(404);
    expect(events.map((e) => [e.revision, e.action])).toEqual([
      [1, 'DEPLOY'],
      [2, 'DEPLOY'],
    ]);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => put(n, aTrigger().atRevision(2).build())),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(events.map((e) => [e.revision, e.action])).toEqual([
      [1, 'DEPLOY'],
      [2, 'DEPLOY'],
      [3, 'DEPLOY'],
    ]);
    expect(await Promise.all(visibleAtEmit)).toEqual([true, true, true]);
  });
});
