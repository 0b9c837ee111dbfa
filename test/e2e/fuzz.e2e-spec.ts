import { createHash } from 'node:crypto';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { startApp, TestApp } from '../support/test-app';
import { TestDatabase } from '../support/test-database';

/**
 * Thousands of malformed requests to every route: random JSON types in every field, odd path
 * segments (bad percent-encoding, huge, unicode, dots), random query strings and headers, and
 * deep, wide and huge bodies. No
 * answer may be a 5xx, every error must have the API's shape, and the service must be healthy
 * afterwards.
 */

const ADMIN = 'sdl_fuzz-admin';
const READER = 'sdl_fuzz-reader';
const sha = (key: string): string => createHash('sha256').update(key).digest('hex');
const RUNS = Number(process.env.FUZZ_RUNS ?? 2500);

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });

function send(port: number, r: Sent): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: r.method,
        path: r.path,
        headers: {
          ...r.headers,
          ...(r.body !== undefined ? { 'Content-Length': Buffer.byteLength(r.body) } : {}),
        },
        agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (r.body !== undefined) req.write(r.body);
    req.end();
  });
}

// ---------------------------------------------------------------- arbitraries

const valid = {
  project: 'billing',
  domain: 'prod',
  taskName: 'etl.nightly',
  name: 'eu-1',
  revision: '1',
};

/** A path segment: valid, malformed, percent-encoded unicode, broken percent-encoding, huge. */
const segment = (good: string): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 4, arbitrary: fc.constant(good) },
    fc.constantFrom(
      '%',
      '%zz',
      '%E0%A4%A',
      '%C3%28',
      '%FF%FE',
      '%00',
      '%2F',
      '%2e%2e',
      '..',
      '.',
      '-1',
      '0',
      '2147483648',
      '99999999999999999999999',
      'NaN',
      '1e3',
      'UPPER',
      'a_b',
      '-a',
      'a-',
      '__proto__',
      'constructor',
      '%F0%9F%98%80',
      '%u0041',
    ),
    fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => encodeURIComponent(s) || 'x'),
    fc.string({ unit: 'binary', maxLength: 20 }).map((s) => encodeURIComponent(s) || 'y'),
    fc.integer({ min: 60, max: 3000 }).map((n) => 'a'.repeat(n)),
    fc.stringMatching(/^[A-Za-z0-9%._~-]{1,30}$/),
  );

/** Any JSON value, including deep and large ones. */
const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  fc.constantFrom(
    null,
    true,
    0,
    -1,
    1.5,
    2 ** 31,
    2 ** 53,
    '',
    '\u0000',
    'x'.repeat(300),
    [],
    {},
    '2026-01-01T00:00:00Z',
    'SCHEDULE',
    'NONE',
    'MINUTE',
    '*/5 * * * *',
    'CRON_TZ=Mars/Olympus 0 * * * *',
    '@every 0s',
  ),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.integer({ min: 10_000, max: 70_000 }).map((n) => 'y'.repeat(n)),
);

