import { randomUUID } from 'node:crypto';
import { useTestApp } from '../support/test-app';
import { sleep } from '../support/trigger-rows';
import { deployManual, fire, lease } from '../support/workers';

const NO_BACKOFF = { retryConfig: { minBackoffDuration: '0s', maxBackoffDuration: '0s' } };

describe('worker lease API (e2e)', () => {
  const ctx = useTestApp({ RUNS_SWEEP_INTERVAL: '100ms' });
  const http = () => ctx.app().http();

  it('shows spec.delivery and retryConfig with their defaults; runs enter the queue', async () => {
    const path = await deployManual(http, 'queued', {
      delivery: { type: 'QUEUE', queue: 'etl' },
      retryConfig: { retryCount: 1 },
    });
    const details = await http().get(path).expect(200);
    expect(details.body.spec.delivery).toEqual({ type: 'QUEUE', queue: 'etl', expireAfter: '24h' });
    expect(details.body.spec.retryConfig).toEqual({
      retryCount: 1,
      minBackoffDuration: '5s',
      maxBackoffDuration: '1h',
      maxDoublings: 5,
      maxRetryDuration: '0s',
    });
    const run = await http().post(`${path}/fire`).expect(201);
    expect(run.body).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      state: 'PENDING',
      queue: 'etl',
      attempt: 0,
      notBefore: run.body.scheduledAt,
      startedAt: null,
      finishedAt: null,
      cancelRequested: false,
    });
    const plain = await deployManual(http, 'plain');
    expect((await http().get(plain).expect(200)).body.spec.delivery).toBeUndefined();
    expect((await http().post(`${plain}/fire`).expect(201)).body.queue).toBe('default');
  });

  it('runs a worker loop: lease, heartbeat, complete; the attempt is recorded', async () => {
    const path = await deployManual(http, 'loop', { delivery: { type: 'QUEUE', queue: 'loop' } });
    const id = await fire(http, path);
    const [l] = await lease(http, 'loop', { max: 5, leaseDuration: '30s' });
    expect(l.run).toMatchObject({ id, state: 'RUNNING', attempt: 1 });
    expect(l.leaseToken).toMatch(/^lt_/);
    expect(await lease(http, 'loop')).toEqual([]);

    const beat = await http()
      .post(`/runs/${id}/heartbeat`)
      .send({ leaseToken: l.leaseToken, extendBy: '2m' })
      .expect(200);
    expect(beat.body.cancelRequested).toBe(false);
    expect(Date.parse(beat.body.leaseExpiresAt)).toBeGreaterThan(Date.parse(l.leaseExpiresAt));

    const done = await http()
      .post(`/runs/${id}/complete`)
      .send({ leaseToken: l.leaseToken, result: { rows: 3 } })
      .expect(200);
    expect(done.body).toMatchObject({ state: 'SUCCEEDED', result: { rows: 3 } });
    expect(done.body.finishedAt).toEqual(expect.any(String));

    const again = await http()
      .post(`/runs/${id}/complete`)
      .send({ leaseToken: l.leaseToken })
      .expect(409);
    expect(again.body.code).toBe('LEASE_LOST');
    expect((await http().post(`/runs/${id}/cancel`).expect(409)).body.code).toBe('RUN_FINAL');

    const got = await http().get(`/runs/${id}`).expect(200);
    expect(got.body.state).toBe('SUCCEEDED');
    expect(got.body.attempts).toEqual([
      {
        number: 1,
        workerId: 'w1',
        startedAt: expect.any(String),
        endedAt: expect.any(String),
        outcome: 'SUCCEEDED',
      },
    ]);
    expect(JSON.stringify(got.body)).not.toContain(l.leaseToken);
  });

  it('fail retries after retryAfter, counts failures, and fails for good when not retryable', async () => {
    const path = await deployManual(http, 'flaky', {
      delivery: { type: 'QUEUE', queue: 'flaky' },
      retryConfig: { retryCount: 5 },
    });
    const id = await fire(http, path);
    const [first] = await lease(http, 'flaky');
    const retried = await http()
      .post(`/runs/${id}/fail`)
      .send({
        leaseToken: first.leaseToken,
        error: { message: 'boom', type: 'IO' },
        retryAfter: '0s',
      })
      .expect(200);
    expect(retried.body).toMatchObject({
      state: 'PENDING',
      error: { message: 'boom', type: 'IO' },
    });

    const [second] = await lease(http, 'flaky');
    expect(second.run.attempt).toBe(2);
    const released = await http()
      .post(`/runs/${id}/release`)
      .send({ leaseToken: second.leaseToken })
      .expect(200);
    expect(released.body.state).toBe('PENDING');

    const [third] = await lease(http, 'flaky');
    const failed = await http()
      .post(`/runs/${id}/fail`)
      .send({ leaseToken: third.leaseToken, error: { message: 'bad input', retryable: false } })
      .expect(200);
    expect(failed.body).toMatchObject({
      state: 'FAILED',
      attempt: 3,
      error: { message: 'bad input' },
    });
    const got = await http().get(`/runs/${id}`).expect(200);
    expect(got.body.attempts.map((a: { outcome: string }) => a.outcome)).toEqual([
      'FAILED',
      'RELEASED',
      'FAILED',
    ]);
    expect(got.body.attempts[0].error).toEqual({ message: 'boom', type: 'IO' });
  });

  it('a retry waits its backoff: notBefore moves, the run is not handed out before it', async () => {
    const path = await deployManual(http, 'backoff', {
      delivery: { type: 'QUEUE', queue: 'backoff' },
      retryConfig: { minBackoffDuration: '1h', maxBackoffDuration: '1h' },
    });
    const id = await fire(http, path);
    const [l] = await lease(http, 'backoff');
    const before = Date.now();
    const res = await http()
      .post(`/runs/${id}/fail`)
      .send({ leaseToken: l.leaseToken, error: { message: 'x' }, retryAfter: '10m' })
      .expect(200);
    expect(Date.parse(res.body.notBefore) - before).toBeGreaterThanOrEqual(599_000);
    expect(await lease(http, 'backoff')).toEqual([]);
  });

  it('long poll wakes within milliseconds of a new run', async () => {
    const path = await deployManual(http, 'poller', { delivery: { type: 'QUEUE', queue: 'poll' } });
    const started = Date.now();
    const waiting = lease(http, 'poll', { wait: '10s' });
    await sleep(300);
    const firedAt = Date.now();
    const id = await fire(http, path);
    const leases = await waiting;
    const woke = Date.now();
    expect(leases.map((l) => l.run.id)).toEqual([id]);
    expect(firedAt - started).toBeGreaterThanOrEqual(290);
    expect(woke - firedAt).toBeLessThan(2_000);
    const empty = Date.now();
    expect(await lease(http, 'poll', { wait: '0.3s' })).toEqual([]);
    expect(Date.now() - empty).toBeGreaterThanOrEqual(280);
  });

  it('an expired lease is swept back to PENDING and re-delivered; the stale token gets 409', async () => {
    const path = await deployManual(http, 'expiry', {
      delivery: { type: 'QUEUE', queue: 'expiry' },
      ...NO_BACKOFF,
    });
    const id = await fire(http, path);
    const [stale] = await lease(http, 'expiry', { leaseDuration: '1s' });
    const [fresh] = await lease(http, 'expiry', { wait: '5s', workerId: 'w2' });
    expect(fresh.run).toMatchObject({ id, attempt: 2 });
    for (const op of ['heartbeat', 'complete', 'release']) {
      const res = await http()
        .post(`/runs/${id}/${op}`)
        .send({ leaseToken: stale.leaseToken })
        .expect(409);
      expect(res.body.code).toBe('LEASE_LOST');
    }
    await http()
      .post(`/runs/${id}/fail`)
      .send({ leaseToken: stale.leaseToken, error: { message: 'late' } })
      .expect(409);
    await http().post(`/runs/${id}/complete`).send({ leaseToken: fresh.leaseToken }).expect(200);
    const got = await http().get(`/runs/${id}`).expect(200);
    expect(
      got.body.attempts.map((a: { outcome: string; workerId: string }) => [a.workerId, a.outcome]),
    ).toEqual([
      ['w1', 'LEASE_EXPIRED'],
      ['w2', 'SUCCEEDED'],
    ]);
    const metrics = await http().get('/metrics').expect(200);
    expect(metrics.text).toMatch(/sundial_leases_expired_total [1-9]/);
    expect(metrics.text).toMatch(/sundial_run_attempts_total\{outcome="LEASE_EXPIRED"\} [1-9]/);
    expect(metrics.text).toContain('sundial_run_start_lateness_seconds_bucket');
  });

  it('a lease that expires with no attempt left fails the run', async () => {
    const path = await deployManual(http, 'spent', {
      delivery: { type: 'QUEUE', queue: 'spent' },
      retryConfig: { retryCount: 0 },
    });
    const id = await fire(http, path);
    await lease(http, 'spent', { leaseDuration: '1s' });
    for (let i = 0; i < 40; i++) {
      const got = await http().get(`/runs/${id}`).expect(200);
      if (got.body.state === 'FAILED') {
        expect(got.body.error).toEqual({ message: expect.any(String), type: 'LEASE_EXPIRED' });
        return;
      }
      await sleep(100);
    }
    throw new Error('the run never failed');
  });

  it('cancels pending runs at once and running ones through cancelRequested', async () => {
    const path = await deployManual(http, 'cancel', {
      delivery: { type: 'QUEUE', queue: 'cancel' },
    });
    const pending = await fire(http, path);
    const res = await http()
      .post(`/runs/${pending}/cancel`)
      .send({ reason: 'not needed' })
      .expect(200);
    expect(res.body).toMatchObject({ state: 'CANCELLED', error: { message: 'not needed' } });
    expect(await lease(http, 'cancel')).toEqual([]);

    const running = await fire(http, path);
    const [l] = await lease(http, 'cancel');
    const asked = await http().post(`/runs/${running}/cancel`).expect(200);
    expect(asked.body).toMatchObject({ state: 'RUNNING', cancelRequested: true });
    const beat = await http()
      .post(`/runs/${running}/heartbeat`)
      .send({ leaseToken: l.leaseToken })
      .expect(200);
    expect(beat.body.cancelRequested).toBe(true);
    const ended = await http()
      .post(`/runs/${running}/fail`)
      .send({ leaseToken: l.leaseToken, error: { message: 'stopped' } })
      .expect(200);
    expect(ended.body.state).toBe('CANCELLED');
  });

  it('a pending run past expireAfter becomes FAILED (EXPIRED)', async () => {
    const path = await deployManual(http, 'expire', {
      delivery: { type: 'QUEUE', queue: 'expire', expireAfter: '500ms' },
    });
    const id = await fire(http, path);
    for (let i = 0; i < 40; i++) {
      const got = await http().get(`/runs/${id}`).expect(200);
      if (got.body.state === 'FAILED') {
        expect(got.body.error.type).toBe('EXPIRED');
        return;
      }
      await sleep(100);
    }
    throw new Error('the run never expired');
  });

  it('lists runs across triggers with filters and keyset pages; GET /queues counts them', async () => {
    const path = await deployManual(http, 'listed', {
      delivery: { type: 'QUEUE', queue: 'listed' },
    });
    const ids = [await fire(http, path), await fire(http, path), await fire(http, path)];
    const seen: string[] = [];
    let token: string | null = null;
    do {
      const res: { body: { runs: { id: string }[]; token: string | null } } = await http()
        .get('/runs')
        .query({ queue: 'listed', state: 'PENDING', limit: '2', ...(token ? { token } : {}) })
        .expect(200);
      seen.push(...res.body.runs.map((r: { id: string }) => r.id));
      token = res.body.token;
    } while (token);
    expect(seen).toEqual([...ids].reverse());
    // a page token holds only for the filters it was issued with
    const first = await http().get('/runs').query({ queue: 'listed', limit: '1' }).expect(200);
    for (const other of [{ queue: 'default' }, { queue: 'listed', state: 'PENDING' }, {}]) {
      const reused = await http()
        .get('/runs')
        .query({ ...other, limit: '1', token: first.body.token as string })
        .expect(400);
      expect(reused.body.details.map((d: { field: string }) => d.field)).toEqual(['token']);
    }
    const queues = await http().get('/queues').expect(200);
    expect(queues.body.queues).toContainEqual({
      queue: 'listed',
      pending: 3,
      running: 0,
      oldestPendingNotBefore: expect.any(String),
    });
    const none = await http().get('/runs').query({ taskName: 'nothing-here' }).expect(200);
    expect(none.body).toEqual({ runs: [], token: null });
  });

  it('answers 404 RUN_NOT_FOUND for unknown and malformed ids', async () => {
    for (const id of [randomUUID(), 'not-a-uuid']) {
      expect((await http().get(`/runs/${id}`).expect(404)).body.code).toBe('RUN_NOT_FOUND');
      const res = await http().post(`/runs/${id}/heartbeat`).send({ leaseToken: 'x' }).expect(404);
      expect(res.body.code).toBe('RUN_NOT_FOUND');
      await http().post(`/runs/${id}/cancel`).expect(404);
    }
  });

  it.each([
    ['/queues/Bad_Queue/lease', { workerId: 'w' }, 'queue'],
    ['/queues/q/lease', {}, 'workerId'],
    ['/queues/q/lease', { workerId: 'w', max: 0 }, 'max'],
    ['/queues/q/lease', { workerId: 'w', max: 501 }, 'max'],
    ['/queues/q/lease', { workerId: 'w', max: 1.5 }, 'max'],
    ['/queues/q/lease', { workerId: 'w', wait: '21s' }, 'wait'],
    ['/queues/q/lease', { workerId: 'w', wait: 5 }, 'wait'],
    ['/queues/q/lease', { workerId: 'w', leaseDuration: '0s' }, 'leaseDuration'],
    ['/queues/q/lease', { workerId: 'w', leaseDuration: '13h' }, 'leaseDuration'],
    ['/queues/q/lease', { workerId: 'w', extra: 1 }, 'extra'],
    [`/runs/${randomUUID()}/heartbeat`, {}, 'leaseToken'],
    [`/runs/${randomUUID()}/heartbeat`, { leaseToken: 't', extendBy: 'soon' }, 'extendBy'],
    [`/runs/${randomUUID()}/complete`, { leaseToken: 't', result: 'x'.repeat(70_000) }, 'result'],
    [`/runs/${randomUUID()}/fail`, { leaseToken: 't' }, 'error'],
    [`/runs/${randomUUID()}/fail`, { leaseToken: 't', error: {} }, 'error.message'],
    [
      `/runs/${randomUUID()}/fail`,
      { leaseToken: 't', error: { message: 'm', retryable: 'no' } },
      'error.retryable',
    ],
    [
      `/runs/${randomUUID()}/fail`,
      { leaseToken: 't', error: { message: 'm' }, retryAfter: '-1s' },
      'retryAfter',
    ],
    [`/runs/${randomUUID()}/release`, { leaseToken: 5 }, 'leaseToken'],
    [`/runs/${randomUUID()}/cancel`, { reason: 7 }, 'reason'],
  ])('POST %s → 400 (case %#)', async (url, body, field) => {
    const res = await http().post(url).send(body).expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it.each([
    [{ state: 'DONE' }, 'state'],
    [{ queue: 'A B' }, 'queue'],
    [{ limit: '0' }, 'limit'],
    [{ token: 'forged' }, 'token'],
    [{ project: 'Not_A_Project' }, 'project'],
  ])('GET /runs %j → 400 on %s', async (query, field) => {
    const res = await http().get('/runs').query(query).expect(400);
    expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it.each([
    [{ delivery: { type: 'SMTP', url: 'https://x' } }, 'spec.delivery.type'],
    [{ delivery: { type: 'QUEUE', queue: 'Bad_Q' } }, 'spec.delivery.queue'],
    [{ delivery: { type: 'QUEUE', expireAfter: '1 day' } }, 'spec.delivery.expireAfter'],
    [{ delivery: 'default' }, 'spec.delivery'],
    // an array in place of the object (a null item used to throw in the transform: a 500)
    [{ delivery: [true, null, 'x'] }, 'spec.delivery'],
    [{ delivery: [{ type: 'QUEUE' }] }, 'spec.delivery'],
    [{ delivery: { type: null } }, 'spec.delivery.type'],
    [{ retryConfig: { retryCount: 101 } }, 'spec.retryConfig.retryCount'],
    [{ retryConfig: { minBackoffDuration: 5 } }, 'spec.retryConfig.minBackoffDuration'],
    [{ retryConfig: { maxDoublings: -1 } }, 'spec.retryConfig.maxDoublings'],
  ])('deploy with spec %j → 400 on %s', async (extra, field) => {
    const res = await http()
      .put('/triggers/p/d/task/bad-delivery')
      .send({ spec: { taskVersion: 'v1', ...extra }, automationSpec: { type: 'NONE' } })
      .expect(400);
    expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
  });
});
