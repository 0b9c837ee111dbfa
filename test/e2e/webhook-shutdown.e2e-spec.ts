import { LeaseService } from '../../src/runs/lease/lease.service';
import { startApp, type TestApp } from '../support/test-app';
import { TestDatabase } from '../support/test-database';
import { WebhookReceiver } from '../support/webhook-receiver';

const KEY = `whsec_${Buffer.alloc(32, 5).toString('base64')}`;

/**
 * Shutting down with runs leased (docs/webhooks.md "Load"): the runs the dispatcher holds but
 * has not called go back to the queue at once, even those waiting behind a slow receiver's
 * slots, and nothing of the dispatcher's is still writing when the database closes.
 */
describe('webhook dispatcher shutdown (e2e)', () => {
  let db: TestDatabase;
  let receiver: WebhookReceiver;
  let app: TestApp | null = null;

  beforeAll(async () => {
    db = await TestDatabase.create();
    // answers after 4 s: longer than the 1 s shutdown grace below
    receiver = await WebhookReceiver.start(() => ({ status: 200, delayMs: 4_000 }));
  });
  afterAll(async () => {
    await app?.close();
    await receiver.close();
    await db.drop();
  });

  async function states(a: TestApp, ids: string[]): Promise<string[]> {
    const out: string[] = [];
    for (const id of ids) {
      const res = await a.http().get(`/runs/${id}`).expect(200);
      out.push((res.body as { state: string }).state);
    }
    return out;
  }

  it('gives back the runs waiting for a slow receiver at once; the one being called keeps its lease', async () => {
    app = await startApp(db, {
      WEBHOOK_DISPATCHER_ENABLED: 'true',
      WEBHOOK_SIGNING_KEYS: `*=${KEY}`,
      WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8',
      WEBHOOK_CONCURRENCY: '4',
      WEBHOOK_CONCURRENCY_PER_ORIGIN: '1',
      SHUTDOWN_TIMEOUT: '1s',
    });
    const path = '/triggers/p/d/hooks/slow';
    await app
      .http()
      .put(path)
      .send({
        spec: { taskVersion: 'v1', delivery: { type: 'WEBHOOK', url: receiver.url() } },
        automationSpec: { type: 'NONE' },
      })
      .expect(201);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await app.http().post(`${path}/fire`).send({}).expect(201);
      ids.push((res.body as { id: string }).id);
    }
    const [called] = await receiver.waitForCalls(1);
    // all four leased: one being called, three parked behind the origin's one slot
    const deadline = Date.now() + 10_000;
    while ((await states(app, ids)).some((s) => s !== 'RUNNING')) {
      if (Date.now() > deadline) throw new Error('the dispatcher did not lease all four runs');
      await new Promise((r) => setTimeout(r, 25));
    }
    const started = Date.now();
    await app.close();
    app = null;
    // the grace ran out on the slow call; the parked runs did not wait for it
    expect(Date.now() - started).toBeLessThan(3_500);

    app = await startApp(db); // dispatcher off: looks only
    const after = await states(app, ids);
    const calledId = String(called.headers['webhook-id']);
    expect(after[ids.indexOf(calledId)]).toBe('RUNNING'); // its lease runs out, then it retries
    expect(after.filter((s) => s === 'PENDING')).toHaveLength(3);
    expect(receiver.calls).toHaveLength(1);
  });

  it('a lease waiting on an empty queue answers at once when its signal aborts', async () => {
    app ??= await startApp(db);
    const leases = app.app.get(LeaseService);
    const stop = new AbortController();
    const started = Date.now();
    const waiting = leases.lease({
      queue: 'empty',
      workerId: 'w',
      max: 10,
      leaseMs: 30_000,
      waitMs: 10_000,
      projects: null,
      signal: stop.signal,
    });
    setTimeout(() => stop.abort(), 100);
    expect(await waiting).toEqual([]);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(90);
    expect(took).toBeLessThan(1_000); // not the 10 s wait, nor the 1 s fallback poll
  });
});
