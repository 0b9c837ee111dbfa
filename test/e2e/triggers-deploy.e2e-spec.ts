import { DataSource } from 'typeorm';
import { aName, aTrigger, triggerPath, type TriggerNameBody } from '../support/builders';
import { useTestApp } from '../support/test-app';

describe('PUT /triggers/{key} (e2e)', () => {
  const ctx = useTestApp();
  const http = () => ctx.app().http();
  const deploy = (n: TriggerNameBody, body: unknown, ifMatch?: string) => {
    const req = http().put(triggerPath(n));
    if (ifMatch !== undefined) req.set('If-Match', ifMatch);
    return req.send(body as object);
  };
  const db = () => ctx.app().app.get(DataSource);
  const row = async (n: TriggerNameBody) =>
    (
      await db().query(
        `SELECT effective_at, activated_at, updated_at, latest_revision FROM triggers
         WHERE project = $1 AND domain = $2 AND task_name = $3 AND name = $4`,
        [n.project, n.domain, n.taskName, n.name],
      )
    )[0] as {
      effective_at: Date;
      activated_at: Date | null;
      updated_at: Date;
      latest_revision: number;
    };
  const revisions = async (n: TriggerNameBody): Promise<number[]> =>
    (
      await db().query(
        `SELECT r.revision FROM trigger_revisions r JOIN triggers t ON t.id = r.trigger_id
         WHERE t.project = $1 AND t.domain = $2 AND t.task_name = $3 AND t.name = $4
         ORDER BY r.revision`,
        [n.project, n.domain, n.taskName, n.name],
      )
    ).map((r: { revision: number }) => r.revision);

  describe('create and update', () => {
    it('creates with 201, the full details, defaults and an ETag', async () => {
      const n = aName();
      const res = await deploy(n, aTrigger().withCron('0 9 * * *').build()).expect(201);
      expect(res.headers.etag).toBe('"1"');
      expect(res.body).toEqual({
        id: { name: n, revision: 1 },
        metadata: { deployedBy: 'anonymous', updatedBy: 'anonymous' },
        spec: { taskVersion: 'v1', active: true, inputs: {}, runSpec: {}, description: '' },
        automationSpec: {
          type: 'SCHEDULE',
          schedule: { cron: { expression: '0 9 * * *', timezone: 'UTC' } },
        },
        status: {
          deployedAt: expect.any(String),
          updatedAt: expect.any(String),
          activatedAt: expect.any(String),
          triggeredAt: null,
          lastScheduledAt: null,
          deletedAt: null,
          nextFireAt: expect.stringMatching(/T09:00:00\.000Z$/),
        },
      });
      const s = res.body.status;
      expect(s.updatedAt).toBe(s.deployedAt);
      expect(s.activatedAt).toBe(s.deployedAt);
      expect(new Date(s.nextFireAt).getTime()).toBeGreaterThan(Date.now());
    });

    it('keeps every spec field as sent and answers GET with the same body', async () => {
      const n = aName();
      const body = aTrigger()
        .withCron('0 9 * * 1-5', 'Europe/Berlin')
        .withKickoffArg('kickoff_time')
        .withTaskVersion('v7')
        .withInputs({ region: 'eu', nested: { list: [1, 'two', null, true] } })
        .withRunSpec({
          envs: { LOG_LEVEL: 'debug' },
          labels: { team: 'data' },
          annotations: {},
          interruptible: true,
          overwriteCache: false,
          cluster: 'eu-west',
        })
        .withDescription('nightly export')
        .build();
      const res = await deploy(n, body).expect(201);
      expect(res.body.spec).toEqual({ ...body.spec, active: true });
      expect(res.body.automationSpec).toEqual(body.automationSpec);
      const got = await http().get(triggerPath(n)).expect(200);
      expect(got.body).toEqual(res.body);
      expect(got.headers.etag).toBe('"1"');
    });

    it('updates with 200 and the next revision; deployedAt stays, updatedAt moves', async () => {
      const n = aName();
      const first = await deploy(n, aTrigger().build()).expect(201);
      const second = await deploy(n, aTrigger().withDescription('changed').build()).expect(200);
      expect(second.headers.etag).toBe('"2"');
      expect(second.body.id.revision).toBe(2);
      expect(second.body.spec.description).toBe('changed');
      expect(second.body.status.deployedAt).toBe(first.body.status.deployedAt);
      expect(second.body.status.updatedAt >= first.body.status.updatedAt).toBe(true);
      expect(await revisions(n)).toEqual([1, 2]);
    });

    it('deploys rate and NONE schedules; NONE and inactive have no nextFireAt', async () => {
      const rate = aName();
      const r = await deploy(
        rate,
        aTrigger().withRate(5, 'MINUTE', '2030-01-01T00:00:00Z').build(),
      );
      expect(r.status).toBe(201);
      expect(r.body.automationSpec.schedule.rate).toEqual({
        value: 5,
        unit: 'MINUTE',
        startTime: '2030-01-01T00:00:00Z',
      });
      expect(r.body.status.nextFireAt).toBe('2030-01-01T00:00:00.000Z');
      const none = await deploy(aName(), aTrigger().withNoSchedule().build()).expect(201);
      expect(none.body.automationSpec).toEqual({ type: 'NONE' });
      expect(none.body.status.nextFireAt).toBeNull();
      const inactive = await deploy(aName(), aTrigger().inactive().build()).expect(201);
      expect(inactive.body.spec.active).toBe(false);
      expect(inactive.body.status.activatedAt).toBeNull();
      expect(inactive.body.status.nextFireAt).toBeNull();
    });

    it('keeps a CRON_TZ= prefix as sent without adding a timezone', async () => {
      const res = await deploy(
        aName(),
        aTrigger().withCron('CRON_TZ=Asia/Tokyo 0 9 * * *').build(),
      );
      expect(res.status).toBe(201);
      expect(res.body.automationSpec.schedule.cron).toEqual({
        expression: 'CRON_TZ=Asia/Tokyo 0 9 * * *',
      });
      expect(res.body.status.nextFireAt).toMatch(/T00:00:00\.000Z$/);
    });
  });

  describe('effective time and activation', () => {
    it('keeps effective_at for spec-only changes, moves it on schedule change and re-activation', async () => {
      const n = aName();
      await deploy(n, aTrigger().withCron('0 9 * * *').build()).expect(201);
      const created = await row(n);
      await deploy(n, aTrigger().withCron('0 9 * * *').withDescription('only spec').build()).expect(
        200,
      );
      const specOnly = await row(n);
      expect(specOnly.effective_at).toEqual(created.effective_at);
      expect(specOnly.updated_at.getTime()).toBeGreaterThanOrEqual(created.updated_at.getTime());
      // The same schedule with the default timezone spelled out is no change either.
      await deploy(n, aTrigger().withCron('0 9 * * *', 'UTC').withDescription('only spec').build());
      expect((await row(n)).effective_at).toEqual(created.effective_at);

      await deploy(n, aTrigger().withCron('0 10 * * *').build()).expect(200);
      const changed = await row(n);
      expect(changed.effective_at.getTime()).toBeGreaterThan(created.effective_at.getTime());
      expect(changed.activated_at).toEqual(created.activated_at);

      // Deploying active=false deactivates (a DEPLOY revision); deploying active again re-activates.
      const off = await deploy(n, aTrigger().withCron('0 10 * * *').inactive().build()).expect(200);
      expect(off.body.spec.active).toBe(false);
      expect(off.body.status.nextFireAt).toBeNull();
      const offRow = await row(n);
      expect(offRow.effective_at).toEqual(changed.effective_at);
      const on = await deploy(n, aTrigger().withCron('0 10 * * *').build()).expect(200);
      const onRow = await row(n);
      expect(onRow.effective_at.getTime()).toBeGreaterThan(offRow.effective_at.getTime());
      expect(onRow.activated_at!.getTime()).toBeGreaterThan(created.activated_at!.getTime());
      expect(on.body.status.activatedAt).toBe(onRow.activated_at!.toISOString());
      const history = await http()
        .get(`${triggerPath(n)}/revisions`)
        .expect(200);
      expect(history.body.revisions.map((r: { action: string }) => r.action)).toEqual(
        Array(6).fill('DEPLOY'),
      );
    });
  });

  describe('optimistic locking', () => {
    it('updates at the expected revision and answers 409 with both revisions when stale', async () => {
      const n = aName();
      await deploy(n, aTrigger().build()).expect(201);
      await deploy(n, aTrigger().atRevision(1).build()).expect(200);
      const stale = await deploy(n, aTrigger().atRevision(1).build()).expect(409);
      expect(stale.body).toEqual({
        statusCode: 409,
        code: 'REVISION_CONFLICT',
        message: expect.any(String),
        details: { expectedRevision: 1, currentRevision: 2 },
        requestId: stale.headers['x-request-id'],
      });
      const ahead = await deploy(n, aTrigger().atRevision(7).build()).expect(409);
      expect(ahead.body.details).toEqual({ expectedRevision: 7, currentRevision: 2 });
      expect(await revisions(n)).toEqual([1, 2]);
    });

    it('treats revision 0 and null as unconditional', async () => {
      const n = aName();
      await deploy(n, aTrigger().atRevision(0).build()).expect(201);
      await deploy(n, aTrigger().atRevision(0).build()).expect(200);
      const res = await deploy(n, aTrigger().atRevision(null).build()).expect(200);
      expect(res.body.id.revision).toBe(3);
    });

    it('creates a missing trigger whatever revision is expected', async () => {
      const res = await deploy(aName(), aTrigger().atRevision(5).build()).expect(201);
      expect(res.body.id.revision).toBe(1);
      await deploy(aName(), aTrigger().build(), '"9"').expect(201);
    });

    it('accepts If-Match as "n", W/"n" and n, like the body revision', async () => {
      const n = aName();
      await deploy(n, aTrigger().build()).expect(201);
      expect((await deploy(n, aTrigger().build(), '"1"').expect(200)).headers.etag).toBe('"2"');
      await deploy(n, aTrigger().build(), 'W/"2"').expect(200);
      await deploy(n, aTrigger().build(), '3').expect(200);
      const stale = await deploy(n, aTrigger().build(), '"3"').expect(409);
      expect(stale.body.details).toEqual({ expectedRevision: 3, currentRevision: 4 });
      // header and body agreeing is fine; body null defers to the header
      await deploy(n, aTrigger().atRevision(4).build(), '"4"').expect(200);
      await deploy(n, aTrigger().atRevision(null).build(), '"5"').expect(200);
    });

    it('rejects an unparseable If-Match or one disagreeing with the body with 400', async () => {
      const n = aName();
      await deploy(n, aTrigger().build()).expect(201);
      for (const bad of ['abc', '"1', '"-1"', '1.5', '"1", "2"', '"2147483648"', 'W/1', '']) {
        const res = await deploy(n, aTrigger().build(), bad);
        expect([bad, res.status, res.body.code]).toEqual([bad, 400, 'VALIDATION_FAILED']);
      }
      const disagree = await deploy(n, aTrigger().atRevision(1).build(), '"2"').expect(400);
      expect(disagree.body.details[0].field).toBe('revision');
    });

    it('If-Match: * requires an existing, live trigger (412 otherwise)', async () => {
      const missing = aName();
      const res = await deploy(missing, aTrigger().build(), '*').expect(412);
      expect(res.body.code).toBe('PRECONDITION_FAILED');
      await http().get(triggerPath(missing)).expect(404);

      const n = aName();
      await deploy(n, aTrigger().build()).expect(201);
      await deploy(n, aTrigger().build(), '*').expect(200);
      await http().delete(triggerPath(n)).expect(204);
      expect((await deploy(n, aTrigger().build(), '*').expect(412)).body.code).toBe(
        'PRECONDITION_FAILED',
      );
    });

    it('re-creates a deleted trigger with 201, ignoring the expected revision; numbering and deployedAt continue', async () => {
      const n = aName();
      const first = await deploy(n, aTrigger().build()).expect(201);
      await http().delete(triggerPath(n)).expect(204);
      const again = await deploy(n, aTrigger().atRevision(1).build()).expect(201);
      expect(again.body.id.revision).toBe(3);
      expect(again.headers.etag).toBe('"3"');
      expect(again.body.status.deployedAt).toBe(first.body.status.deployedAt);
      expect(again.body.status.deletedAt).toBeNull();
      expect(again.body.status.activatedAt > first.body.status.activatedAt).toBe(true);
      expect(await revisions(n)).toEqual([1, 2, 3]);
    });

    it('32 concurrent deploys at the same expected revision: one succeeds, 31 conflict, no gap', async () => {
      const n = aName();
      await deploy(n, aTrigger().build()).expect(201);
      const results = await Promise.all(
        Array.from({ length: 32 }, (_, i) =>
          deploy(n, aTrigger().atRevision(1).withDescription(`attempt ${i}`).build()),
        ),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(31);
      for (const r of results.filter((x) => x.status === 409)) {
        expect(r.body.details).toEqual({ expectedRevision: 1, currentRevision: 2 });
      }
      expect(await revisions(n)).toEqual([1, 2]);
    });

    it('20 concurrent unconditional deploys give revisions 2..21 with no gap or duplicate', async () => {
      const n = aName();
      await deploy(n, aTrigger().build()).expect(201);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          deploy(n, aTrigger().withDescription(`d${i}`).build()),
        ),
      );
      expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
      const got = results.map((r) => r.body.id.revision).sort((a, b) => a - b);
      expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i + 2));
      expect(await revisions(n)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
      expect((await row(n)).latest_revision).toBe(21);
    });

    it('concurrent deploys of a new trigger: exactly one 201, the rest 200 with their own revisions', async () => {
      const n = aName();
      const results = await Promise.all(
        Array.from({ length: 16 }, () => deploy(n, aTrigger().build())),
      );
      const statuses = results.map((r) => r.status);
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 200)).toHaveLength(15);
      const created = results.find((r) => r.status === 201)!;
      expect(created.body.id.revision).toBe(1);
      expect(results.map((r) => r.body.id.revision).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 16 }, (_, i) => i + 1),
      );
    });
  });

  describe('validation', () => {
    const expect400 = async (
      body: unknown,
      code: 'VALIDATION_FAILED' | 'INVALID_SCHEDULE',
      field?: string,
      n: TriggerNameBody = aName(),
    ) => {
      const res = await deploy(n, body);
      expect([res.status, res.body.code]).toEqual([400, code]);
      expect(res.body.requestId).toBe(res.headers['x-request-id']);
      if (field !== undefined) {
        expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
      }
      return res;
    };

    it('names the bad path segment', async () => {
      const cases: [Partial<TriggerNameBody>, string][] = [
        [{ project: 'Upper' }, 'project'],
        [{ project: '-lead' }, 'project'],
        [{ project: 'trail-' }, 'project'],
        [{ project: 'a'.repeat(64) }, 'project'],
        [{ domain: 'has_underscore' }, 'domain'],
        [{ taskName: '.dot-first' }, 'taskName'],
        [{ taskName: 'a'.repeat(256) }, 'taskName'],
        [{ name: 'sp ace' }, 'name'],
        [{ name: 'sl/ash' }, 'name'],
        [{ name: 'ünïcode' }, 'name'],
      ];
      for (const [parts, field] of cases) {
        const res = await deploy(aName(parts), aTrigger().build());
        expect([field, res.status, res.body.code]).toEqual([field, 400, 'VALIDATION_FAILED']);
        expect(res.body.details.map((d: { field: string }) => d.field)).toEqual([field]);
      }
      await deploy(
        aName({ project: 'a'.repeat(63), taskName: 'T.x_y-z', name: 'A'.repeat(255) }),
        aTrigger().build(),
      ).expect(201);
    });

    it('rejects missing, unknown and wrongly typed fields (strict JSON types)', async () => {
      await expect400({ automationSpec: { type: 'NONE' } }, 'VALIDATION_FAILED', 'spec');
      await expect400({ spec: { taskVersion: 'v1' } }, 'VALIDATION_FAILED', 'automationSpec');
      await expect400({ ...aTrigger().build(), extra: 1 }, 'VALIDATION_FAILED', 'extra');
      await expect400(
        aTrigger().withSpec({ bogus: true }).build(),
        'VALIDATION_FAILED',
        'spec.bogus',
      );
      await expect400(
        aTrigger().withRunSpec({ unknown: 'x' }).build(),
        'VALIDATION_FAILED',
        'spec.runSpec.unknown',
      );
      await expect400(
        aTrigger()
          .withAutomationSpec({
            type: 'SCHEDULE',
            schedule: { cron: { expression: '* * * * *', zone: 'UTC' } },
          })
          .build(),
        'VALIDATION_FAILED',
        'automationSpec.schedule.cron.zone',
      );
      await expect400(
        aTrigger().withTaskVersion(5).build(),
        'VALIDATION_FAILED',
        'spec.taskVersion',
      );
      await expect400(
        aTrigger().withSpec({ active: 1 }).build(),
        'VALIDATION_FAILED',
        'spec.active',
      );
      await expect400(
        aTrigger().withSpec({ active: 'true' }).build(),
        'VALIDATION_FAILED',
        'spec.active',
      );
      await expect400(
        aTrigger().withRate('5', 'MINUTE').build(),
        'VALIDATION_FAILED',
        'automationSpec.schedule.rate.value',
      );
      await expect400(
        aTrigger().withRunSpec({ interruptible: 'yes' }).build(),
        'VALIDATION_FAILED',
        'spec.runSpec.interruptible',
      );
      await expect400(
        aTrigger()
          .withRunSpec({ envs: { A: 1 } })
          .build(),
        'VALIDATION_FAILED',
        'spec.runSpec.envs',
      );
      await expect400(
        aTrigger()
          .withRunSpec({ labels: ['a'] })
          .build(),
        'VALIDATION_FAILED',
        'spec.runSpec.labels',
      );
      await expect400(
        aTrigger().withRunSpec({ cluster: 3 }).build(),
        'VALIDATION_FAILED',
        'spec.runSpec.cluster',
      );
      await expect400(aTrigger().withRunSpec('fast').build(), 'VALIDATION_FAILED', 'spec.runSpec');
      await expect400(aTrigger().withInputs([1, 2]).build(), 'VALIDATION_FAILED', 'spec.inputs');
      await expect400(aTrigger().withInputs('x').build(), 'VALIDATION_FAILED', 'spec.inputs');
      await expect400(
        { spec: 'v1', automationSpec: { type: 'NONE' } },
        'VALIDATION_FAILED',
        'spec',
      );
      await expect400({ spec: [], automationSpec: { type: 'NONE' } }, 'VALIDATION_FAILED', 'spec');
      await expect400({ ...aTrigger().build(), revision: '3' }, 'VALIDATION_FAILED', 'revision');
      await expect400(
        aTrigger().withAutomationSpec({ type: 'NONE', schedule: 'daily' }).build(),
        'VALIDATION_FAILED',
        'automationSpec.schedule',
      );
    });

    it('rejects bodies that are not a JSON object, malformed JSON and U+0000', async () => {
      for (const body of ['5', '[]', 'null', '"text"', 'true', '{"spec":', '']) {
        const res = await http()
          .put(triggerPath(aName()))
          .set('Content-Type', 'application/json')
          .send(body);
        expect([body, res.status, res.body.code]).toEqual([body, 400, 'VALIDATION_FAILED']);
      }
      const nul = await deploy(
        aName(),
        aTrigger()
          .withInputs({ a: { b: 'x\u0000y' } })
          .build(),
      ).expect(400);
      expect(nul.body.code).toBe('VALIDATION_FAILED');
      expect(nul.body.details).toEqual([
        { field: 'spec.inputs.a.b', message: expect.stringContaining('U+0000') },
      ]);
      await expect400(
        aTrigger().withDescription('nul\u0000').build(),
        'VALIDATION_FAILED',
        'spec.description',
      );
      const text = await http()
        .put(triggerPath(aName()))
        .set('Content-Type', 'text/plain')
        .send('x')
        .expect(415);
      expect(text.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });

    it('enforces sizes: taskVersion 1–63, description ≤ 255, inputs ≤ 64 KiB, kickoff arg', async () => {
      await expect400(
        aTrigger().withTaskVersion('').build(),
        'VALIDATION_FAILED',
        'spec.taskVersion',
      );
      await expect400(
        aTrigger().withTaskVersion('v'.repeat(64)).build(),
        'VALIDATION_FAILED',
        'spec.taskVersion',
      );
      await deploy(aName(), aTrigger().withTaskVersion('v'.repeat(63)).build()).expect(201);
      await expect400(
        aTrigger().withDescription('d'.repeat(256)).build(),
        'VALIDATION_FAILED',
        'spec.description',
      );
      await deploy(aName(), aTrigger().withDescription('d'.repeat(255)).build()).expect(201);
      // {"k":"…"} is 8 bytes of framing
      await deploy(
        aName(),
        aTrigger()
          .withInputs({ k: 'x'.repeat(65536 - 8) })
          .build(),
      ).expect(201);
      await expect400(
        aTrigger()
          .withInputs({ k: 'x'.repeat(65536 - 7) })
          .build(),
        'VALIDATION_FAILED',
        'spec.inputs',
      );
      await expect400(
        aTrigger().withKickoffArg('').build(),
        'VALIDATION_FAILED',
        'automationSpec.schedule.kickoffTimeInputArg',
      );
    });

    it('rejects an expected revision that is negative, fractional or over 2^31-1', async () => {
      for (const revision of [-1, 1.5, 2147483648, 1e30]) {
        await expect400({ ...aTrigger().build(), revision }, 'VALIDATION_FAILED', 'revision');
      }
      await deploy(aName(), { ...aTrigger().build(), revision: 2147483647 }).expect(201);
    });

    it('reports automationSpec shape problems as VALIDATION_FAILED', async () => {
      await expect400(
        aTrigger().withAutomationSpec({ type: 'SCHEDULE' }).build(),
        'VALIDATION_FAILED',
        'automationSpec.schedule',
      );
      await expect400(
        aTrigger()
          .withAutomationSpec({ type: 'NONE', schedule: { cron: { expression: '* * * * *' } } })
          .build(),
        'VALIDATION_FAILED',
        'automationSpec.schedule',
      );
      await expect400(
        aTrigger()
          .withAutomationSpec({
            type: 'SCHEDULE',
            schedule: { cron: { expression: '* * * * *' }, rate: { value: 1, unit: 'HOUR' } },
          })
          .build(),
        'VALIDATION_FAILED',
        'automationSpec.schedule',
      );
      await expect400(
        aTrigger().withAutomationSpec({ type: 'SCHEDULE', schedule: {} }).build(),
        'VALIDATION_FAILED',
        'automationSpec.schedule',
      );
      await expect400(
        aTrigger().withAutomationSpec({ type: 'CRON' }).build(),
        'VALIDATION_FAILED',
        'automationSpec.type',
      );
      await expect400(
        aTrigger().withAutomationSpec({}).build(),
        'VALIDATION_FAILED',
        'automationSpec.type',
      );
    });

    it('reports schedule content problems as INVALID_SCHEDULE with the expression as sent', async () => {
      const n = aName({ name: 'nightly' });
      const bad = await expect400(
        aTrigger().withCron('0 25 * * *').build(),
        'INVALID_SCHEDULE',
        'automationSpec.schedule.cron.expression',
        n,
      );
      expect(bad.body.message).toMatch(
        /^trigger "nightly" has invalid cron expression "0 25 \* \* \*": /,
      );
      await expect400(aTrigger().withCron('').build(), 'INVALID_SCHEDULE');
      await expect400(aTrigger().withCron('not a cron').build(), 'INVALID_SCHEDULE');
      await expect400(aTrigger().withCron('0 0 30 2 *').build(), 'INVALID_SCHEDULE');
      const zone = await expect400(
        aTrigger().withCron('0 9 * * *', 'Mars/Olympus').build(),
        'INVALID_SCHEDULE',
      );
      expect(zone.body.message).toContain('Mars/Olympus');
      await expect400(
        aTrigger().withCron('CRON_TZ=Europe/Paris 0 9 * * *', 'UTC').build(),
        'INVALID_SCHEDULE',
      );
      await expect400(
        aTrigger().withRate(0, 'MINUTE').build(),
        'INVALID_SCHEDULE',
        'automationSpec.schedule.rate.value',
      );
      await expect400(
        aTrigger().withRate(1.5, 'HOUR').build(),
        'INVALID_SCHEDULE',
        'automationSpec.schedule.rate.value',
      );
      await expect400(
        aTrigger().withRate(3000, 'DAY').build(),
        'INVALID_SCHEDULE',
        'automationSpec.schedule.rate.value',
      );
      await expect400(
        aTrigger().withRate(1, 'WEEK').build(),
        'INVALID_SCHEDULE',
        'automationSpec.schedule.rate.unit',
      );
      await expect400(
        aTrigger().withRate(1, 'minute').build(),
        'INVALID_SCHEDULE',
        'automationSpec.schedule.rate.unit',
      );
      await deploy(aName(), aTrigger().withCron('@every 90s').build()).expect(201);
      await deploy(aName(), aTrigger().withCron('*/10 * * * * *').build()).expect(201);
    });

    it('answers malformed input on the path without a 500', async () => {
      const res = await http().put('/triggers/p/d/t/%E0%A4%A').send(aTrigger().build());
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    });

    it('rejects strings PostgreSQL jsonb refuses (lone surrogates) with 400 naming the field', async () => {
      const res = await http()
        .put(triggerPath(aName()))
        .set('Content-Type', 'application/json')
        .send(
          '{"spec":{"taskVersion":"v1","inputs":{"a":["ok","\\ud800"]}},"automationSpec":{"type":"NONE"}}',
        )
        .expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.details).toEqual([
        { field: 'spec.inputs.a[1]', message: expect.any(String) },
      ]);
      const desc = await http()
        .put(triggerPath(aName()))
        .set('Content-Type', 'application/json')
        .send(
          '{"spec":{"taskVersion":"v1","description":"x\\udc00"},"automationSpec":{"type":"NONE"}}',
        )
        .expect(400);
      expect(desc.body.details[0].field).toBe('spec.description');
    });

    // Nest's ValidationPipe would silently strip __proto__, constructor and prototype keys (its
    // prototype-pollution guard): they are refused instead, so no input is lost without a word.
    it('refuses prototype-looking keys in inputs rather than dropping them', async () => {
      const res = await http()
        .put(triggerPath(aName()))
        .set('Content-Type', 'application/json')
        .send(
          '{"spec":{"taskVersion":"v1","inputs":{"keep":1,"constructor":{"x":1},"__proto__":{"y":2}}},"automationSpec":{"type":"NONE"}}',
        )
        .expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.details).toEqual([
        { field: 'spec.inputs.constructor', message: expect.stringContaining('not accepted') },
      ]);
    });
  });
});
