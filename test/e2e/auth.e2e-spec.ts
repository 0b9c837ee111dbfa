import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Body, Controller, Delete, Get, Module, Post, Put } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import request, { type Response } from 'supertest';
import { configureApp } from '../../src/app.setup';
import { AuthModule } from '../../src/auth/auth.module';
import { AppConfigModule } from '../../src/config/config.module';
import { loadConfig } from '../../src/config/load-config';
import { MetricsModule } from '../../src/metrics/metrics.module';
import { startApp, TestApp } from '../support/test-app';
import { TestDatabase } from '../support/test-database';

const sha = (key: string): string => createHash('sha256').update(key).digest('hex');

const KEYS = {
  reader: 'sdl_reader-key',
  writer: 'sdl_writer-key',
  admin: 'sdl_admin-key',
  billingWriter: 'sdl_billing-writer-key',
  billingReader: 'sdl_billing-reader-key',
};
const API_KEYS = [
  `reader1:reader:${sha(KEYS.reader)}`,
  `writer1:writer:${sha(KEYS.writer)}`,
  `admin1:admin:${sha(KEYS.admin)}`,
  `billing-ci:writer:${sha(KEYS.billingWriter)}:billing`,
  `billing-ro:reader:${sha(KEYS.billingReader)}:billing|ads`,
].join(',');
const METRICS_KEY = 'sdl_metrics-key';

type Method = 'get' | 'put' | 'post' | 'delete';
type Role = 'reader' | 'writer';

interface Endpoint {
  method: Method;
  /** OpenAPI path, used to tell whether the route exists yet */
  template: string;
  path: (project: string) => string;
  body?: (project: string) => object;
  needs: Role;
}

const key = (p: string): string => `/triggers/${p}/prod/etl/nightly`;
const KEY_TEMPLATE = '/triggers/{project}/{domain}/{taskName}/{name}';
const names = (p: string): object => ({
  names: [{ project: p, domain: 'prod', taskName: 'etl', name: 'nightly' }],
});
const deployBody = (): object => ({
  spec: { taskVersion: 'v1', active: false },
  automationSpec: { type: 'SCHEDULE', schedule: { cron: { expression: '0 9 * * *' } } },
});

