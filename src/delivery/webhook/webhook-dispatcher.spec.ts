import { WebhookReceiver } from '../../../test/support/webhook-receiver';
import { parseCidr } from './address-guard';
import { OriginLimiter } from './origin-limiter';
import { parseSigningKeys } from './signing-keys';
import { LeasedWebhookRun, WebhookDispatcher, WebhookLeasePort } from './webhook-dispatcher';
import { WebhookHttpClient } from './webhook-http-client';

const keys = parseSigningKeys(`*=whsec_${Buffer.alloc(32, 1).toString('base64')}`);

/** A recording lease port: runs handed out oldest first, every outcome recorded. */
class RecordingPort implements WebhookLeasePort {
  readonly queue: LeasedWebhookRun[] = [];
  readonly outcomes: { runId: string; kind: string; detail?: unknown; at: number }[] = [];
  leaseSizes: number[] = [];
  leaseDurations: number[] = [];
  heartbeats: number[] = [];

  async lease(max: number, leaseMs: number, waitMs: number): Promise<LeasedWebhookRun[]> {
    this.leaseDurations.push(leaseMs);
    const until = Date.now() + waitMs;
    while (this.queue.length === 0 && Date.now() < until)
      await new Promise((r) => setTimeout(r, 5));
    const out = this.queue.splice(0, max);
    if (out.length > 0) this.leaseSizes.push(out.length);
    return out;
  }
  async heartbeat(
    _id: string,
    _t: string,
    extendMs: number,
  ): Promise<{ leaseExpiresAt: Date; cancelRequested: boolean }> {
    this.heartbeats.push(extendMs);
    return { leaseExpiresAt: new Date(Date.now() + extendMs), cancelRequested: false };
  }
  private record(runId: string, kind: string, detail?: unknown): Promise<boolean> {
    this.outcomes.push({ runId, kind, detail, at: Date.now() });
    return Promise.resolve(true);
  }
  complete(runId: string, _t: string, result: unknown) {
    return this.record(runId, 'complete', result);
  }
  fail(runId: string, _t: string, error: unknown, retryable: boolean, retryAfterMs: number | null) {
    return this.record(runId, 'fail', { error, retryable, retryAfterMs });
  }
  release(runId: string) {
    return this.record(runId, 'release');
  }
}

function run(id: string, url: string, timeoutMs = 5_000): LeasedWebhookRun {
  return {
    runId: id,
    project: 'p',
    scheduledAt: new Date(),
    attempt: 1,
    leaseToken: `lt_${id}`,
    leaseExpiresAt: new Date(Date.now() + 60_000),
    view: { id },
    target: { url, method: 'POST', headers: {}, timeoutMs },
  };
}

