import { randomUUID } from 'node:crypto';
import { useTestApp } from '../support/test-app';
import { deployManual, fire, lease } from '../support/workers';

describe('completing in batches (e2e)', () => {
  const ctx = useTestApp();
  const http = () => ctx.app().http();

  it('POST /runs/complete completes each run its token holds and answers the others one by one', async () => {
    const path = await deployManual(http, 'batch', { delivery: { type: 'QUEUE', queue: 'batch' } });
    for (let i = 0; i < 4; i++) await fire(http, path);
    const leases = await lease(http, 'batch', { max: 10 });
    expect(leases).toHaveLength(4);
    // each run of a batch gets a token of its own: 192 random bits, base64url
    const tokens = leases.map((l) => l.leaseToken);
    expect(new Set(tokens).size).toBe(4);
    for (const t of tokens) expect(t).toMatch(/^lt_[A-Za-z0-9_-]{32}$/);
    const [a, b, c, d] = leases;
    // d is completed first on its own: its token no longer holds in the batch.
    await http().post(`/runs/${d.run.id}/complete`).send({ leaseToken: d.leaseToken }).expect(200);
    const unknown = randomUUID();
    const res = await http()
      .post('/runs/complete')
      .send({
        runs: [
          { id: a.run.id, leaseToken: a.leaseToken, result: { n: 1 } },
          { id: b.run.id, leaseToken: 'lt_not-the-token' },
          { id: unknown, leaseToken: c.leaseToken },
          { id: d.run.id, leaseToken: d.leaseToken },
          { id: c.run.id, leaseToken: c.leaseToken },
          { id: 'not-a-run-id', leaseToken: c.leaseToken },
        ],
      })
      .expect(200);
    const runs = res.body.runs as {
      id: string;
      status: number;
      run?: Record<string, unknown>;
      error: { code: string; message: string };
    }[];
    expect(runs.map((r) => [r.id, r.status])).toEqual([
      [a.run.id, 200],
      [b.run.id, 409],
      [unknown, 404],
      [d.run.id, 409],
      [c.run.id, 200],
      ['not-a-run-id', 404],
    ]);
    expect(runs[0].run).toMatchObject({ state: 'SUCCEEDED', result: { n: 1 } });
    expect(runs[1].error).toMatchObject({ code: 'LEASE_LOST' });
    expect(runs[1].error.message).toContain('RUNNING');
    expect(runs[3].error.message).toContain('SUCCEEDED');
    expect(runs[2].error.code).toBe('RUN_NOT_FOUND');
    expect(JSON.stringify(res.body)).not.toContain(c.leaseToken);

    // b is still leased by its real token; a has one ended attempt with the outcome.
    await http().post(`/runs/${b.run.id}/complete`).send({ leaseToken: b.leaseToken }).expect(200);
    const got = await http().get(`/runs/${a.run.id}`).expect(200);
    expect(got.body.attempts).toEqual([
      expect.objectContaining({ number: 1, outcome: 'SUCCEEDED', endedAt: expect.any(String) }),
    ]);
    expect(got.body.finishedAt).toEqual(expect.any(String));
  });

  it('a run twice in one batch is completed once: the duplicate answers 409', async () => {
    const path = await deployManual(http, 'dup', { delivery: { type: 'QUEUE', queue: 'dup' } });
    await fire(http, path);
    const [l] = await lease(http, 'dup');
    const res = await http()
      .post('/runs/complete')
      .send({
        runs: [
          { id: l.run.id, leaseToken: 'lt_stale' },
          { id: l.run.id, leaseToken: l.leaseToken, result: 'first' },
          { id: l.run.id, leaseToken: l.leaseToken, result: 'second' },
        ],
      })
      .expect(200);
    expect(res.body.runs.map((r: { status: number }) => r.status)).toEqual([409, 200, 409]);
    expect(res.body.runs[1].run.result).toBe('first');
  });

  it('validates the batch: 1–500 items, each with an id and a token', async () => {
    const cases: [object, string][] = [
      [{ runs: [] }, 'runs'],
      [
        { runs: Array.from({ length: 501 }, () => ({ id: randomUUID(), leaseToken: 'x' })) },
        'runs',
      ],
      [{ runs: [{ id: randomUUID() }] }, 'runs.0.leaseToken'],
      [{ runs: [{ leaseToken: 'x' }] }, 'runs.0.id'],
      [{ runs: [{ id: randomUUID(), leaseToken: 'x', extra: 1 }] }, 'runs.0.extra'],
      // an item that is a list (of items or of nothing) is not an item
      [{ runs: [[]] }, 'runs'],
      [{ runs: [[{ id: randomUUID(), leaseToken: 'x' }]] }, 'runs'],
    ];
    for (const [body, field] of cases) {
      const res = await http().post('/runs/complete').send(body).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
    }
  });

  it('concurrent single completions are coalesced and each answered for itself', async () => {
    const path = await deployManual(http, 'many', { delivery: { type: 'QUEUE', queue: 'many' } });
    for (let i = 0; i < 60; i++) await fire(http, path);
    const leases = await lease(http, 'many', { max: 100 });
    expect(leases).toHaveLength(60);
    const answers = await Promise.all(
      leases.map((l, i) =>
        http()
          .post(`/runs/${l.run.id}/complete`)
          // every third one sends a wrong token
          .send({ leaseToken: i % 3 === 0 ? 'lt_wrong' : l.leaseToken, result: i }),
      ),
    );
    answers.forEach((res, i) => {
      if (i % 3 === 0) {
        expect(res.status).toBe(409);
      } else {
        expect(res.status).toBe(200);
        expect(res.body).toMatchObject({ id: leases[i].run.id, state: 'SUCCEEDED', result: i });
      }
    });
  });
});
