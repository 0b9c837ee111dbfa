import { Webhook } from 'standardwebhooks';
import { useTestApp } from '../support/test-app';
import { WebhookReceiver, type ReceivedCall } from '../support/webhook-receiver';

const KEY_A = `whsec_${Buffer.alloc(32, 11).toString('base64')}`;
const KEY_B = `whsec_${Buffer.alloc(48, 22).toString('base64')}`;
const KEY_C = `whsec_${Buffer.alloc(24, 33).toString('base64')}`;

interface Run {
  id: string;
  state: string;
  attempt: number;
  scheduledAt: string;
  notBefore: string;
  result: unknown;
  error: { message: string; type?: string } | null;
  attempts?: { number: number; outcome: string | null; error?: { type?: string } }[];
}

/** Webhook delivery end to end: a real app, a real receiver on 127.0.0.1 (docs/webhooks.md). */
describe('webhook delivery (e2e)', () => {
  const ctx = useTestApp({
    WEBHOOK_DISPATCHER_ENABLED: 'true',
    WEBHOOK_SIGNING_KEYS: `rot=${KEY_A}|${KEY_B},*=${KEY_C}`,
    WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8',
  });
  let receiver: WebhookReceiver;
  let n = 0;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await receiver.close();
  });
  beforeEach(() => {
    receiver.calls.length = 0;
    receiver.handler = () => ({ status: 200 });
  });

  const http = () => ctx.app().http();

  /** Deploys a manual (NONE) webhook trigger and returns its path. */
  async function deploy(
    delivery: Record<string, unknown>,
    extra: Record<string, unknown> = {},
    project = 'p',
  ) {
    const path = `/triggers/${project}/d/hooks/t${++n}`;
    const res = await http()
      .put(path)
      .send({
        spec: { taskVersion: 'v1', delivery: { type: 'WEBHOOK', ...delivery }, ...extra },
        automationSpec: { type: 'NONE' },
      });
    expect(res.status).toBe(201);
    return path;
  }

  async function fire(path: string): Promise<string> {
    const res = await http().post(`${path}/fire`).send({}).expect(201);
    return (res.body as { id: string }).id;
  }

  async function run(id: string): Promise<Run> {
    return (await http().get(`/runs/${id}`).expect(200)).body as Run;
  }

  async function until(id: string, states: string[], timeoutMs = 15_000): Promise<Run> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await run(id);
      if (states.includes(r.state)) return r;
      if (Date.now() > deadline)
        throw new Error(`run ${id} is ${r.state}, expected ${states.join('|')}`);
      await new Promise((res) => setTimeout(res, 25));
    }
  }

  const headersOf = (c: ReceivedCall) => c.headers as Record<string, string>;

  it('calls the receiver with a Standard Webhooks signature the standardwebhooks library verifies', async () => {
    receiver.handler = () => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"rows":42}',
    });
    const path = await deploy({ url: receiver.url('/in'), headers: { 'x-team': 'data' } });
    const id = await fire(path);
    const done = await until(id, ['SUCCEEDED']);
    expect(done.result).toEqual({ rows: 42 });
    const [call] = await receiver.waitForCalls(1);
    expect(call.method).toBe('POST');
    expect(call.path).toBe('/in');
    const payload = new Webhook(KEY_C).verify(call.body, headersOf(call)) as {
      type: string;
      timestamp: string;
      data: { run: Run; leaseToken: string };
    };
    expect(payload.type).toBe('run.due');
    expect(payload.data.run).toMatchObject({ id, state: 'RUNNING', attempt: 1 });
    expect(payload.data.leaseToken).toEqual(expect.any(String));
    expect(call.headers).toMatchObject({
      'webhook-id': id,
      'sundial-attempt': '1',
      'sundial-scheduled-at': done.scheduledAt,
      'content-type': 'application/json',
      'x-team': 'data',
    });
    // a key of another project does not verify it
    expect(() => new Webhook(KEY_A).verify(call.body, headersOf(call))).toThrow();
  });

  it('signs with both keys of a rotation; either verifies', async () => {
    const path = await deploy({ url: receiver.url() }, {}, 'rot');
    await until(await fire(path), ['SUCCEEDED']);
    const [call] = receiver.calls;
    expect(String(call.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(() => new Webhook(KEY_A).verify(call.body, headersOf(call))).not.toThrow();
    expect(() => new Webhook(KEY_B).verify(call.body, headersOf(call))).not.toThrow();
  });

  it('retries a failing receiver with backoff: three attempts, one webhook-id', async () => {
    receiver.handler = (_c, i) => (i < 2 ? { status: 500 } : { status: 204 });
    const path = await deploy(
      { url: receiver.url() },
      { retryConfig: { retryCount: 3, minBackoffDuration: '300ms', maxBackoffDuration: '1s' } },
    );
    const id = await fire(path);
    const done = await until(id, ['SUCCEEDED']);
    const calls = receiver.calls;
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((c) => c.headers['webhook-id']))).toEqual(new Set([id]));
    expect(calls.map((c) => c.headers['sundial-attempt'])).toEqual(['1', '2', '3']);
    expect(done.attempt).toBe(3);
    expect(done.attempts?.map((a) => a.outcome)).toEqual(['FAILED', 'FAILED', 'SUCCEEDED']);
    // the last retry's notBefore is after the slot, and the call came no earlier than it
    expect(Date.parse(done.notBefore)).toBeGreaterThan(Date.parse(done.scheduledAt));
    expect(calls[2].receivedAt).toBeGreaterThanOrEqual(Date.parse(done.notBefore));
    for (const c of calls)
      expect(() => new Webhook(KEY_C).verify(c.body, headersOf(c))).not.toThrow();
  });

  it('fails at once on 410 Gone', async () => {
    receiver.handler = () => ({ status: 410 });
    const id = await fire(await deploy({ url: receiver.url() }));
    const done = await until(id, ['FAILED']);
    expect(done.error).toMatchObject({ type: 'GONE' });
    expect(receiver.calls).toHaveLength(1);
  });

  it('honours Retry-After on 429', async () => {
    receiver.handler = (_c, i) =>
      i === 0 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 };
    const id = await fire(
      await deploy({ url: receiver.url() }, { retryConfig: { minBackoffDuration: '0s' } }),
    );
    await until(id, ['SUCCEEDED']);
    const [first, second] = receiver.calls;
    expect(second.receivedAt - first.receivedAt).toBeGreaterThanOrEqual(900);
  });

  it('202: the run stays RUNNING until the receiver completes it with the lease token', async () => {
    receiver.handler = () => ({ status: 202 });
    const id = await fire(await deploy({ url: receiver.url() }));
    const [call] = await receiver.waitForCalls(1);
    await new Promise((r) => setTimeout(r, 200));
    expect((await run(id)).state).toBe('RUNNING');
    const { data } = JSON.parse(call.body) as { data: { leaseToken: string } };
    await http()
      .post(`/runs/${id}/heartbeat`)
      .send({ leaseToken: data.leaseToken, extendBy: '1m' })
      .expect(200);
    const res = await http()
      .post(`/runs/${id}/complete`)
      .send({ leaseToken: data.leaseToken, result: { later: true } })
      .expect(200);
    expect(res.body).toMatchObject({ state: 'SUCCEEDED', result: { later: true } });
  });

  it('ends a call that hangs past its timeout as a failed attempt', async () => {
    receiver.handler = () => 'hang';
    const started = Date.now();
    const id = await fire(
      await deploy({ url: receiver.url(), timeout: '1s' }, { retryConfig: { retryCount: 0 } }),
    );
    const done = await until(id, ['FAILED']);
    expect(done.error).toMatchObject({ type: 'TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('never follows a redirect to a private address', async () => {
    receiver.handler = () => ({
      status: 302,
      headers: { location: 'http://169.254.169.254/latest' },
    });
    const id = await fire(
      await deploy({ url: receiver.url() }, { retryConfig: { retryCount: 0 } }),
    );
    const done = await until(id, ['FAILED']);
    expect(done.error).toMatchObject({ type: 'REDIRECT' });
    expect(receiver.calls).toHaveLength(1);
  });

  it('delivers every run after a receiver that was down comes back, none lost', async () => {
    const down = await WebhookReceiver.start();
    const port = down.port;
    await down.close();
    const path = await deploy(
      { url: `http://127.0.0.1:${port}/back` },
      {
        retryConfig: { retryCount: 100, minBackoffDuration: '100ms', maxBackoffDuration: '500ms' },
      },
    );
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await fire(path));
    // down for 20 s: every run is retried meanwhile and none ends
    await new Promise((r) => setTimeout(r, 20_000));
    for (const id of ids) {
      const r = await run(id);
      expect(['PENDING', 'RUNNING']).toContain(r.state);
      expect(r.attempt).toBeGreaterThan(3);
    }
    const back = await WebhookReceiver.start(() => ({ status: 200 }), '127.0.0.1', port);
    try {
      for (const id of ids) {
        const r = await until(id, ['SUCCEEDED'], 20_000);
        expect(r.attempt).toBeGreaterThan(1);
      }
      const delivered = new Set(back.calls.map((c) => c.headers['webhook-id']));
      expect(delivered).toEqual(new Set(ids));
    } finally {
      await back.close();
    }
  });

  it('counts calls in sundial_webhook_requests_total and keeps keys out of every response', async () => {
    const path = await deploy({ url: receiver.url() });
    await until(await fire(path), ['SUCCEEDED']);
    const metrics = (await http().get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/sundial_webhook_requests_total\{outcome="2xx"\} [1-9]/);
    expect(metrics).toMatch(/sundial_webhook_requests_total\{outcome="5xx"\} [1-9]/);
    expect(metrics).toContain('sundial_webhook_duration_seconds_bucket');
    const bodies = [
      (await http().get(path).expect(200)).text,
      (await http().get(`${path}/revisions`).expect(200)).text,
      (await http().get('/runs').expect(200)).text,
      metrics,
    ].join('\n');
    for (const key of [KEY_A, KEY_B, KEY_C]) expect(bodies).not.toContain(key.slice(6, 26));
  });

  it('refuses a webhook trigger for a project without a signing key', async () => {
    // every project has the * default here; a second app without it is below
    const res = await http()
      .put('/triggers/p/d/hooks/badheaders')
      .send({
        spec: {
          taskVersion: 'v1',
          delivery: { type: 'WEBHOOK', url: receiver.url(), headers: { 'webhook-id': 'x' } },
        },
        automationSpec: { type: 'NONE' },
      })
      .expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.details[0].field).toBe('spec.delivery.headers.webhook-id');
  });
});

