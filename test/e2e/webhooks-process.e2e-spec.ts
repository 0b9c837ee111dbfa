import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';
import { WebhookReceiver } from '../support/webhook-receiver';

const ROOT = join(__dirname, '..', '..');
const SIGNING_KEY = `whsec_${Buffer.alloc(32, 44).toString('base64')}`;

interface Proc {
  child: ChildProcess;
  port: number;
  exited: Promise<number | null>;
  output: () => string;
}

/** The real process (src/main.ts through ts-node), on DATABASE_URL's server or a data directory. */
async function startProcess(db: { url: string | null; dataDir: string }): Promise<Proc> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      ...env,
      PORT: '0',
      ...(db.url ? { DATABASE_URL: db.url } : { DATA_DIR: db.dataDir }),
      LOG_LEVEL: 'info',
      TRIGGER_SCHEDULER_ENABLED: 'false',
      RUNS_SWEEP_INTERVAL: '200ms',
      AUTH_DISABLED: 'true',
      WEBHOOK_SIGNING_KEYS: `*=${SIGNING_KEY}`,
      WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  while (!/listening on port (\d+)/.test(out)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no start-up: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    port: Number(/listening on port (\d+)/.exec(out)![1]),
    exited,
    output: () => out,
  };
}

async function call(port: number, method: string, path: string, body?: unknown) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('webhook delivery across a SIGKILL of the process (e2e)', () => {
  let scratch: ScratchDatabase | null = null;
  afterAll(async () => {
    await scratch?.drop();
  });

  it('re-delivers the call in flight after the restart, with the same webhook-id', async () => {
    if (process.env.DATABASE_URL) {
      scratch = await createScratchDatabase(process.env.DATABASE_URL, 'sundial_test');
    }
    const db = {
      url: scratch?.url ?? null,
      dataDir: mkdtempSync(join(tmpdir(), 'sundial-wh-kill-')),
    };
    // the first call hangs (Sundial dies during it); later calls succeed
    const receiver = await WebhookReceiver.start((_c, i) => (i === 0 ? 'hang' : { status: 200 }));
    let proc = await startProcess(db);
    try {
      const path = '/triggers/ops/prod/etl/hook';
      const deployed = await call(proc.port, 'PUT', path, {
        spec: {
          taskVersion: 'v1',
          delivery: { type: 'WEBHOOK', url: receiver.url(), timeout: '2s' },
          retryConfig: { minBackoffDuration: '100ms', maxBackoffDuration: '200ms' },
        },
        automationSpec: { type: 'NONE' },
      });
      expect(deployed.status).toBe(201);
      const fired = await call(proc.port, 'POST', `${path}/fire`, {});
      const id = fired.body.id as string;
      await receiver.waitForCalls(1);

      proc.child.kill('SIGKILL');
      await proc.exited;
      proc = await startProcess(db);

      // the lease (2 s timeout + 5 s margin) expires, the run is retried and delivered again
      const calls = await receiver.waitForCalls(2, 30_000);
      expect(calls.map((c) => c.headers['webhook-id'])).toEqual([id, id]);
      expect(calls.map((c) => c.headers['sundial-attempt'])).toEqual(['1', '2']);
      expect(() =>
        new Webhook(SIGNING_KEY).verify(calls[1].body, calls[1].headers as Record<string, string>),
      ).not.toThrow();
      const deadline = Date.now() + 10_000;
      let run = await call(proc.port, 'GET', `/runs/${id}`);
      while (run.body.state !== 'SUCCEEDED' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        run = await call(proc.port, 'GET', `/runs/${id}`);
      }
      expect(run.body).toMatchObject({ state: 'SUCCEEDED', attempt: 2 });
      expect((run.body.attempts as { outcome: string }[]).map((a) => a.outcome)).toEqual([
        'LEASE_EXPIRED',
        'SUCCEEDED',
      ]);
      // the signing key never reached the logs
      expect(proc.output()).not.toContain(SIGNING_KEY.slice(6, 30));
    } finally {
      if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
      await proc.exited;
      await receiver.close();
    }
  }, 180_000);
});