/** One endpoint of each class of api.md; `needs` is the least role that may call it. */
const ENDPOINTS: Endpoint[] = [
  { method: 'put', template: KEY_TEMPLATE, path: key, body: deployBody, needs: 'writer' },
  { method: 'get', template: KEY_TEMPLATE, path: key, needs: 'reader' },
  { method: 'get', template: '/triggers', path: () => '/triggers', needs: 'reader' },
  {
    method: 'get',
    template: `${KEY_TEMPLATE}/revisions`,
    path: (p) => `${key(p)}/revisions`,
    needs: 'reader',
  },
  {
    method: 'get',
    template: `${KEY_TEMPLATE}/revisions/{revision}`,
    path: (p) => `${key(p)}/revisions/1`,
    needs: 'reader',
  },
  {
    method: 'get',
    template: `${KEY_TEMPLATE}/runs`,
    path: (p) => `${key(p)}/runs`,
    needs: 'reader',
  },
  {
    method: 'get',
    template: `${KEY_TEMPLATE}/preview`,
    path: (p) => `${key(p)}/preview?count=2`,
    needs: 'reader',
  },
  {
    method: 'post',
    template: '/schedules/preview',
    path: () => '/schedules/preview',
    body: () => ({ automationSpec: deployBody() }),
    needs: 'reader',
  },
  {
    method: 'post',
    template: '/triggers/activate',
    path: () => '/triggers/activate',
    body: names,
    needs: 'writer',
  },
  {
    method: 'post',
    template: '/triggers/deactivate',
    path: () => '/triggers/deactivate',
    body: names,
    needs: 'writer',
  },
  {
    method: 'post',
    template: `${KEY_TEMPLATE}/fire`,
    path: (p) => `${key(p)}/fire`,
    needs: 'writer',
  },
  {
    method: 'post',
    template: `${KEY_TEMPLATE}/backfill`,
    path: (p) => `${key(p)}/backfill`,
    body: () => ({ from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z', dryRun: true }),
    needs: 'writer',
  },
  {
    method: 'post',
    template: '/triggers/delete',
    path: () => '/triggers/delete',
    body: names,
    needs: 'writer',
  },
  { method: 'delete', template: KEY_TEMPLATE, path: key, needs: 'writer' },
];

/** `/a/{x}/b` and `/a/{y}/b` are the same route. */
const shape = (openApiPath: string): string => openApiPath.replace(/\{[^}]+\}/g, '{}');

function call(app: TestApp, e: Endpoint, project: string, token?: string): Promise<Response> {
  let req = app.http()[e.method](e.path(project));
  if (token !== undefined) req = req.set('Authorization', token);
  if (e.body) req = req.send(e.body(project));
  return req;
}

function label(e: Endpoint): string {
  return `${e.method.toUpperCase()} ${e.template}`;
}

/**
 * Stand-ins for every route of api.md, so the guard's decisions are tested on every route shape
 * with the real guard, config and error filter, whatever the controllers do with the request.
 */
@Controller()
class StubRoutesController {
  @Get('triggers')
  list(): object {
    return {};
  }
  @Post('schedules/preview')
  preview(@Body() _body: unknown): object {
    return {};
  }
  @Post('triggers/activate')
  activate(@Body() _body: unknown): object {
    return {};
  }
  @Post('triggers/deactivate')
  deactivate(@Body() _body: unknown): object {
    return {};
  }
  @Post('triggers/delete')
  bulkDelete(@Body() _body: unknown): object {
    return {};
  }
  @Put('triggers/:project/:domain/:taskName/:name')
  deploy(@Body() _body: unknown): object {
    return {};
  }
  @Get('triggers/:project/:domain/:taskName/:name')
  get(): object {
    return {};
  }
  @Delete('triggers/:project/:domain/:taskName/:name')
  remove(): object {
    return {};
  }
  @Get('triggers/:project/:domain/:taskName/:name/revisions')
  revisions(): object {
    return {};
  }
  @Get('triggers/:project/:domain/:taskName/:name/revisions/:revision')
  revision(): object {
    return {};
  }
  @Get('triggers/:project/:domain/:taskName/:name/runs')
  runs(): object {
    return {};
  }
  @Get('triggers/:project/:domain/:taskName/:name/preview')
  triggerPreview(): object {
    return {};
  }
  @Post('triggers/:project/:domain/:taskName/:name/fire')
  fire(): object {
    return {};
  }
  @Post('triggers/:project/:domain/:taskName/:name/backfill')
  backfill(@Body() _body: unknown): object {
    return {};
  }
  @Post('admin/something')
  unclassified(): object {
    return {};
  }
}

// (`@Body()` marks the routes that take a body: the body parser refuses one elsewhere.)

/** The guard, config, metrics and HTTP setup of the real app around the stand-in routes. */
async function startStubApp(env: Record<string, string>): Promise<TestApp> {
  const config = loadConfig({
    env: { HTTP_RATE_LIMIT: '0', LOG_LEVEL: 'error', ...env },
    cwd: null,
  });
  @Module({
    imports: [AppConfigModule.forRoot(config), MetricsModule, AuthModule.forRoot(config)],
    controllers: [StubRoutesController],
  })
  class StubAppModule {}
  const app = await NestFactory.create(StubAppModule, { bodyParser: false, logger: ['error'] });
  configureApp(app);
  await app.init();
  const server = app.getHttpServer();
  return { app, config, http: () => request(server), close: () => app.close() };
}

describe.each([
  ['stand-in routes', 'stub'],
  ['the real app', 'real'],
] as const)('authentication and authorization on %s (e2e)', (_label, kind) => {
  let db: TestDatabase | undefined;
  let app: TestApp;
  let routes: Set<string>;
  const exists = (e: Endpoint): boolean => routes.has(`${e.method} ${shape(e.template)}`);
  const env = { API_KEYS, METRICS_KEY_SHA256: sha(METRICS_KEY) };

  beforeAll(async () => {
    if (kind === 'stub') {
      app = await startStubApp(env);
    } else {
      db = await TestDatabase.create();
      app = await startApp(db, env);
    }
    const doc = (await app.http().get('/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, unknown>>;
    };
    routes = new Set(
      Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m} ${shape(path)}`),
      ),
    );
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('knows which routes exist', () => {
    if (kind === 'stub') expect(ENDPOINTS.every(exists)).toBe(true);
  });

  /** The guard's decision for one call: 'allowed' (anything but 401/403), 401 or 403. */
  async function decision(e: Endpoint, token: string | undefined, project = 'billing') {
    const res = await call(app, e, project, token);
    if (!exists(e)) {
      // The route is not there yet (another issue): unmatched routes never reach the guard.
      expect(res.status).toBe(404);
      return 'pending';
    }
    if (res.status === 401) {
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.body).toMatchObject({ statusCode: 401, code: 'UNAUTHENTICATED' });
      return 401;
    }
    if (res.status === 403) {
      expect(res.body).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
      return 403;
    }
    expect(res.status).toBeLessThan(500);
    return 'allowed';
  }

  const bearer = (k: string): string => `Bearer ${k}`;

  describe.each(ENDPOINTS.map((e) => [label(e), e] as const))('%s', (_name, e) => {
    const expectFor = (wanted: 'allowed' | 401 | 403) => (got: string | number) =>
      expect(got === 'pending' ? wanted : got).toBe(wanted);

    it('401 without a key, with an unknown key, or with another scheme', async () => {
      for (const token of [
        undefined,
        bearer('sdl_nope'),
        'Bearer',
        `Basic ${Buffer.from(`x:${KEYS.admin}`).toString('base64')}`,
        KEYS.admin,
        bearer(`${KEYS.admin}x`),
        bearer(METRICS_KEY),
      ]) {
        expectFor(401)(await decision(e, token));
      }
    });

    it(`role: ${e.needs === 'reader' ? 'every role may call it' : 'readers get 403'}`, async () => {
      expectFor(e.needs === 'reader' ? 'allowed' : 403)(await decision(e, bearer(KEYS.reader)));
      expectFor('allowed')(await decision(e, bearer(KEYS.writer)));
      expectFor('allowed')(await decision(e, bearer(KEYS.admin)));
      // the scheme is case-insensitive
      expectFor('allowed')(await decision(e, `bearer ${KEYS.admin}`));
    });

    it('project scope: allowed inside the key’s projects, 403 outside (reads included)', async () => {
      const scoped = e.needs === 'reader' ? KEYS.billingReader : KEYS.billingWriter;
      expectFor('allowed')(await decision(e, bearer(scoped), 'billing'));
      // the list and the unsaved preview name no project
      const namesProject = e.template !== '/triggers' && e.template !== '/schedules/preview';
      expectFor(namesProject ? 403 : 'allowed')(await decision(e, bearer(scoped), 'payroll'));
      expectFor('allowed')(await decision(e, bearer(KEYS.writer), 'payroll'));
    });
  });

  it('a project-scoped key gets 403 for a list filtered on another project', async () => {
    const list = ENDPOINTS.find((e) => e.template === '/triggers')!;
    const res = await app
      .http()
      .get('/triggers?project=payroll')
      .set('Authorization', bearer(KEYS.billingWriter));
    if (!exists(list)) return expect(res.status).toBe(404);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('FORBIDDEN');
    const own = await app
      .http()
      .get('/triggers?project=billing')
      .set('Authorization', bearer(KEYS.billingWriter));
    expect(own.status).toBe(200);
  });

  it('a bulk body naming any project outside the scope is 403, even among allowed ones', async () => {
    const activate = ENDPOINTS.find((e) => e.template === '/triggers/activate')!;
    const res = await app
      .http()
      .post('/triggers/activate')
      .set('Authorization', bearer(KEYS.billingWriter))
      .send({
        names: [
          { project: 'billing', domain: 'prod', taskName: 'etl', name: 'a' },
          { project: 'ads', domain: 'prod', taskName: 'etl', name: 'b' },
        ],
      });
    if (!exists(activate)) return expect(res.status).toBe(404);
    expect(res.status).toBe(403);
  });

  it('health stays open; metrics need the metrics key when one is configured', async () => {
    if (kind === 'real') {
      await app.http().get('/health/live').expect(200);
      await app.http().get('/health/ready').expect(200);
      await app.http().get('/health/live').set('Authorization', 'Bearer junk').expect(200);
    }
    const denied = await app.http().get('/metrics').expect(401);
    expect(denied.headers['www-authenticate']).toBe('Bearer');
    await app.http().get('/metrics').set('Authorization', bearer(KEYS.admin)).expect(401);
    await app.http().get('/metrics').set('Authorization', bearer(METRICS_KEY)).expect(200);
  });

  it('a route the policy does not classify needs admin when it is not a read', async () => {
    if (kind === 'real') return;
    const post = (token: string) =>
      app.http().post('/admin/something').set('Authorization', bearer(token));
    expect((await post(KEYS.writer)).status).toBe(403);
    expect((await post(KEYS.admin)).status).toBe(201);
  });

  it('unknown routes are 404 whatever the credential', async () => {
    await app.http().get('/nope').expect(404);
    await app
      .http()
      .post('/triggers/billing/x')
      .set('Authorization', bearer(KEYS.admin))
      .expect(404);
  });

  it('the key’s name is the actor: deployedBy, updatedBy and the revision actor', async () => {
    const deploy = ENDPOINTS[0];
    if (kind === 'stub' || !exists(deploy)) return;
    const path = '/triggers/billing/prod/etl/actor-check';
    const created = await app
      .http()
      .put(path)
      .set('Authorization', bearer(KEYS.billingWriter))
      .send(deployBody());
    expect(created.status).toBe(201);
    expect(created.body.metadata).toEqual({ deployedBy: 'billing-ci', updatedBy: 'billing-ci' });
    const updated = await app
      .http()
      .put(path)
      .set('Authorization', bearer(KEYS.admin))
      .send({ ...deployBody(), spec: { taskVersion: 'v2', active: false } });
    expect(updated.body.metadata).toEqual({ deployedBy: 'billing-ci', updatedBy: 'admin1' });
    const history = await app
      .http()
      .get(`${path}/revisions`)
      .set('Authorization', bearer(KEYS.reader));
    if (history.status === 200) {
      expect(history.body.revisions.map((r: { actor: string }) => r.actor)).toEqual([
        'admin1',
        'billing-ci',
      ]);
    }
  });

  it('an unfiltered list shows a scoped key only its projects', async () => {
    const list = ENDPOINTS.find((e) => e.template === '/triggers')!;
    if (kind === 'stub' || !exists(list) || !exists(ENDPOINTS[0])) return;
    for (const project of ['billing', 'ads', 'payroll']) {
      await app
        .http()
        .put(`/triggers/${project}/prod/etl/listed`)
        .set('Authorization', bearer(KEYS.admin))
        .send(deployBody())
        .expect(201);
    }
    const projectsSeen = async (token: string): Promise<Set<string>> => {
      const seen = new Set<string>();
      let next: string | null = null;
      do {
        const res: Response = await app
          .http()
          .get('/triggers')
          .query({ limit: 500, ...(next ? { token: next } : {}) })
          .set('Authorization', bearer(token))
          .expect(200);
        for (const t of res.body.triggers as { id: { name: { project: string } } }[]) {
          seen.add(t.id.name.project);
        }
        next = res.body.token as string | null;
      } while (next);
      return seen;
    };
    expect(await projectsSeen(KEYS.billingWriter)).toEqual(new Set(['billing']));
    expect(await projectsSeen(KEYS.billingReader)).toEqual(new Set(['billing', 'ads']));
    expect(await projectsSeen(KEYS.admin)).toEqual(new Set(['billing', 'ads', 'payroll']));
  });
});

describe('auth off (e2e)', () => {
  let db: TestDatabase;
  const apps: TestApp[] = [];
  beforeAll(async () => {
    db = await TestDatabase.create();
  });
  afterAll(async () => {
    for (const a of apps) await a.close();
    await db?.drop();
  });

  it.each([
    ['no keys configured', {}],
    ['AUTH_DISABLED=true with keys', { API_KEYS, AUTH_DISABLED: 'true' }],
  ])('%s: every route is open and the caller anonymous', async (_name, env) => {
    const app = await startApp(db, env);
    apps.push(app);
    await app.http().get('/metrics').expect(200);
    const preview = await app
      .http()
      .post('/schedules/preview')
      .set('Authorization', 'Bearer whatever')
      .send({ automationSpec: deployBody() });
    expect([401, 403]).not.toContain(preview.status);
    const deploy = await app
      .http()
      .put(`/triggers/open/prod/etl/${apps.length}`)
      .send(deployBody());
    expect([401, 403]).not.toContain(deploy.status);
    if (deploy.status === 201) {
      expect(deploy.body.metadata).toEqual({ deployedBy: 'anonymous', updatedBy: 'anonymous' });
    }
  });
});

describe('production refusal', () => {
  const load = (env: Record<string, string>) => () => loadConfig({ env, cwd: null });

  it('refuses NODE_ENV=production without API keys', () => {
    expect(load({ NODE_ENV: 'production' })).toThrow(/API_KEYS.*AUTH_DISABLED=true/);
  });

  it('starts in production with keys, or with auth explicitly disabled', () => {
    expect(load({ NODE_ENV: 'production', API_KEYS })().apiKeys).toHaveLength(5);
    expect(load({ NODE_ENV: 'production', AUTH_DISABLED: 'true' })().authDisabled).toBe(true);
  });

  it('rejects a malformed API_KEYS entry naming the setting', () => {
    expect(load({ API_KEYS: 'ci:writer:NOTHEX' })).toThrow(/API_KEYS/);
    expect(load({ API_KEYS: 'ci:owner:' + sha('x') })).toThrow(/role "owner"/);
  });
});

describe('npm run apikey', () => {
  const script = join(__dirname, '..', '..', 'scripts', 'apikey.js');
  const run = (...args: string[]): string =>
    execFileSync(process.execPath, [script, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });

  it('prints a new key and the API_KEYS entry that makes it work', async () => {
    const out = run('--name', 'ci', '--role', 'writer', '--projects', 'billing,ads');
    const key = /^\s+(sdl_[A-Za-z0-9_-]{43})$/m.exec(out)?.[1];
    const entry = /^\s+(ci:writer:[0-9a-f]{64}:billing\|ads)$/m.exec(out)?.[1];
    expect(key).toBeDefined();
    expect(entry).toBeDefined();
    expect(entry).toBe(`ci:writer:${sha(key!)}:billing|ads`);
    expect(run('--name', 'ci', '--role', 'writer')).not.toContain(key!);

    const app = await startStubApp({ API_KEYS: entry! });
    try {
      const res = await app
        .http()
        .put('/triggers/billing/prod/etl/n')
        .set('Authorization', `Bearer ${key!}`)
        .send({});
      expect(res.status).toBe(200);
      await app
        .http()
        .put('/triggers/payroll/prod/etl/n')
        .set('Authorization', `Bearer ${key!}`)
        .expect(403);
    } finally {
      await app.close();
    }
  });

  it('refuses an unknown role or a bad name', () => {
    expect(() => run('--name', 'ci', '--role', 'owner')).toThrow();
    expect(() => run('--name', 'bad name', '--role', 'reader')).toThrow();
    expect(() => run('--name', 'ci', '--role', 'reader', '--projects', 'Bad_Project')).toThrow();
  });
});