/** A valid-looking body of each kind, then one field replaced by a value of any type. */
const templates: Record<string, unknown>[] = [
  {
    revision: 1,
    spec: {
      taskVersion: 'v1',
      active: true,
      inputs: { region: 'eu' },
      runSpec: { envs: { A: 'b' }, labels: {}, annotations: {}, interruptible: true },
      description: 'd',
    },
    automationSpec: {
      type: 'SCHEDULE',
      schedule: {
        cron: { expression: '0 9 * * 1-5', timezone: 'Europe/Berlin' },
        kickoffTimeInputArg: 'kickoff_time',
      },
    },
  },
  {
    spec: { taskVersion: 'v1' },
    automationSpec: {
      type: 'SCHEDULE',
      schedule: { rate: { value: 5, unit: 'MINUTE', startTime: '2026-12-01T00:00:00Z' } },
    },
  },
  { names: [{ ...valid }] },
  { from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z', dryRun: true },
  {
    automationSpec: { type: 'SCHEDULE', schedule: { cron: { expression: '0 * * * *' } } },
    count: 3,
    from: '2026-01-01T00:00:00Z',
  },
];

/**
 * A valid-looking body for each route that takes one (`{id}` and `{token}` are the fuzz run's
 * and its lease token), mutated one field at a time by the route-by-route test.
 */
const routeTemplates: { method: string; path: string; body: unknown }[] = [
  {
    method: 'PUT',
    path: '/triggers/billing/prod/etl.nightly/policies',
    body: {
      spec: {
        taskVersion: 'v1',
        delivery: { type: 'QUEUE', queue: 'fuzz', expireAfter: '1h' },
        retryConfig: {
          retryCount: 2,
          minBackoffDuration: '1s',
          maxBackoffDuration: '10s',
          maxDoublings: 2,
          maxRetryDuration: '1h',
        },
      },
      automationSpec: {
        type: 'SCHEDULE',
        schedule: { cron: { expression: '*/5 * * * *', timezone: 'Europe/Berlin' } },
        policies: {
          overlapPolicy: 'BUFFER_ONE',
          maxConcurrentRuns: 1,
          catchupWindow: '10m',
          misfirePolicy: 'FIRE_LATEST',
          jitter: '1s',
          activeFrom: '2026-12-01T00:00:00Z',
          activeUntil: '2030-01-01T00:00:00Z',
          maxRuns: 10,
          pauseOnFailure: true,
        },
      },
    },
  },
  {
    method: 'PUT',
    path: '/triggers/billing/prod/etl.nightly/on-event',
    body: {
      spec: { taskVersion: 'v1' },
      automationSpec: {
        type: 'EVENT',
        event: { type: 'com.example.created', source: 'https://s/*', eventInputArg: 'event' },
      },
    },
  },
  {
    method: 'PUT',
    path: '/tasks/billing/prod/etl.set/triggers',
    body: {
      triggers: [{ name: 'a', spec: { taskVersion: 'v1' }, automationSpec: { type: 'NONE' } }],
      prune: true,
      dryRun: true,
    },
  },
  { method: 'POST', path: '/triggers/activate', body: { names: [{ ...valid }], note: 'n' } },
  { method: 'POST', path: '/triggers/billing/prod/etl.nightly/eu-1/fire', body: {} },
  {
    method: 'POST',
    path: '/events',
    body: {
      specversion: '1.0',
      id: 'e1',
      source: 'https://s/b',
      type: 'com.example.created',
      time: '2026-12-01T09:00:00Z',
      data: { b: 1 },
    },
  },
  {
    method: 'POST',
    path: '/queues/fuzz/lease',
    body: { workerId: 'w', max: 1, leaseDuration: '60s', wait: '0s' },
  },
  {
    method: 'POST',
    path: '/runs/{id}/heartbeat',
    body: { leaseToken: '{token}', extendBy: '60s' },
  },
  {
    method: 'POST',
    path: '/runs/{id}/fail',
    body: {
      leaseToken: '{token}',
      error: { message: 'm', type: 'T', retryable: true },
      retryAfter: '1s',
    },
  },
  { method: 'POST', path: '/runs/{id}/release', body: { leaseToken: '{token}' } },
  { method: 'POST', path: '/runs/{id}/cancel', body: { reason: 'r' } },
  {
    method: 'POST',
    path: '/runs/complete',
    body: { runs: [{ id: '{id}', leaseToken: '{token}', result: { r: 1 } }] },
  },
];

function paths(value: unknown, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  const entries = Object.entries(value as Record<string, unknown>);
  return [prefix, ...entries.flatMap(([k, v]) => paths(v, [...prefix, k]))];
}

function replaced(template: unknown, at: string[], value: unknown): unknown {
  if (at.length === 0) return value;
  const copy: Record<string, unknown> = Array.isArray(template)
    ? ([...template] as unknown as Record<string, unknown>)
    : { ...(template as Record<string, unknown>) };
  copy[at[0]] = replaced(copy[at[0]], at.slice(1), value);
  return copy;
}

const mutatedBody: fc.Arbitrary<string> = fc.constantFrom(...templates).chain((t) =>
  fc
    .tuple(fc.constantFrom(...paths(t)), anyJson, fc.boolean(), fc.string({ maxLength: 12 }))
    .map(([at, value, extra, key]) => {
      // a copy: constants (`{}`, `[]`) are shared between runs
      const body = structuredClone(replaced(t, at, value));
      if (extra && body && typeof body === 'object' && !Array.isArray(body)) {
        Object.defineProperty(body, key, {
          value: structuredClone(value),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return JSON.stringify(body) ?? 'null';
    }),
);

const rawBody: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('{', '{"a":', '[1,', 'nul', '"\\ud800"', '{"a":"\\u0000"}', '{}}', '\u0000'),
  fc.string({ unit: 'grapheme', maxLength: 100 }),
  fc.integer({ min: 1024 * 1024 - 10, max: 1024 * 1024 + 100 }).map((n) => `"${'z'.repeat(n)}"`),
);

/** Wraps `inner` in `levels` arrays or objects (`{"a":...}`), or a random mix of both. */
const nested = (levels: number, inner: string, kind: 'array' | 'object' | 'mixed'): string => {
  let open = '';
  let close = '';
  for (let i = 0; i < levels; i++) {
    const array = kind === 'array' || (kind === 'mixed' && i % 3 !== 0);
    open += array ? '[' : '{"a":';
    close = (array ? ']' : '}') + close;
  }
  return open + inner + close;
};

/**
 * Attack-style bodies (docs/api-limits.md): deep (up to 5,000 levels, at the top or inside
 * `inputs`), wide (tens of thousands of keys or elements) and huge (near the 1 MiB limit), and
 * numbers that do not survive a round trip.
 */
const attackBody: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(
      fc.integer({ min: 20, max: 5000 }),
      fc.constantFrom<'array' | 'object' | 'mixed'>('array', 'object', 'mixed'),
      fc.boolean(),
    )
    .map(([levels, kind, inInputs]) =>
      inInputs
        ? `{"spec":{"taskVersion":"v1","inputs":{"x":${nested(levels, '1', kind)}}},"automationSpec":{"type":"NONE"}}`
        : nested(levels, '{}', kind),
    ),
  fc
    .integer({ min: 1_000, max: 60_000 })
    .map((n) => `{${Array.from({ length: n }, (_, i) => `"k${i}":${i}`).join(',')}}`),
  fc
    .integer({ min: 1_000, max: 200_000 })
    .map(
      (n) =>
        `{"spec":{"taskVersion":"v1","inputs":{"a":[${'0,'.repeat(n)}0]},"runSpec":{"labels":{${Array.from(
          { length: Math.min(n, 5_000) },
          (_, i) => `"l${i}":"v"`,
        ).join(',')}}}},"automationSpec":{"type":"NONE"}}`,
    ),
  fc
    .integer({ min: 900_000, max: 1024 * 1024 + 1000 })
    .map((n) => `{"spec":{"taskVersion":"v1","description":"${'d'.repeat(n)}"}}`),
  fc
    .constantFrom('1e400', '-1e400', '1e-400', '9007199254740993', '1'.repeat(400))
    .map(
      (num) =>
        `{"spec":{"taskVersion":"v1","inputs":{"n":${num}}},"automationSpec":{"type":"NONE"}}`,
    ),
);

const queryValue = fc.oneof(
  fc.constantFrom(
    '1',
    '0',
    '-1',
    '501',
    '100',
    'true',
    'false',
    'name:desc',
    'x:y',
    '',
    '%',
    '%zz',
  ),
  fc.string({ unit: 'grapheme', maxLength: 30 }).map(encodeURIComponent),
  fc.integer({ min: 300, max: 5000 }).map((n) => 'q'.repeat(n)),
);
const query = fc
  .array(
    fc.tuple(
      fc.constantFrom(
        'limit',
        'token',
        'sort',
        'project',
        'domain',
        'taskName',
        'taskVersion',
        'active',
        'automationType',
        'count',
        'from',
        'x',
        '__proto__',
      ),
      queryValue,
    ),
    { maxLength: 4 },
  )
  .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}` : ''));

const asciiHeader = fc.stringMatching(/^[\x20-\x7e]{0,300}$/);
const headers = fc.record(
  {
    authorization: fc.oneof(
      { weight: 6, arbitrary: fc.constant(`Bearer ${ADMIN}`) },
      fc.constant(`Bearer ${READER}`),
      asciiHeader,
      fc.constant('Bearer '),
    ),
    'content-type': fc.oneof(
      { weight: 6, arbitrary: fc.constant('application/json') },
      fc.constantFrom(
        'text/plain',
        'application/x-www-form-urlencoded',
        'application/json; charset=latin1',
        '',
      ),
    ),
    'if-match': fc.oneof(
      fc.constantFrom('"1"', 'W/"2"', '*', '3', '"-1"', '"99999999999"'),
      asciiHeader,
    ),
    'idempotency-key': asciiHeader,
    'x-request-id': asciiHeader,
  },
  { requiredKeys: ['authorization', 'content-type'] },
);

// ---------------------------------------------------------------- the test

describe('fuzz (e2e)', () => {
  let db: TestDatabase;
  let app: TestApp;
  let port: number;
  let templatesFromDoc: { method: string; template: string }[];

  beforeAll(async () => {
    db = await TestDatabase.create();
    app = await startApp(db, {
      API_KEYS: `fuzz-admin:admin:${sha(ADMIN)},fuzz-reader:reader:${sha(READER)}:billing`,
    });
    await app.app.listen(0, '127.0.0.1');
    port = (app.app.getHttpServer().address() as AddressInfo).port;
    const doc = JSON.parse(
      (await send(port, { method: 'GET', path: '/docs-json', headers: {} })).body,
    ) as {
      paths: Record<string, Record<string, unknown>>;
    };
    templatesFromDoc = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => ({ method: method.toUpperCase(), template: path })),
    );
    // a trigger to hit with the valid-looking requests
    const deploy = await send(port, {
      method: 'PUT',
      path: '/triggers/billing/prod/etl.nightly/eu-1',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify(templates[0]),
    });
    expect(deploy.status).toBeLessThan(500);
  });
  afterAll(async () => {
    agent.destroy();
    await app?.close();
    await db?.drop();
  });

  it('covers every route of the API', () => {
    expect(templatesFromDoc.length).toBeGreaterThanOrEqual(5);
  });

  it(`answers ${RUNS} malformed requests without a 5xx, each error in the API's shape`, async () => {
    const route = fc.constant(null).chain(() =>
      fc.constantFrom(...templatesFromDoc).chain(({ method, template }) => {
        const names = [...template.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
        return fc
          .tuple(
            fc.oneof(
              { weight: 5, arbitrary: fc.constant(method) },
              fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'),
            ),
            fc.tuple(...names.map((n) => segment((valid as Record<string, string>)[n] ?? 'x'))),
            fc.oneof(fc.constant(''), fc.constantFrom('/', '//', '/extra', '/%', '/..')),
          )
          .map(([m, values, suffix]) => {
            let path = template;
            names.forEach((n, i) => (path = path.replace(`{${n}}`, values[i])));
            return { method: m, path: path + suffix };
          });
      }),
    );
    const request = fc.record({
      route,
      query,
      headers,
      body: fc.option(
        fc.oneof(
          { weight: 4, arbitrary: mutatedBody },
          rawBody,
          attackBody,
          anyJson.map((v) => JSON.stringify(v) ?? '1'),
        ),
        {
          nil: undefined,
        },
      ),
    });

    const started = Date.now();
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const sent: Sent = {
          method: r.route.method,
          path: r.route.path + r.query,
          headers: r.headers,
          body: r.route.method === 'GET' || r.route.method === 'HEAD' ? undefined : r.body,
        };
        const reply = await send(port, sent);
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        if (reply.status >= 500) {
          throw new Error(
            `${reply.status} for ${sent.method} ${sent.path.slice(0, 200)}: ${reply.body.slice(0, 300)}`,
          );
        }
        expect(reply.headers['x-request-id']).toMatch(/^[A-Za-z0-9._-]{1,128}$/);
        if (reply.status >= 400 && sent.method !== 'HEAD') {
          const body = JSON.parse(reply.body) as Record<string, unknown>;
          expect(body).toMatchObject({
            statusCode: reply.status,
            code: expect.stringMatching(/^[A-Z_]+$/),
            message: expect.any(String),
            requestId: reply.headers['x-request-id'],
          });
        }
      }),
      { numRuns: RUNS, endOnFailure: true },
    );
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(
      `fuzz: ${RUNS} requests in ${seconds.toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}\n`,
    );
    // the mix reached past validation too, not only 400s
    expect([...statuses.keys()].some((s) => s < 300)).toBe(true);
  });

  it('answers each route its own body with one field of any type, without a 5xx', async () => {
    const auth = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
    const none = { spec: { taskVersion: 'v1' }, automationSpec: { type: 'NONE' } };
    const fuzzQueue = {
      ...none,
      spec: { taskVersion: 'v1', delivery: { type: 'QUEUE', queue: 'fuzz' } },
    };
    await send(port, {
      method: 'PUT',
      path: '/triggers/fuzz/prod/etl/runs',
      headers: auth,
      body: JSON.stringify(fuzzQueue),
    });
    const covered = new Set<string>();
    const statuses = new Map<number, number>();
    const routeBody = fc.constantFrom(...routeTemplates).chain((t) =>
      fc
        .tuple(
          fc.constantFrom(...paths(t.body)),
          // a value of any type, or of the wrong shape (a list for an object, and so on)
          fc.oneof(anyJson, fc.constantFrom(null, [], [[]], [{}], {}, [1], { a: [] }, '')),
        )
        .map(([at, value]) => ({ ...t, body: structuredClone(replaced(t.body, at, value)) })),
    );
    await fc.assert(
      fc.asyncProperty(routeBody, async (r) => {
        // a fresh leased run for the routes that name one
        let path = r.path;
        let body = JSON.stringify(r.body) ?? 'null';
        if (path.includes('{id}') || body.includes('{id}')) {
          await send(port, {
            method: 'POST',
            path: '/triggers/fuzz/prod/etl/runs/fire',
            headers: auth,
            body: '{}',
          });
          const leased = await send(port, {
            method: 'POST',
            path: '/queues/fuzz/lease',
            headers: auth,
            body: JSON.stringify({ workerId: 'fuzz', max: 1, wait: '0s' }),
          });
          const lease = (
            JSON.parse(leased.body) as { leases: { run: { id: string }; leaseToken: string }[] }
          ).leases[0];
          if (lease) {
            path = path.replace('{id}', lease.run.id);
            body = body.replaceAll('{id}', lease.run.id).replaceAll('{token}', lease.leaseToken);
          }
        }
        const reply = await send(port, { method: r.method, path, headers: auth, body });
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        if (reply.status >= 500) {
          throw new Error(`${reply.status} for ${r.method} ${path}: ${body.slice(0, 300)}`);
        }
        if (reply.status < 300) covered.add(r.path);
      }),
      { numRuns: Math.max(200, Math.round(RUNS / 2)), endOnFailure: true },
    );
    process.stdout.write(
      `fuzz by route: statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}\n`,
    );
    // most routes were also reached with a body they accepted
    expect(covered.size).toBeGreaterThanOrEqual(routeTemplates.length / 2);
  });

  it('answers deep, wide and huge bodies to every route that takes one with a 4xx, staying ready', async () => {
    const bodyRoutes = templatesFromDoc
      .filter(({ method }) => method === 'PUT' || method === 'POST')
      .map(({ method, template }) => ({
        method,
        path: template.replace(
          /\{([^}]+)\}/g,
          (_, n: string) => (valid as Record<string, string>)[n] ?? 'x',
        ),
      }));
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...bodyRoutes), attackBody, async (route, body) => {
        const reply = await send(port, {
          ...route,
          headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
          body,
        });
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        if (reply.status >= 500)
          throw new Error(`${reply.status} for ${route.method} ${route.path}`);
        const ready = await send(port, { method: 'GET', path: '/health/ready', headers: {} });
        expect(ready.status).toBe(200);
      }),
      { numRuns: Math.max(20, Math.round(RUNS / 25)), endOnFailure: true },
    );
    process.stdout.write(
      `fuzz attacks: statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}\n`,
    );
    expect([...statuses.keys()].every((s) => s >= 200 && s < 500)).toBe(true);
  });

  it('is healthy afterwards and still serves valid requests', async () => {
    const ready = await send(port, { method: 'GET', path: '/health/ready', headers: {} });
    expect(ready.status).toBe(200);
    const auth = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
    const deploy = await send(port, {
      method: 'PUT',
      path: '/triggers/after/prod/etl/fuzz',
      headers: auth,
      body: JSON.stringify(templates[1]),
    });
    expect(deploy.status).toBe(201);
    const got = await send(port, {
      method: 'GET',
      path: '/triggers/after/prod/etl/fuzz',
      headers: auth,
    });
    expect(got.status).toBe(200);
  });
});
