import { createHash } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import request from 'supertest';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { loadConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logging/logger';
import { NestPinoLogger } from '../../src/logging/nest-logger';
import { MetricsService } from '../../src/metrics/metrics.service';
import { HttpDrain, shutDown } from '../../src/shutdown/graceful-shutdown';
import { startApp, TestApp } from '../support/test-app';
import { TestDatabase } from '../support/test-database';

const sha = (key: string): string => createHash('sha256').update(key).digest('hex');
const READER = 'sdl_ops-reader-secret';
const WRITER = 'sdl_ops-writer-secret';
const API_KEYS = `ops-reader:reader:${sha(READER)},ops-writer:writer:${sha(WRITER)}`;
const bearer = (k: string): string => `Bearer ${k}`;
const preview = {
  automationSpec: { type: 'SCHEDULE', schedule: { cron: { expression: '0 9 * * *' } } },
};

let db: TestDatabase;
const apps: TestApp[] = [];
async function app(env: Record<string, string>): Promise<TestApp> {
  const started = await startApp(db, env);
  apps.push(started);
  return started;
}

beforeAll(async () => {
  db = await TestDatabase.create();
});
afterAll(async () => {
  for (const a of apps) await a.close().catch(() => undefined);
  await db?.drop();
});

describe('limits (e2e)', () => {
  it('answers a body over 1 MiB with 413 PAYLOAD_TOO_LARGE before authentication', async () => {
    const a = await app({ API_KEYS });
    const res = await a
      .http()
      .post('/schedules/preview')
      .set('Authorization', bearer(READER))
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ automationSpec: { pad: 'x'.repeat(1024 * 1024) } }))
      .expect(413);
    expect(res.body).toEqual({
      statusCode: 413,
      code: 'PAYLOAD_TOO_LARGE',
      message: expect.any(String),
      requestId: res.headers['x-request-id'],
    });
  });

  it('limits each caller (API key, else IP) and answers 429 RATE_LIMITED with Retry-After', async () => {
    const a = await app({ API_KEYS, HTTP_RATE_LIMIT: '3/1m' });
    const get = (token?: string) => {
      const req = a.http().get('/triggers');
      return token ? req.set('Authorization', bearer(token)) : req;
    };
    for (let i = 0; i < 3; i++) expect((await get(READER)).status).not.toBe(429);
    const limited = await get(READER).expect(429);
    expect(limited.body).toEqual({
      statusCode: 429,
      code: 'RATE_LIMITED',
      message: expect.any(String),
      requestId: limited.headers['x-request-id'],
    });
    const retryAfter = Number(limited.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // the budget is per caller and shared by every route
    expect((await get(WRITER)).status).not.toBe(429);
    expect(
      (await a.http().post('/schedules/preview').set('Authorization', bearer(READER)).send(preview))
        .status,
    ).toBe(429);
    // callers without a valid key share their IP's budget, so guessing keys is limited too
    for (let i = 0; i < 3; i++) expect((await get('sdl_guess')).status).toBe(401);
    expect((await get('sdl_guess')).status).toBe(429);
    // health and metrics are never limited
    for (let i = 0; i < 5; i++) await a.http().get('/health/live').expect(200);
    for (let i = 0; i < 5; i++) await a.http().get('/metrics').expect(200);
  });

  it('answers what the HTTP parser rejects (headers over 16 KiB, garbage) in the error shape', async () => {
    const a = await app({});
    await a.app.listen(0, '127.0.0.1');
    const port = (a.app.getHttpServer().address() as AddressInfo).port;
    const raw = (text: string): Promise<string> =>
      new Promise((resolve, reject) => {
        let reply = '';
        const socket = connect(port, '127.0.0.1', () => socket.write(text));
        socket.on('data', (d: Buffer) => (reply += d.toString()));
        socket.on('end', () => resolve(reply));
        socket.on('error', reject);
      });
    const big = await raw(`GET /triggers?x=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(big).toMatch(/^HTTP\/1\.1 431 /);
    const body = JSON.parse(big.slice(big.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
    expect(body).toMatchObject({ statusCode: 431, code: 'VALIDATION_FAILED' });
    expect(big).toContain(`X-Request-Id: ${body.requestId as string}`);
    expect(await raw('HELLO\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 [^]*"code":"VALIDATION_FAILED"/);
  });

  it('sends security headers, and no CORS headers unless origins are configured', async () => {
    const a = await app({});
    const res = await a.http().get('/health/live').set('Origin', 'https://ui.example').expect(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers CORS for the configured origins only', async () => {
    const a = await app({ CORS_ORIGINS: 'https://ui.example' });
    const preflight = await a
      .http()
      .options('/triggers')
      .set('Origin', 'https://ui.example')
      .set('Access-Control-Request-Method', 'PUT')
      .set('Access-Control-Request-Headers', 'authorization,content-type,if-match');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://ui.example');
    expect(preflight.headers['access-control-allow-headers']).toMatch(/Authorization/);
    const other = await a.http().get('/health/live').set('Origin', 'https://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const ok = await a.http().get('/health/live').set('Origin', 'https://ui.example');
    expect(ok.headers['access-control-allow-origin']).toBe('https://ui.example');
    expect(ok.headers['access-control-expose-headers']).toMatch(/X-Request-Id/);
  });

  it('keeps Swagger UI working, with the Authorize button and open health routes', async () => {
    const a = await app({ API_KEYS });
    const page = await a.http().get('/docs/').expect(200);
    expect(page.text).toContain('swagger-ui');
    const doc = (await a.http().get('/docs-json').expect(200)).body;
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/health/live'].get.security).toEqual([]);
    // every asset the page loads is served from this origin (CSP default-src 'self')
    for (const asset of page.text.match(/(?:src|href)="([^"]+)"/g) ?? []) {
      const url = asset.replace(/^(src|href)="|"$/g, '');
      if (/^https?:/.test(url)) throw new Error(`external asset ${url}`);
      await a.http().get(new URL(url, 'http://x/docs/').pathname).expect(200);
    }
  });
});

describe('metrics (e2e)', () => {
  const valueOf = (text: string, series: string): number => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line ? Number(line.slice(series.length + 1)) : 0;
  };

  it('exposes every metric of api.md, with route templates, moving with traffic', async () => {
    const a = await app({});
    const before = (await a.http().get('/metrics').expect(200)).text;
    for (const name of [
      'http_request_duration_seconds',
      'sundial_runs_created_total',
      'sundial_fire_lateness_seconds',
      'sundial_scheduler_jobs',
      'sundial_reconcile_duration_seconds',
      'sundial_catchup_backlog',
      'sundial_revision_conflicts_total',
      'process_cpu_seconds_total',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(before).toContain(`# TYPE ${name} `);
    }
    await a.http().get('/health/live').expect(200);
    await a.http().get('/health/live').expect(200);
    await a
      .http()
      .get('/triggers/billing/prod/etl/raw-name-xyz')
      .expect((r) => r.status < 500);
    await a.http().get('/no/such/route-abc').expect(404);

    const after = (await a.http().get('/metrics').expect(200)).text;
    const live =
      'http_request_duration_seconds_count{method="GET",route="/health/live",status_code="200"}';
    expect(valueOf(after, live) - valueOf(before, live)).toBe(2);
    expect(after).toContain('route="unmatched",status_code="404"');
    expect(after).not.toContain('raw-name-xyz');
    expect(after).not.toContain('route-abc');
    if (after.includes('route="/triggers/:project')) {
      expect(after).toMatch(/route="\/triggers\/:project\/:domain\/:taskName\/:name"/);
    }

    const metrics = a.app.get(MetricsService);
    metrics.runsCreated('MANUAL', 2);
    metrics.runsCreated('SCHEDULE');
    metrics.observeFireLateness(0.2);
    metrics.setSchedulerJobs(7);
    metrics.observeReconcile(0.05);
    metrics.setCatchupBacklog(3);
    metrics.revisionConflict();
    const moved = (await a.http().get('/metrics').expect(200)).text;
    expect(valueOf(moved, 'sundial_runs_created_total{source="MANUAL"}')).toBe(
      valueOf(after, 'sundial_runs_created_total{source="MANUAL"}') + 2,
    );
    expect(valueOf(moved, 'sundial_scheduler_jobs')).toBe(7);
    expect(valueOf(moved, 'sundial_catchup_backlog')).toBe(3);
    expect(valueOf(moved, 'sundial_fire_lateness_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(valueOf(moved, 'sundial_reconcile_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(valueOf(moved, 'sundial_revision_conflicts_total')).toBeGreaterThanOrEqual(1);
  });

  it('counts revision conflicts and runs created through the API', async () => {
    const a = await app({});
    const path = '/triggers/metrics/prod/etl/conflict';
    const body = { spec: { taskVersion: 'v1' }, automationSpec: { type: 'NONE' } };
    await a.http().put(path).send(body).expect(201);
    const before = (await a.http().get('/metrics').expect(200)).text;
    await a
      .http()
      .put(path)
      .send({ ...body, revision: 7 })
      .expect(409);
    const fired = await a.http().post(`${path}/fire`);
    const after = (await a.http().get('/metrics').expect(200)).text;
    expect(valueOf(after, 'sundial_revision_conflicts_total')).toBe(
      valueOf(before, 'sundial_revision_conflicts_total') + 1,
    );
    if (fired.status === 201) {
      expect(valueOf(after, 'sundial_runs_created_total{source="MANUAL"}')).toBe(
        valueOf(before, 'sundial_runs_created_total{source="MANUAL"}') + 1,
      );
    }
  });

  it('keeps one registry per app: two apps in one process count separately', async () => {
    const one = await app({});
    const two = await app({});
    await one.http().get('/health/live').expect(200);
    const series =
      'http_request_duration_seconds_count{method="GET",route="/health/live",status_code="200"}';
    const text = (await two.http().get('/metrics').expect(200)).text;
    expect(valueOf(text, series)).toBe(0);
  });
});

describe('logs (e2e)', () => {
  it('writes one JSON line per request with its id, route, status and duration — never a key or an input', async () => {
    const lines: string[] = [];
    const config = loadConfig({
      env: {
        API_KEYS,
        LOG_LEVEL: 'info',
        HTTP_RATE_LIMIT: '0',
        TRIGGER_SCHEDULER_ENABLED: 'false',
        ...(db.url ? { DATABASE_URL: db.url } : {}),
      },
      cwd: null,
    });
    const root = createLogger({
      level: 'info',
      destination: { write: (s: string) => lines.push(s) },
    });
    const nest = await NestFactory.create(
      AppModule.register({ config, pglite: db.pglite ?? undefined }),
      { bodyParser: false, logger: new NestPinoLogger(root) },
    );
    configureApp(nest, { logger: root });
    await nest.init();
    try {
      const http = () => request(nest.getHttpServer());
      const secretInput = 'INPUT-VALUE-7f3a9c';
      await http()
        .put('/triggers/logs/prod/etl/nightly?token=QUERY-VALUE-1b2c')
        .set('Authorization', bearer(WRITER))
        .set('X-Request-Id', 'req-log-1')
        .send({
          spec: { taskVersion: 'v1', inputs: { password: secretInput } },
          automationSpec: preview.automationSpec,
        });
      await http()
        .get('/health/live')
        .set('Authorization', bearer(READER))
        .set('X-Request-Id', 'req-log-2');
      await http().get('/metrics').set('Authorization', `Bearer ${READER}x`);
      await http()
        .post('/schedules/preview')
        .set('Authorization', bearer('sdl_wrong-key-value'))
        .set('X-Request-Id', 'req-log-3')
        .send({ automationSpec: { secret: secretInput } });
      new Logger('HttpErrorFilter').error(
        {
          requestId: 'req-log-4',
          method: 'GET',
          path: '/x',
          err: Object.assign(new Error('boom'), { parameters: [secretInput], query: 'SELECT 1' }),
        },
        'Error: boom\n    at somewhere',
      );

      const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      const first = records.find((r) => r.requestId === 'req-log-1');
      expect(first).toMatchObject({
        level: 'info',
        method: 'PUT',
        route: '/triggers/:project/:domain/:taskName/:name',
        path: '/triggers/logs/prod/etl/nightly',
        statusCode: expect.any(Number),
        durationMs: expect.any(Number),
      });
      expect(records.find((r) => r.requestId === 'req-log-2')).toMatchObject({
        route: '/health/live',
        statusCode: 200,
      });
      expect(records.find((r) => r.requestId === 'req-log-3')).toMatchObject({ statusCode: 401 });
      expect(records.find((r) => r.requestId === 'req-log-4')).toMatchObject({
        level: 'error',
        context: 'HttpErrorFilter',
        err: { message: 'boom', type: 'Error' },
      });

      const all = lines.join('\n');
      for (const secret of [
        READER,
        WRITER,
        sha(READER),
        sha(WRITER),
        'sdl_wrong-key-value',
        secretInput,
        'QUERY-VALUE-1b2c',
        'Bearer',
      ]) {
        expect(all).not.toContain(secret);
      }
      expect(all.toLowerCase()).not.toContain('authorization');
    } finally {
      await nest.close();
    }
  });
});

describe('graceful shutdown (e2e)', () => {
  async function listening(): Promise<{ a: TestApp; drain: HttpDrain; port: number }> {
    const a = await startApp(db, {});
    const drain = new HttpDrain(a.app.getHttpServer());
    await a.app.listen(0, '127.0.0.1');
    const port = (a.app.getHttpServer().address() as AddressInfo).port;
    return { a, drain, port };
  }

  function openRequest(
    port: number,
    bodyLength: number,
    line = 'POST /schedules/preview',
  ): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(
          `${line} HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n` +
            `Content-Type: application/json\r\nContent-Length: ${bodyLength}\r\n\r\n`,
        );
        resolve(socket);
      });
      socket.on('error', reject);
    });
  }

  const refused = (port: number): Promise<boolean> =>
    new Promise((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.on('connect', () => {
        s.destroy();
        resolve(false);
      });
      s.on('error', () => resolve(true));
    });

  const logger = { log: () => undefined, warn: () => undefined, error: () => undefined };

  it('stops accepting, lets a request in flight finish (database still open), then closes the app', async () => {
    const { a, drain, port } = await listening();
    const body = JSON.stringify({ spec: { taskVersion: 'v1' }, ...preview });
    const socket = await openRequest(
      port,
      body.length,
      'PUT /triggers/shutdown/prod/etl/in-flight',
    );
    let response = '';
    socket.on('data', (d: Buffer) => (response += d.toString()));
    const closedSocket = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.write(body.slice(0, 10));
    await new Promise((r) => setTimeout(r, 50));

    const started = Date.now();
    const stopping = shutDown(a.app, drain, { timeoutMs: 5_000, logger });
    await new Promise((r) => setTimeout(r, 100));
    expect(await refused(port)).toBe(true);

    socket.write(body.slice(10));
    await stopping;
    await closedSocket;
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(response).toMatch(/^HTTP\/1\.1 201 /);
    expect(response.toLowerCase()).toContain('connection: close');
  });

  it('does not wait for a connection that never sent a request (a browser preconnect)', async () => {
    const { a, drain, port } = await listening();
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(s));
      s.on('error', reject);
    });
    const closedSocket = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await shutDown(a.app, drain, { timeoutMs: 5_000, logger });
    await closedSocket;
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('cuts off a request that does not finish within the timeout', async () => {
    const { a, drain, port } = await listening();
    const socket = await openRequest(port, 100);
    const closedSocket = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    const started = Date.now();
    await shutDown(a.app, drain, { timeoutMs: 300, logger });
    await closedSocket;
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(290);
    expect(took).toBeLessThan(3_000);
  });
});
