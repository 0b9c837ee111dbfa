import { aName, aTrigger, triggerPath } from '../support/builders';
import { useTestApp } from '../support/test-app';

const cron = (expression: string, timezone?: string) => ({
  type: 'SCHEDULE',
  schedule: { cron: { expression, ...(timezone ? { timezone } : {}) } },
});

describe('schedule preview (e2e)', () => {
  const ctx = useTestApp();
  const http = () => ctx.app().http();
  const preview = (body: unknown) =>
    http()
      .post('/schedules/preview')
      .send(body as object);

  describe('POST /schedules/preview', () => {
    it('follows the DST rule: a fixed time in the spring gap fires once at the end of the gap', async () => {
      const res = await preview({
        automationSpec: cron('30 2 * * *', 'America/New_York'),
        from: '2027-03-13T00:00:00Z',
        count: 3,
      }).expect(200);
      expect(res.body).toEqual({
        fireTimes: [
          {
            at: '2027-03-13T07:30:00.000Z',
            local: '2027-03-13T02:30:00-05:00',
            notBefore: '2027-03-13T07:30:00.000Z',
          },
          {
            at: '2027-03-14T07:00:00.000Z',
            local: '2027-03-14T03:00:00-04:00',
            notBefore: '2027-03-14T07:00:00.000Z',
          },
          {
            at: '2027-03-15T06:30:00.000Z',
            local: '2027-03-15T02:30:00-04:00',
            notBefore: '2027-03-15T06:30:00.000Z',
          },
        ],
      });
    });

    it('fires a non-fixed schedule at both passes of a repeated hour', async () => {
      const res = await preview({
        automationSpec: cron('0 * * * *', 'America/New_York'),
        from: '2026-11-01T04:30:00Z', // 00:30 EDT
        count: 3,
      }).expect(200);
      expect(res.body.fireTimes.map((f: { local: string }) => f.local)).toEqual([
        '2026-11-01T01:00:00-04:00',
        '2026-11-01T01:00:00-05:00',
        '2026-11-01T02:00:00-05:00',
      ]);
    });

    it('takes CRON_TZ from the expression and gives 10 times by default, strictly after from', async () => {
      const res = await preview({
        automationSpec: cron('CRON_TZ=Asia/Kolkata 0 9 * * *'),
        from: '2026-07-01T03:30:00Z', // 09:00 IST exactly: excluded
      }).expect(200);
      expect(res.body.fireTimes).toHaveLength(10);
      expect(res.body.fireTimes[0]).toEqual({
        at: '2026-07-02T03:30:00.000Z',
        local: '2026-07-02T09:00:00+05:30',
        notBefore: '2026-07-02T03:30:00.000Z',
      });
    });

    it('anchors an unsaved rate on from', async () => {
      const res = await preview({
        automationSpec: { type: 'SCHEDULE', schedule: { rate: { value: 5, unit: 'MINUTE' } } },
        from: '2026-12-01T00:00:00Z',
        count: 2,
      }).expect(200);
      expect(res.body.fireTimes.map((f: { at: string }) => f.at)).toEqual([
        '2026-12-01T00:05:00.000Z',
        '2026-12-01T00:10:00.000Z',
      ]);
    });

    it('answers a broken cron expression as a deploy would: 400 INVALID_SCHEDULE naming it', async () => {
      const res = await preview({ automationSpec: cron('61 * * * *') }).expect(400);
      expect(res.body.code).toBe('INVALID_SCHEDULE');
      expect(res.body.message).toContain('"61 * * * *"');
      const zone = await preview({ automationSpec: cron('0 9 * * *', 'Mars/Olympus') }).expect(400);
      expect(zone.body.code).toBe('INVALID_SCHEDULE');
      expect(zone.body.message).toContain('Mars/Olympus');
      const never = await preview({ automationSpec: cron('0 0 30 2 *') }).expect(400);
      expect(never.body.code).toBe('INVALID_SCHEDULE');
      const none = await preview({ automationSpec: { type: 'NONE' } }).expect(400);
      expect(none.body.code).toBe('INVALID_SCHEDULE');
      const unit = await preview({
        automationSpec: { type: 'SCHEDULE', schedule: { rate: { value: 1, unit: 'WEEK' } } },
      }).expect(400);
      expect(unit.body.code).toBe('INVALID_SCHEDULE');
    });

    it.each([
      [{ count: 0 }, 'count'],
      [{ count: 101 }, 'count'],
      [{ count: '5' }, 'count'],
      [{ count: 2.5 }, 'count'],
      [{ from: 'yesterday' }, 'from'],
      [{ from: 5 }, 'from'],
      [{ extra: true }, 'extra'],
    ])('rejects %j with 400 VALIDATION_FAILED on %s', async (fields, field) => {
      const res = await preview({ automationSpec: cron('0 9 * * *'), ...fields }).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
    });

    it('rejects a malformed automationSpec shape with VALIDATION_FAILED', async () => {
      const res = await preview({ automationSpec: { type: 'SCHEDULE' } }).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      await preview({}).expect(400);
    });
  });

  describe('GET /triggers/{key}/preview', () => {
    it("lists an active trigger's next times, never at or before its effective time", async () => {
      const name = aName();
      await http()
        .put(triggerPath(name))
        .send(aTrigger().withCron('0 9 * * *', 'Europe/Berlin').build())
        .expect(201);
      const res = await http()
        .get(`${triggerPath(name)}/preview`)
        .query({ from: '2020-01-01T00:00:00Z', count: '2' })
        .expect(200);
      expect(res.body.fireTimes).toHaveLength(2);
      const first = new Date(res.body.fireTimes[0].at).getTime();
      expect(first).toBeGreaterThan(Date.now() - 1000);
      expect(res.body.fireTimes[0].local).toMatch(/T09:00:00\+0[12]:00$/);

      const later = await http()
        .get(`${triggerPath(name)}/preview`)
        .query({ from: '2030-06-01T00:00:00Z', count: '1' })
        .expect(200);
      expect(later.body.fireTimes).toEqual([
        {
          at: '2030-06-01T07:00:00.000Z',
          local: '2030-06-01T09:00:00+02:00',
          notBefore: '2030-06-01T07:00:00.000Z',
        },
      ]);
    });

    it('previews an inactive trigger as if active, and refuses NONE, deleted and missing ones', async () => {
      const inactive = aName();
      await http()
        .put(triggerPath(inactive))
        .send(aTrigger().withCron('*/15 * * * *').inactive().build())
        .expect(201);
      const res = await http()
        .get(`${triggerPath(inactive)}/preview`)
        .query({ from: '2026-12-01T00:00:00Z', count: '3' })
        .expect(200);
      expect(res.body.fireTimes.map((f: { at: string }) => f.at)).toEqual([
        '2026-12-01T00:15:00.000Z',
        '2026-12-01T00:30:00.000Z',
        '2026-12-01T00:45:00.000Z',
      ]);

      const none = aName();
      await http().put(triggerPath(none)).send(aTrigger().withNoSchedule().build()).expect(201);
      const noneRes = await http()
        .get(`${triggerPath(none)}/preview`)
        .expect(400);
      expect(noneRes.body.code).toBe('INVALID_SCHEDULE');

      await http().delete(triggerPath(inactive)).expect(204);
      const deleted = await http()
        .get(`${triggerPath(inactive)}/preview`)
        .expect(404);
      expect(deleted.body.code).toBe('TRIGGER_NOT_FOUND');
      await http()
        .get(`${triggerPath(aName())}/preview`)
        .expect(404);
    });

    it('validates count, from and the path segments', async () => {
      const name = aName();
      await http().put(triggerPath(name)).send(aTrigger().build()).expect(201);
      for (const query of [{ count: '0' }, { count: '101' }, { count: 'x' }, { from: 'soon' }]) {
        const res = await http()
          .get(`${triggerPath(name)}/preview`)
          .query(query)
          .expect(400);
        expect(res.body.code).toBe('VALIDATION_FAILED');
      }
      const bad = await http().get('/triggers/Bad_Project/d/t/n/preview').expect(400);
      expect(bad.body.code).toBe('VALIDATION_FAILED');
    });
  });
});
