import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config/load-config';
import { aName, triggerPath } from '../support/builders';
import { startApp, type TestApp, useTestApp } from '../support/test-app';
import { TestDatabase } from '../support/test-database';

/**
 * HTTP-layer hardening (docs/api-limits.md): nesting depth, exact numbers and UTF-8, runSpec map
 * caps, keys kept as sent, the route and the rate limit decided before a body is read, server
 * timeouts and a connection cap, and short echoes in error messages. After each attack the app
 * still answers /health/ready.
 */

const deep = (levels: number, inner = '1'): string =>
  '['.repeat(levels) + inner + ']'.repeat(levels);
/** `{"a":{"a":...}}` with `levels` objects */
const deepObject = (levels: number): string => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
const deployBody = (spec: Record<string, unknown>): Record<string, unknown> => ({
  spec: { taskVersion: 'v1', ...spec },
  automationSpec: { type: 'NONE' },
});
const deployText = (inputsJson: string): string =>
  `{"spec":{"taskVersion":"v1","inputs":${inputsJson}},"automationSpec":{"type":"NONE"}}`;

async function expectReady(app: TestApp): Promise<void> {
  const ready = await app.http().get('/health/ready');
  expect(ready.status).toBe(200);
}

describe('HTTP hardening (e2e)', () => {
  const ctx = useTestApp();
  const http = () => ctx.app().http();
  const put = (body: string | Buffer) =>
    http()
      .put(triggerPath(aName()))
      .set('Content-Type', 'application/json')
      .serialize((b: unknown) => b as string)
      .send(body as string);

  describe('deep JSON', () => {
    it('refuses nesting deeper than 32 levels with 400 naming the field, then stays ready', async () => {
      const res = await http()
        .post('/schedules/preview')
        .set('Content-Type', 'application/json')
        .send(deep(4000));
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.details[0]).toEqual({
        field: expect.stringMatching(/^\[0\]\[0\]/),
        message: expect.stringContaining('deeper than 32'),
      });
      // inside inputs: body and spec are 2 levels, inputs and 30 more objects make 33
      const inInputs = await put(deployText(deepObject(31)));
      expect(inInputs.status).toBe(400);
      expect(inInputs.body.details[0].field).toBe(`spec.inputs${'.a'.repeat(30)}`);
      await expectReady(ctx.app());
    });

    it('accepts exactly 32 levels and stores them as sent', async () => {
      const n = aName();
      const res = await http()
        .put(triggerPath(n))
        .set('Content-Type', 'application/json')
        .send(deployText(deepObject(30)));
      expect(res.status).toBe(201);
      let node: unknown = res.body.spec.inputs;
      for (let i = 0; i < 29; i++) node = (node as Record<string, unknown>).a;
      expect(node).toEqual({ a: 1 });
    });

    it('refuses a deep body to a route that takes none (415) without parsing it', async () => {
      const res = await http()
        .get('/health/live')
        .set('Content-Type', 'application/json')
        .send(deep(4000));
      expect(res.status).toBe(415);
      expect(res.body.message).toContain('takes no request body');
      await expectReady(ctx.app());
    });
  });

  describe('wide JSON', () => {
    it('refuses an object of more than 1,000 members and a body of more than 20,000 values', async () => {
      const members = (n: number) =>
        `{${Array.from({ length: n }, (_, i) => `"k${i}":1`).join(',')}}`;
      expect((await put(deployText(members(1000)))).status).toBe(201);
      const wide = await put(deployText(`{"x":${members(1001)}}`));
      expect(wide.status).toBe(400);
      expect(wide.body.details).toEqual([
        { field: 'spec.inputs.x', message: expect.stringContaining('more than 1000 members') },
      ]);
      const top = await put(members(60_000));
      expect(top.status).toBe(400);
      expect(top.body.details[0].field).toBe('(body)');
      const many = await put(deployText(`{"a":[${'0,'.repeat(20_000)}0]}`));
      expect(many.status).toBe(400);
      expect(many.body.details).toEqual([
        {
          field: 'spec.inputs.a[19995]',
          message: expect.stringContaining('more than 20000 values'),
        },
      ]);
      await expectReady(ctx.app());
    });
  });

  describe('numbers and UTF-8', () => {
    it.each([
      ['1e400', 'x'],
      ['-1e400', 'x'],
      ['1e-400', 'x'],
      ['9007199254740993', 'x'],
      ['0.1000000000000000000000001', 'x'],
    ])('refuses %s, which would not survive a round trip, naming the field', async (num) => {
      const res = await put(deployText(`{"ok":1,"list":[1,{"x":${num}}]}`));
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual([
        { field: 'spec.inputs.list[1].x', message: expect.stringContaining('cannot be stored') },
      ]);
    });

    it('keeps numbers that are exact: 2^53, 1e21, 1.5, -0.25, 1e-7', async () => {
      const res = await put(
        deployText('{"a":9007199254740992,"b":1e21,"c":1.5,"d":-0.25,"e":1e-7,"f":10.50}'),
      );
      expect(res.status).toBe(201);
      expect(res.body.spec.inputs).toEqual({
        a: 2 ** 53,
        b: 1e21,
        c: 1.5,
        d: -0.25,
        e: 1e-7,
        f: 10.5,
      });
    });

    it('refuses invalid UTF-8 with 400 naming the field', async () => {
      const body = Buffer.concat([
        Buffer.from('{"spec":{"taskVersion":"v1","inputs":{"good":"é","bad":"ab'),
        Buffer.from([0xc3, 0x28]),
        Buffer.from('"}},"automationSpec":{"type":"NONE"}}'),
      ]);
      const res = await put(body);
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual([
        { field: 'spec.inputs.bad', message: expect.stringContaining('not valid UTF-8') },
      ]);
      const overlong = await put(
        Buffer.concat([Buffer.from('{"k'), Buffer.from([0xc0, 0xaf]), Buffer.from('":1}')]),
      );
      expect(overlong.status).toBe(400);
      await expectReady(ctx.app());
    });
  });

  describe('runSpec maps', () => {
    const labels = (n: number, size = 4) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v'.repeat(size)]));

    it.each(['envs', 'labels', 'annotations'])(
      'caps runSpec.%s at 128 entries and 16 KiB, naming the field',
      async (map) => {
        const many = await put(JSON.stringify(deployBody({ runSpec: { [map]: labels(129) } })));
        expect(many.status).toBe(400);
        expect(many.body.details).toEqual([
          { field: `spec.runSpec.${map}`, message: expect.stringContaining('at most 128 entries') },
        ]);
        const big = await put(JSON.stringify(deployBody({ runSpec: { [map]: labels(20, 1024) } })));
        expect(big.status).toBe(400);
        expect(big.body.details[0]).toEqual({
          field: `spec.runSpec.${map}`,
          message: expect.stringContaining('16384 bytes'),
        });
        const fine = await put(JSON.stringify(deployBody({ runSpec: { [map]: labels(128) } })));
        expect(fine.status).toBe(201);
      },
    );
  });

  describe('keys named like Object.prototype members', () => {
    const names = ['toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'toLocaleString'];

    it('stores them as sent at any depth in inputs and in the runSpec maps', async () => {
      const n = aName();
      const map = Object.fromEntries(names.map((k) => [k, `v-${k}`]));
      const inputs = { ...map, nested: [{ deeper: { ...map } }] };
      const res = await http()
        .put(triggerPath(n))
        .send(deployBody({ inputs, runSpec: { envs: map, labels: map, annotations: map } }));
      expect(res.status).toBe(201);
      const got = await http().get(triggerPath(n)).expect(200);
      expect(got.body.spec.inputs).toEqual(inputs);
      expect(got.body.spec.runSpec).toEqual({ envs: map, labels: map, annotations: map });
    });

    it('refuses them where no such field exists, rather than dropping them', async () => {
      const res = await http()
        .put(triggerPath(aName()))
        .send({ ...deployBody({}), toString: 'x' });
      expect(res.status).toBe(400);
      expect(res.body.details).toEqual([{ field: 'toString', message: 'unknown field' }]);
      const nested = await http()
        .put(triggerPath(aName()))
        .send({ ...deployBody({ runSpec: { valueOf: true } }) });
      expect(nested.status).toBe(400);
      expect(nested.body.details).toEqual([
        { field: 'spec.runSpec.valueOf', message: 'unknown field' },
      ]);
    });
  });

  describe('the route before the body', () => {
    it('answers a body to an unknown route 404 without parsing it (a malformed body too)', async () => {
      const res = await http()
        .post('/no/such/route')
        .set('Content-Type', 'application/json')
        .send(`{"a":${'x'.repeat(900_000)}`);
      expect(res.status).toBe(404);
      expect(res.headers.connection).toBe('close');
      expect(res.body.code).toBe('NOT_FOUND');
    });

    it('refuses a body to a route that takes none, e.g. POST .../fire, with 415', async () => {
      const res = await http()
        .post(`${triggerPath(aName())}/fire`)
        .set('Content-Type', 'application/json')
        .send('{}');
      expect(res.status).toBe(415);
      expect(res.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });
  });

  describe('error messages', () => {
    it('cut echoed values to a short prefix', async () => {
      const expression = `0 ${'9'.repeat(200_000)} * * *`;
      const res = await http()
        .put(triggerPath(aName()))
        .send({
          spec: { taskVersion: 'v1' },
          automationSpec: { type: 'SCHEDULE', schedule: { cron: { expression } } },
        });
      expect(res.status).toBe(400);
      expect(res.text.length).toBeLessThan(2_000);
      expect(res.text).not.toContain('9'.repeat(100));
    });
  });
});

describe('HTTP hardening: the rate limit before routing and parsing (e2e)', () => {
  const KEY = 'sdl_hardening-writer';
  const sha = createHash('sha256').update(KEY).digest('hex');
  const ctx = useTestApp({ HTTP_RATE_LIMIT: '3/1m', API_KEYS: `w:writer:${sha}` });
  const http = () => ctx.app().http();

  it('counts 404s and /docs, and answers a limited caller 429 without parsing its body', async () => {
    expect((await http().get('/no/such/route')).status).toBe(404);
    expect((await http().get('/docs-json')).status).toBe(200);
    expect((await http().get('/no/such/route/either')).status).toBe(404);
    const docs = await http().get('/docs-json');
    expect(docs.status).toBe(429);
    expect(docs.headers['retry-after']).toMatch(/^\d+$/);
    // over the limit, a malformed 1 MB body is not parsed: 429, not 400
    const body = await http()
      .put(triggerPath(aName()))
      .set('Content-Type', 'application/json')
      .send(`{"a":${'x'.repeat(1_000_000)}`);
    expect(body.status).toBe(429);
    expect(body.headers.connection).toBe('close');
    // health is never limited
    expect((await http().get('/health/ready')).status).toBe(200);
  });

  it('does not read the body of a request without valid credentials (401, not 400)', async () => {
    const other = await startApp(ctx.db(), { API_KEYS: `w:writer:${sha}` });
    try {
      const res = await other
        .http()
        .put(triggerPath(aName()))
        .set('Content-Type', 'application/json')
        .send(`{"a":${'x'.repeat(500_000)}`);
      expect(res.status).toBe(401);
    } finally {
      await other.close();
    }
  });
});

describe('HTTP hardening: server timeouts and the connection cap (e2e)', () => {
  let db: TestDatabase;
  let app: TestApp;
  let port: number;
  beforeAll(async () => {
    db = await TestDatabase.create();
    app = await startApp(db, {
      HTTP_HEADERS_TIMEOUT: '300ms',
      HTTP_REQUEST_TIMEOUT: '600ms',
      HTTP_KEEP_ALIVE_TIMEOUT: '300ms',
      HTTP_MAX_CONNECTIONS: '3',
    });
    await app.app.listen(0, '127.0.0.1');
    port = (app.app.getHttpServer().address() as AddressInfo).port;
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  /** Opens a socket, writes `head`, and resolves with what arrived until close (or `waitMs`). */
  const talk = (head: string, waitMs = 5_000) =>
    new Promise<{ reply: string; closedAfterMs: number | null }>((resolve) => {
      const started = Date.now();
      const socket = connect(port, '127.0.0.1');
      let reply = '';
      const timer = setTimeout(() => {
        socket.destroy();
        resolve({ reply, closedAfterMs: null });
      }, waitMs);
      socket.on('data', (d: Buffer) => (reply += d.toString()));
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearTimeout(timer);
        resolve({ reply, closedAfterMs: Date.now() - started });
      });
      socket.write(head);
    });

  it('defaults: at least 1,000 connections and timeouts well under Node’s 5 minutes', () => {
    const defaults = loadConfig({ env: {}, cwd: null }).httpServer;
    expect(defaults.maxConnections).toBeGreaterThanOrEqual(1000);
    expect(defaults.requestTimeoutMs).toBeLessThanOrEqual(60_000);
    expect(defaults.headersTimeoutMs).toBeLessThanOrEqual(defaults.requestTimeoutMs);
  });

  it('answers 408 and closes a connection whose headers never finish', async () => {
    const { reply, closedAfterMs } = await talk('GET /health/live HTTP/1.1\r\nHost: x\r\n');
    expect(closedAfterMs).not.toBeNull();
    expect(closedAfterMs!).toBeLessThan(3_000);
    expect(reply).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('answers 408 and closes a connection whose body arrives too slowly', async () => {
    const { reply, closedAfterMs } = await talk(
      'POST /schedules/preview HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        'Content-Length: 100\r\n\r\n{"a":',
    );
    expect(closedAfterMs).not.toBeNull();
    expect(closedAfterMs!).toBeLessThan(3_000);
    expect(reply).toMatch(/^HTTP\/1\.1 408 /);
    expect((await app.http().get('/health/ready')).status).toBe(200);
  });

  it('closes connections beyond HTTP_MAX_CONNECTIONS at once', async () => {
    const idle = Array.from({ length: 3 }, () => connect(port, '127.0.0.1'));
    await Promise.all(idle.map((s) => new Promise((r) => s.on('connect', r))));
    await new Promise((r) => setTimeout(r, 50));
    const { closedAfterMs, reply } = await talk('GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(reply).toBe('');
    expect(closedAfterMs).not.toBeNull();
    expect(closedAfterMs!).toBeLessThan(1_000);
    idle.forEach((s) => s.destroy());
  });
});