describe('WebhookDispatcher (recording lease port, real receivers)', () => {
  let fast: WebhookReceiver;
  let slow: WebhookReceiver;
  let port: RecordingPort;
  let dispatcher: WebhookDispatcher;
  const problems: string[] = [];

  beforeEach(async () => {
    fast = await WebhookReceiver.start((call) => ({
      status: call.path === '/202' ? 202 : call.path === '/500' ? 500 : 200,
      headers: { 'content-type': 'application/json' },
      body: '{"done":true}',
    }));
    slow = await WebhookReceiver.start(() => ({ status: 200, delayMs: 600 }));
    port = new RecordingPort();
    const policy = { allowedCidrs: [parseCidr('127.0.0.0/8')], requireHttps: false };
    dispatcher = new WebhookDispatcher(
      port,
      new WebhookHttpClient(policy),
      new OriginLimiter(4, 2),
      keys,
      { request: () => undefined, problem: (m) => problems.push(m) },
      { leaseMs: 30_000, leaseMarginMs: 5_000, waitMs: 200, maxParked: 100, now: Date.now },
    );
  });
  afterEach(async () => {
    await dispatcher.stop(2_000);
    await fast.close();
    await slow.close();
  });

  it('applies each outcome through the port', async () => {
    port.queue.push(
      run('a', fast.url('/ok')),
      run('b', fast.url('/202')),
      run('c', fast.url('/500')),
    );
    dispatcher.start();
    await fast.waitForCalls(3);
    await waitFor(() => port.outcomes.length === 2 && dispatcher.holding() === 0);
    expect(port.outcomes.map((o) => [o.runId, o.kind])).toEqual(
      expect.arrayContaining([
        ['a', 'complete'],
        ['c', 'fail'],
      ]),
    );
    expect(port.outcomes.find((o) => o.runId === 'a')?.detail).toEqual({ done: true });
    expect(port.outcomes.find((o) => o.runId === 'c')?.detail).toMatchObject({ retryable: true });
    expect(fast.calls.map((c) => c.headers['webhook-id']).sort()).toEqual(['a', 'b', 'c']);
  });

  it('a slow origin holds only its own slots: the fast runs behind it go at once', async () => {
    for (let i = 0; i < 6; i++) port.queue.push(run(`s${i}`, slow.url()));
    for (let i = 0; i < 6; i++) port.queue.push(run(`f${i}`, fast.url()));
    const started = Date.now();
    dispatcher.start();
    await fast.waitForCalls(6);
    // six slow calls at two at a time need three rounds of 600 ms; the fast ones did not wait
    expect(Date.now() - started).toBeLessThan(500);
    expect(slow.calls.length).toBeLessThanOrEqual(2);
    await slow.waitForCalls(6, 5_000);
    await waitFor(() => port.outcomes.length === 12);
    expect(problems).toEqual([]);
  });

  it('sets a lease to the call timeout + margin, and leases later runs for that long', async () => {
    port.queue.push(run('short', fast.url(), 2_000));
    dispatcher.start();
    await waitFor(() => port.outcomes.length === 1);
    expect(port.heartbeats).toEqual([7_000]); // the 60 s lease was cut to 2 s + 5 s
    expect(port.leaseDurations[0]).toBe(30_000);
    port.queue.push(run('next', fast.url(), 2_000));
    await waitFor(() => port.outcomes.length === 2);
    expect(port.leaseDurations.at(-1)).toBe(7_000);
  });

  it('on stop, gives back at once the runs waiting for their origin, and lets calls finish', async () => {
    for (let i = 0; i < 5; i++) port.queue.push(run(`s${i}`, slow.url()));
    dispatcher.start();
    await slow.waitForCalls(2);
    await waitFor(() => dispatcher.holding() === 5); // 2 calling, 3 parked behind the origin's cap
    await dispatcher.stop(2_000);
    const released = port.outcomes.filter((o) => o.kind === 'release');
    const completed = port.outcomes.filter((o) => o.kind === 'complete');
    expect(released.map((o) => o.runId).sort()).toEqual(['s2', 's3', 's4']);
    expect(completed.map((o) => o.runId).sort()).toEqual(['s0', 's1']);
    // given back without waiting for the slow calls' slots (600 ms each)
    for (const r of released) expect(r.at).toBeLessThan(Math.min(...completed.map((c) => c.at)));
    expect(slow.calls).toHaveLength(2);
    expect(dispatcher.holding()).toBe(0);
  });

  it('on stop, waits for the lease in progress and gives back what it brings', async () => {
    let answer: (runs: LeasedWebhookRun[]) => void = () => undefined;
    const lease = jest
      .spyOn(port, 'lease')
      .mockImplementation(() => new Promise<LeasedWebhookRun[]>((resolve) => (answer = resolve)));
    dispatcher.start();
    await waitFor(() => lease.mock.calls.length === 1);
    const stopped = dispatcher.stop(2_000);
    let done = false;
    void stopped.then(() => (done = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(done).toBe(false); // still waiting for the lease's answer
    answer([run('late1', fast.url()), run('late2', fast.url())]);
    await stopped;
    expect(port.outcomes.map((o) => [o.runId, o.kind]).sort()).toEqual([
      ['late1', 'release'],
      ['late2', 'release'],
    ]);
    expect(fast.calls).toHaveLength(0);
  });
});

async function waitFor(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
