import { ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { aName, aTrigger, triggerPath } from '../support/builders';
import { createScratchDatabase } from '../support/scratch-database';
import { startApp, TestApp } from '../support/test-app';
import { TestDatabase } from '../support/test-database';

const ROOT = join(__dirname, '..', '..');
const SERVER_URL = process.env.DATABASE_URL;
const onPostgres = SERVER_URL ? it : it.skip;
const onEmbedded = SERVER_URL ? it.skip : it;

interface Proc {
  child: ChildProcess;
  out: () => string;
  exit: Promise<number | null>;
}

/**
 * The real process (src/main.ts through ts-node), optionally in its own pid namespace, as in a
 * container: `unshare --pid --fork --mount-proc`, where it is pid 1; `--kill-child` passes a
 * signal sent to unshare (killSignal) on to it.
 */
function start(env: Record<string, string>, namespace?: { killSignal: string }): Proc {
  const clean: NodeJS.ProcessEnv = { ...process.env };
  delete clean.DATABASE_URL;
  const node = [process.execPath, '-r', 'ts-node/register/transpile-only', 'src/main.ts'];
  const [cmd, ...args] = namespace
    ? ['unshare', '--pid', '--mount-proc', `--kill-child=${namespace.killSignal}`, ...node]
    : node;
  const child = spawn(cmd, args, {
    cwd: ROOT,
    env: { ...clean, LOG_LEVEL: 'info', TRIGGER_SCHEDULER_ENABLED: 'false', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (d: Buffer) => (text += d.toString()));
  child.stderr.on('data', (d: Buffer) => (text += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, out: () => text, exit };
}

async function waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const listening = (p: Proc) => /listening on port \d+/.test(p.out());

/** Exits non-zero with exactly one line, which it returns. */
async function oneLineFailure(p: Proc, code = 1): Promise<string> {
  expect(await p.exit).toBe(code);
  const out = p.out().trim();
  expect(out.split('\n')).toHaveLength(1);
  return out;
}

const dataDir = () => mkdtempSync(join(tmpdir(), 'sundial-hardening-'));

describe('the data-directory lock across pid namespaces (e2e, embedded)', () => {
  onEmbedded(
    'refuses a second process in another pid namespace naming its owner, and comes up 4 s after a SIGKILL',
    async () => {
      const dir = dataDir();
      const first = start({ DATA_DIR: dir }, { killSignal: 'SIGKILL' });
      let third: Proc | null = null;
      try {
        await waitFor(() => listening(first), 60_000, 'the first process');
        const owner = JSON.parse(readFileSync(join(dir, 'sundial.lock.owner'), 'utf8')) as {
          pid: number;
        };
        expect(owner.pid).toBe(1); // pid 1 in its namespace, as in a container

        const refusedAt = Date.now();
        const second = start({ DATA_DIR: dir }, { killSignal: 'SIGKILL' });
        const line = await oneLineFailure(second);
        expect(line).toMatch(
          /^start-up failed: DATA_DIR: data directory .* is in use by process 1 on host .* \(started /,
        );
        expect(Date.now() - refusedAt).toBeLessThan(30_000);

        first.child.kill('SIGKILL'); // unshare dies, and the kernel kills the namespace's pid 1
        await first.exit;
        await new Promise((r) => setTimeout(r, 4_000));
        third = start({ DATA_DIR: dir }, { killSignal: 'SIGTERM' });
        await waitFor(() => listening(third!), 60_000, 'the restart after SIGKILL');
      } finally {
        if (first.child.exitCode === null) first.child.kill('SIGKILL');
        third?.child.kill('SIGKILL'); // --kill-child=SIGTERM: a graceful stop of the server
      }
      await waitFor(() => !existsSync(join(dir, 'sundial.lock')), 20_000, 'the lock released');
    },
    150_000,
  );

  onEmbedded(
    'comes up again right after a kill -9 (waiting for the lock to go stale)',
    async () => {
      const dir = dataDir();
      const first = start({ DATA_DIR: dir });
      await waitFor(() => listening(first), 60_000, 'the first process');
      first.child.kill('SIGKILL');
      await first.exit;
      const restartedAt = Date.now();
      const second = start({ DATA_DIR: dir });
      try {
        await waitFor(() => listening(second), 60_000, 'the restart');
        expect(Date.now() - restartedAt).toBeLessThan(60_000);
        expect(readFileSync(join(dir, 'sundial.lock.owner'), 'utf8')).toContain(
          `"pid":${second.child.pid}`,
        );
      } finally {
        second.child.kill('SIGTERM');
        await second.exit;
      }
    },
    120_000,
  );
});

describe('start-up failures print one line naming the setting (e2e)', () => {
  it('DATA_DIR not a writable directory, PORT in use, an unreachable server, a key hash twice', async () => {
    const file = join(dataDir(), 'a-file');
    writeFileSync(file, '');
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, '0.0.0.0', () => r()));
    const port = (busy.address() as { port: number }).port;
    const portDir = dataDir();
    const hash = createHash('sha256').update('k').digest('hex');
    try {
      const [dirLine, portLine, dbLine, keyLine] = await Promise.all([
        oneLineFailure(start({ DATA_DIR: join(file, 'data') })),
        oneLineFailure(start({ DATA_DIR: portDir, PORT: String(port) })),
        oneLineFailure(start({ DATABASE_URL: 'postgres://u:hunter2@127.0.0.1:1/sundial' })),
        oneLineFailure(start({ API_KEYS: `a:writer:${hash},b:admin:${hash}` }), 2),
      ]);
      expect(dirLine).toMatch(
        /^start-up failed: DATA_DIR: data directory .*a-file\/data is not a writable directory \(ENOTDIR\)$/,
      );
      expect(portLine).toBe(`start-up failed: PORT: port ${port} is in use (EADDRINUSE)`);
      expect(existsSync(join(portDir, 'sundial.lock'))).toBe(false); // closed before exiting
      expect(dbLine).toBe(
        'start-up failed: DATABASE_URL: cannot reach the database server at 127.0.0.1:1/sundial (ECONNREFUSED)',
      );
      expect(keyLine).toBe(
        'invalid configuration: API_KEYS (environment): keys "a" and "b" have the same SHA-256',
      );
    } finally {
      busy.close();
    }
  }, 120_000);

  onPostgres(
    'an unknown database, an unknown role, a role without the privileges it needs',
    async () => {
      const scratch = await createScratchDatabase(SERVER_URL!, 'sundial_perm');
      const role = `sundial_noperm_${Date.now()}`;
      const admin = new Client({ connectionString: scratch.url });
      await admin.connect();
      await admin.query(`CREATE ROLE ${role} LOGIN`);
      const as = (user: string, db?: string) => {
        const u = new URL(db ? SERVER_URL! : scratch.url);
        u.username = user;
        if (db) u.pathname = `/${db}`;
        return u.toString();
      };
      try {
        const [dbLine, roleLine, permLine] = await Promise.all([
          oneLineFailure(start({ DATABASE_URL: as('postgres', 'no_such_db_xyz') })),
          oneLineFailure(start({ DATABASE_URL: as('no_such_role_xyz') })),
          oneLineFailure(start({ DATABASE_URL: as(role) })),
        ]);
        expect(dbLine).toMatch(
          /^start-up failed: DATABASE_URL: database "no_such_db_xyz" does not exist \(at /,
        );
        expect(roleLine).toMatch(/^start-up failed: DATABASE_URL: the server refused the role: /);
        expect(roleLine).toContain('no_such_role_xyz');
        expect(permLine).toMatch(
          /^start-up failed: DATABASE_URL: the role lacks a permission the service needs: permission denied for schema public/,
        );
      } finally {
        await admin.end();
        await scratch.drop();
        const server = new Client({ connectionString: SERVER_URL });
        await server.connect();
        await server.query(`DROP ROLE IF EXISTS ${role}`);
        await server.end();
      }
    },
    120_000,
  );
});

describe('the page-token secret (e2e)', () => {
  const dbs: TestDatabase[] = [];
  const apps: TestApp[] = [];
  async function appOn(db: TestDatabase, env: Record<string, string> = {}): Promise<TestApp> {
    const app = await startApp(db, env);
    apps.push(app);
    return app;
  }
  async function newDb(): Promise<TestDatabase> {
    const db = await TestDatabase.create();
    dbs.push(db);
    return db;
  }
  afterAll(async () => {
    for (const a of apps) await a.close();
    for (const d of dbs) await d.drop();
  });

  async function tokenFrom(app: TestApp): Promise<string> {
    for (let i = 0; i < 2; i++) {
      await app
        .http()
        .put(triggerPath(aName()))
        .send(aTrigger().build())
        .expect((r) => expect(r.status).toBeLessThan(300));
    }
    const res = await app.http().get('/triggers?limit=1').expect(200);
    const token = (res.body as { token: string | null }).token;
    expect(token).toEqual(expect.any(String));
    return token!;
  }

  it('is random per database, shared by the replicas of one, or the configured one', async () => {
    const one = await newDb();
    const other = await newDb();
    const a = await appOn(one);
    const b = await appOn(one); // a second replica on the same database
    const c = await appOn(other); // the same configuration on another database
    const token = await tokenFrom(a);
    await b.http().get(`/triggers?limit=1&token=${token}`).expect(200);
    const refused = await c.http().get(`/triggers?limit=1&token=${token}`).expect(400);
    expect((refused.body as { code: string }).code).toBe('VALIDATION_FAILED');

    const secret = { PAGE_TOKEN_SECRET: 'a-configured-secret-of-32-characters!' };
    const d = await appOn(one, secret);
    const e = await appOn(other, secret);
    await e
      .http()
      .get(`/triggers?limit=1&token=${await tokenFrom(d)}`)
      .expect(200);
  }, 60_000);
});