describe('webhook address guard at deploy (e2e, nothing allowed)', () => {
  const ctx = useTestApp({ WEBHOOK_SIGNING_KEYS: `billing=${KEY_A}` });
  const put = (url: string, project = 'billing') =>
    ctx
      .app()
      .http()
      .put(`/triggers/${project}/d/hooks/guard`)
      .send({
        spec: { taskVersion: 'v1', delivery: { type: 'WEBHOOK', url } },
        automationSpec: { type: 'NONE' },
      });

  it.each([
    ['http://127.0.0.1/', '127.0.0.1'],
    ['http://[::1]/', '::1'],
    ['http://10.0.0.1/', '10.0.0.1'],
    ['http://169.254.169.254/latest/meta-data/', '169.254.169.254'],
    ['http://localhost:8080/', '127.0.0.1'],
    ['http://[::ffff:127.0.0.1]/', '::ffff:7f00:1'],
    ['ftp://8.8.8.8/', 'ftp:'],
  ])('refuses %s with INVALID_DELIVERY naming the address', async (url, named) => {
    const res = await put(url).expect(400);
    expect(res.body.code).toBe('INVALID_DELIVERY');
    expect(res.body.message).toContain(named);
    expect(res.body.details[0].field).toBe('spec.delivery.url');
  });

  it('refuses a project with no signing key', async () => {
    const res = await put('https://8.8.8.8/', 'ads').expect(400);
    expect(res.body.code).toBe('INVALID_DELIVERY');
    expect(res.body.message).toContain('no webhook signing key for project ads');
  });

  it('accepts a public address', async () => {
    await put('https://8.8.8.8/hook').expect(201);
  });
});
