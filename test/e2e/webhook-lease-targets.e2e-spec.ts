import { WebhookLeaseAdapter } from '../../src/delivery/webhook/webhook-lease.adapter';
import { useTestApp } from '../support/test-app';

/**
 * The dispatcher's lease (webhook-lease.adapter.ts) gives each run the webhook of the revision
 * that created it, read for a whole batch at once; the dispatcher is off, so the test takes the
 * runs itself.
 */
describe('webhook lease: each run gets its revision’s webhook (e2e)', () => {
  const ctx = useTestApp({
    WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8',
    WEBHOOK_SIGNING_KEYS: `*=whsec_${Buffer.alloc(32, 5).toString('base64')}`,
  });
  const http = () => ctx.app().http();

  async function deploy(path: string, url: string, timeout?: string): Promise<void> {
    const res = await http()
      .put(path)
      .send({
        spec: { taskVersion: 'v1', delivery: { type: 'WEBHOOK', url, timeout } },
        automationSpec: { type: 'NONE' },
      });
    expect({ status: res.status, body: res.status < 300 ? null : res.body }).toEqual({
      status: expect.any(Number),
      body: null,
    });
  }

  async function fire(path: string): Promise<string> {
    return ((await http().post(`${path}/fire`).send({}).expect(201)).body as { id: string }).id;
  }

  it('runs of several triggers and of two revisions of one trigger, in one lease and again cached', async () => {
    const expected = new Map<string, { url: string; timeoutMs: number }>();
    for (let i = 0; i < 5; i++) {
      const path = `/triggers/p/d/hooks/many${i}`;
      await deploy(path, `http://127.0.0.1:9/t${i}`);
      expected.set(await fire(path), { url: `http://127.0.0.1:9/t${i}`, timeoutMs: 30_000 });
    }
    const changed = '/triggers/p/d/hooks/changed';
    await deploy(changed, 'http://127.0.0.1:9/first', '5s');
    expected.set(await fire(changed), { url: 'http://127.0.0.1:9/first', timeoutMs: 5_000 });
    await deploy(changed, 'http://127.0.0.1:9/second', '7s');
    expected.set(await fire(changed), { url: 'http://127.0.0.1:9/second', timeoutMs: 7_000 });
    await deploy(changed, 'http://127.0.0.1:9/third');

    const adapter = ctx.app().app.get(WebhookLeaseAdapter);
    const leased = await adapter.lease(100, 60_000, 0);
    expect(leased.map((r) => r.runId).sort()).toEqual([...expected.keys()].sort());
    for (const run of leased) {
      expect({ url: run.target?.url, timeoutMs: run.target?.timeoutMs }).toEqual(
        expected.get(run.runId),
      );
    }
    // a run of a revision already read: from the cache, the same answer
    const again = '/triggers/p/d/hooks/many0';
    const id = await fire(again);
    const [cached] = await adapter.lease(100, 60_000, 0);
    expect(cached.runId).toBe(id);
    expect(cached.target?.url).toBe('http://127.0.0.1:9/t0');
  });
});
