import { EventEmitter2 } from '@nestjs/event-emitter';
import { TRIGGER_CHANGED, type TriggerChangedEvent } from '../../src/triggers/trigger-events';
import { aName, aTrigger, triggerPath, type TriggerNameBody } from '../support/builders';
import { useTestApp } from '../support/test-app';

describe('GET, DELETE and bulk operations on triggers (e2e)', () => {
  const ctx = useTestApp();
  const http = () => ctx.app().http();
  const create = async (n: TriggerNameBody, active = true) => {
    const body = active ? aTrigger().build() : aTrigger().inactive().build();
    await http().put(triggerPath(n)).send(body).expect(201);
  };
  const events: TriggerChangedEvent[] = [];
  beforeAll(() => {
    ctx
      .app()
      .app.get(EventEmitter2)
      .on(TRIGGER_CHANGED, (e: TriggerChangedEvent) => events.push(e));
  });
  beforeEach(() => {
    events.length = 0;
  });

  describe('GET /triggers/{key}', () => {
    it('answers 404 TRIGGER_NOT_FOUND for a missing trigger', async () => {
      const res = await http().get(triggerPath(aName())).expect(404);
      expect(res.body).toEqual({
        statusCode: 404,
        code: 'TRIGGER_NOT_FOUND',
        message: expect.stringContaining('not found'),
        requestId: res.headers['x-request-id'],
      });
    });

    it('answers 400 naming a bad path segment', async () => {
      const res = await http().get('/triggers/BAD/d/t/n').expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.details).toEqual([{ field: 'project', message: expect.any(String) }]);
      const enc = await http().get('/triggers/p/d/t/a%2Fb').expect(400);
      expect(enc.body.details[0].field).toBe('name');
    });
  });

  describe('DELETE /triggers/{key}', () => {
    it('soft-deletes with 204; then GET and DELETE answer 404, history stays', async () => {
      const n = aName();
      await create(n);
      await http().delete(triggerPath(n)).expect(204);
      await http().get(triggerPath(n)).expect(404);
      const again = await http().delete(triggerPath(n)).expect(404);
      expect(again.body.code).toBe('TRIGGER_NOT_FOUND');
      const history = await http()
        .get(`${triggerPath(n)}/revisions`)
        .expect(200);
      expect(history.body.revisions[0]).toMatchObject({ revision: 2, action: 'DELETE' });
      expect(history.body.revisions[0].status.deletedAt).toEqual(expect.any(String));
      const at2 = await http()
        .get(`${triggerPath(n)}/revisions/2`)
        .expect(200);
      expect(at2.body.spec.active).toBe(false);
      expect(at2.body.status.nextFireAt).toBeNull();
    });

    it('answers 404 for a trigger that never existed and 400 for a bad segment', async () => {
      expect((await http().delete(triggerPath(aName())).expect(404)).body.code).toBe(
        'TRIGGER_NOT_FOUND',
      );
      await http().delete('/triggers/p/d/t/-x').expect(400);
    });

    it('emits one DELETE event', async () => {
      const n = aName();
      await create(n);
      events.length = 0;
      await http().delete(triggerPath(n)).expect(204);
      expect(events).toEqual([
        { triggerId: expect.any(String), name: n, revision: 2, action: 'DELETE' },
      ]);
    });
  });

  describe('POST /triggers/activate|deactivate|delete', () => {
    it('reports updated, unchanged and notFound (missing or deleted), each name once', async () => {
      const on = aName();
      const off = aName();
      const gone = aName();
      const missing = aName();
      await create(on, true);
      await create(off, false);
      await create(gone, true);
      await http().delete(triggerPath(gone)).expect(204);
      events.length = 0;

      const res = await http()
        .post('/triggers/activate')
        .send({ names: [on, off, gone, missing, off] })
        .expect(200);
      expect(res.body).toEqual({ updated: [off], unchanged: [on], notFound: [gone, missing] });
      expect(events).toEqual([
        { triggerId: expect.any(String), name: off, revision: 2, action: 'ACTIVATE' },
      ]);
      const activated = await http().get(triggerPath(off)).expect(200);
      expect(activated.headers.etag).toBe('"2"');
      expect(activated.body.spec.active).toBe(true);
      expect(activated.body.status.activatedAt).toBe(activated.body.status.updatedAt);
      expect(activated.body.status.nextFireAt).toEqual(expect.any(String));

      const de = await http()
        .post('/triggers/deactivate')
        .send({ names: [on, off, missing] })
        .expect(200);
      expect(de.body).toEqual({ updated: [on, off], unchanged: [], notFound: [missing] });
      const deactivated = await http().get(triggerPath(on)).expect(200);
      expect(deactivated.body.spec.active).toBe(false);
      expect(deactivated.body.status.nextFireAt).toBeNull();
      expect(deactivated.body.status.activatedAt).toBe(deactivated.body.status.deployedAt);
      const again = await http()
        .post('/triggers/deactivate')
        .send({ names: [on] })
        .expect(200);
      expect(again.body).toEqual({ updated: [], unchanged: [on], notFound: [] });

      const del = await http()
        .post('/triggers/delete')
        .send({ names: [on, gone, on] })
        .expect(200);
      expect(del.body).toEqual({ updated: [on], unchanged: [], notFound: [gone] });
      await http().get(triggerPath(on)).expect(404);
    });

    it('validates the names list: 1–100 entries, each a valid TriggerName, nothing else', async () => {
      const bad: unknown[] = [
        {},
        { names: [] },
        { names: 'x' },
        { names: Array.from({ length: 101 }, () => aName()) },
        { names: [{ ...aName(), project: 'NO' }] },
        { names: [{ ...aName(), extra: 1 }] },
        { names: [aName()], more: true },
        { names: ['p/d/t/n'] },
        { names: [null] },
        { names: [{ project: 'p', domain: 'd', taskName: 't' }] },
      ];
      for (const body of bad) {
        const res = await http()
          .post('/triggers/activate')
          .send(body as object);
        expect([JSON.stringify(body).slice(0, 60), res.status, res.body.code]).toEqual([
          JSON.stringify(body).slice(0, 60),
          400,
          'VALIDATION_FAILED',
        ]);
      }
      const hundred = Array.from({ length: 100 }, () => aName());
      const ok = await http().post('/triggers/delete').send({ names: hundred }).expect(200);
      expect(ok.body.notFound).toHaveLength(100);
    });

    it('handles concurrent bulk requests over overlapping names without deadlock or double changes', async () => {
      const names = Array.from({ length: 10 }, () => aName());
      for (const n of names) await create(n, false);
      events.length = 0;
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          http()
            .post('/triggers/activate')
            .send({ names: i % 2 ? [...names].reverse() : names }),
        ),
      );
      expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
      const updated = results.flatMap((r) => r.body.updated as TriggerNameBody[]);
      expect(updated).toHaveLength(10);
      expect(events).toHaveLength(10);
      expect(new Set(events.map((e) => e.triggerId)).size).toBe(10);
    });
  });
});
