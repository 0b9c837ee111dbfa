import { aName, aTrigger, triggerPath } from '../support/builders';
import { useTestApp } from '../support/test-app';

/** The limits of docs/scheduler.md "Limits", through the API. */
describe('schedule limits (e2e)', () => {
  const ctx = useTestApp();
  const http = () => ctx.app().http();
  const cron = (expression: string, timezone?: string) => ({
    type: 'SCHEDULE',
    schedule: { cron: { expression, ...(timezone !== undefined ? { timezone } : {}) } },
  });
  const fieldsOf = (body: { details?: { field: string }[] }) =>
    (body.details ?? []).map((d) => d.field);

  describe('dates are bounded to [1900, 2200)', () => {
    it.each(['3450-01-01T00:00:00Z', '1899-12-31T23:59:59Z', '9999-12-31T23:59:59Z'])(
      'POST /schedules/preview refuses from %s with 400 VALIDATION_FAILED on from',
      async (from) => {
        const res = await http()
          .post('/schedules/preview')
          .send({ automationSpec: cron('0 0 29 2 1'), from })
          .expect(400);
        expect(res.body.code).toBe('VALIDATION_FAILED');
        expect(fieldsOf(res.body)).toEqual(['from']);
        expect(JSON.stringify(res.body)).toMatch(/1900-01-01T00:00:00Z/);
      },
    );

    it('lists no fire time at or after 2200-01-01 (a shorter list, never a malformed one)', async () => {
      const res = await http()
        .post('/schedules/preview')
        .send({ automationSpec: cron('0 0 1 1 *'), from: '2198-06-01T00:00:00Z', count: 5 })
        .expect(200);
      expect(res.body.fireTimes).toEqual([
        {
          at: '2199-01-01T00:00:00.000Z',
          local: '2199-01-01T00:00:00+00:00',
          notBefore: '2199-01-01T00:00:00.000Z',
        },
      ]);
    });

    it('GET …/preview refuses from outside the range', async () => {
      const name = aName();
      await http().put(triggerPath(name)).send(aTrigger().inactive().build()).expect(201);
      const res = await http()
        .get(`${triggerPath(name)}/preview`)
        .query({ from: '3450-01-01T00:00:00Z' })
        .expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(fieldsOf(res.body)).toEqual(['from']);
    });

    it('backfill refuses from outside the range, and lists every slot across 1970', async () => {
      const name = aName();
      await http()
        .put(triggerPath(name))
        .send(aTrigger().withCron('0 12 * * *').inactive().build())
        .expect(201);
      const bad = await http()
        .post(`${triggerPath(name)}/backfill`)
        .send({ from: '1800-01-01T00:00:00Z', to: '1970-01-03T00:00:00Z', dryRun: true })
        .expect(400);
      expect(bad.body.code).toBe('VALIDATION_FAILED');
      expect(fieldsOf(bad.body)).toEqual(['from']);

      const res = await http()
        .post(`${triggerPath(name)}/backfill`)
        .send({ from: '1969-12-29T00:00:00Z', to: '1970-01-03T00:00:00Z', dryRun: true })
        .expect(200);
      expect(res.body.runs.map((r: { scheduledAt: string }) => r.scheduledAt)).toEqual([
        '1969-12-29T12:00:00.000Z',
        '1969-12-30T12:00:00.000Z',
        '1969-12-31T12:00:00.000Z',
        '1970-01-01T12:00:00.000Z',
        '1970-01-02T12:00:00.000Z',
      ]);
    });
  });

  describe('expression and zone length', () => {
    it('a cron expression over 1,024 characters is 400 VALIDATION_FAILED (deploy and preview)', async () => {
      const expression = `${' '.repeat(1100)}0 0 * * *`;
      const deploy = await http()
        .put(triggerPath(aName()))
        .send(aTrigger().withCron(expression).build())
        .expect(400);
      expect(deploy.body.code).toBe('VALIDATION_FAILED');
      expect(fieldsOf(deploy.body)).toEqual(['automationSpec.schedule.cron.expression']);
      const preview = await http()
        .post('/schedules/preview')
        .send({ automationSpec: cron(expression) })
        .expect(400);
      expect(fieldsOf(preview.body)).toEqual(['automationSpec.schedule.cron.expression']);
    });

    it('a time zone over 128 characters is 400 VALIDATION_FAILED', async () => {
      const res = await http()
        .put(triggerPath(aName()))
        .send(aTrigger().withCron('0 0 * * *', 'Europe/'.repeat(20)).build())
        .expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(fieldsOf(res.body)).toEqual(['automationSpec.schedule.cron.timezone']);
    });
  });

  describe('rate startTime', () => {
    it('"yesterday" is 400 VALIDATION_FAILED on automationSpec.schedule.rate.startTime', async () => {
      const res = await http()
        .put(triggerPath(aName()))
        .send(aTrigger().withRate(5, 'MINUTE', 'yesterday').build())
        .expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(fieldsOf(res.body)).toEqual(['automationSpec.schedule.rate.startTime']);
    });

    it('a year ≥ 10000 or outside the range is 400 VALIDATION_FAILED', async () => {
      for (const startTime of ['10000-01-01T00:00:00Z', '9999-12-31T00:00:00Z']) {
        const res = await http()
          .put(triggerPath(aName()))
          .send(aTrigger().withRate(5, 'MINUTE', startTime).build())
          .expect(400);
        expect(res.body.code).toBe('VALIDATION_FAILED');
        expect(fieldsOf(res.body)).toEqual(['automationSpec.schedule.rate.startTime']);
      }
    });

    it('more than 8 years ahead is 400 INVALID_SCHEDULE (never a deploy with nextFireAt null)', async () => {
      const far = new Date(Date.now() + 9 * 365.25 * 86_400_000).toISOString();
      const res = await http()
        .put(triggerPath(aName()))
        .send(aTrigger().withRate(1, 'DAY', far).build())
        .expect(400);
      expect(res.body.code).toBe('INVALID_SCHEDULE');
      expect(fieldsOf(res.body)).toEqual(['automationSpec.schedule.rate.startTime']);
    });

    it('7 years ahead deploys with nextFireAt = startTime', async () => {
      const start = new Date(Date.now() + 7 * 365 * 86_400_000);
      start.setUTCHours(0, 0, 0, 0);
      const res = await http()
        .put(triggerPath(aName()))
        .send(aTrigger().withRate(1, 'DAY', start.toISOString()).build())
        .expect(201);
      expect(res.body.status.nextFireAt).toBe(start.toISOString());
    });
  });
});
