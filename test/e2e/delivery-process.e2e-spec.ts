import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const KEY = 'sdl_process-writer';

interface Proc {
  child: ChildProcess;
  port: number;
  exited: Promise<number | null>;
}

/** The real process (src/main.ts through ts-node) on an embedded data directory. */
async function startProcess(dataDir: string): Promise<Proc> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      ...env,
      PORT: '0',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      TRIGGER_SCHEDULER_ENABLED: 'false',
      RUNS_SWEEP_INTERVAL: '200ms',
      API_KEYS: `ops:writer:${createHash('sha256').update(KEY).digest('hex')}`,
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
  return { child, port: Number(/listening on port (\d+)/.exec(out)![1]), exited };
}

async function call(
  port: number,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${KEY}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

interface Lease {
  run: { id: string };
  leaseToken: string;
}

describe('leases across a SIGKILL of the process (e2e)', () => {
  it('keeps leases and completions working after the restart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sundial-sigkill-'));
    let proc = await startProcess(dataDir);
    try {
      const path = '/triggers/ops/prod/etl/killed';
      const deployed = await call(proc.port, 'PUT', path, {
        spec: { taskVersion: 'v1', delivery: { type: 'QUEUE', queue: 'kill' } },
        automationSpec: { type: 'NONE' },
      });
      expect(deployed.status).toBe(201);
      for (let i = 0; i < 3; i++)
        expect((await call(proc.port, 'POST', `${path}/fire`)).status).toBe(201);
      const leased = await call(proc.port, 'POST', '/queues/kill/lease', {
        workerId: 'w1',
        max: 3,
        leaseDuration: '5m',
      });
      const [done, held, failing] = leased.body.leases as Lease[];
      expect(
        (
          await call(proc.port, 'POST', `/runs/${done.run.id}/complete`, {
            leaseToken: done.leaseToken,
          })
        ).status,
      ).toBe(200);

      proc.child.kill('SIGKILL');
      await proc.exited;
      proc = await startProcess(dataDir);

      const beat = await call(proc.port, 'POST', `/runs/${held.run.id}/heartbeat`, {
        leaseToken: held.leaseToken,
      });
      expect(beat.status).toBe(200);
      expect(
        (
          await call(proc.port, 'POST', `/runs/${held.run.id}/complete`, {
            leaseToken: held.leaseToken,
          })
        ).body.state,
      ).toBe('SUCCEEDED');
      const failed = await call(proc.port, 'POST', `/runs/${failing.run.id}/fail`, {
        leaseToken: failing.leaseToken,
        error: { message: 'gave up', retryable: false },
      });
      expect(failed.body.state).toBe('FAILED');
      expect((await call(proc.port, 'GET', `/runs/${done.run.id}`)).body.state).toBe('SUCCEEDED');
      // nothing was lost or duplicated: the queue is empty until a new run comes
      const empty = await call(proc.port, 'POST', '/queues/kill/lease', { workerId: 'w2', max: 5 });
      expect(empty.body.leases).toEqual([]);
      await call(proc.port, 'POST', `${path}/fire`);
      const next = await call(proc.port, 'POST', '/queues/kill/lease', { workerId: 'w2', max: 5 });
      expect((next.body.leases as Lease[]).length).toBe(1);
    } finally {
      if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
      await proc.exited;
    }
  }, 180_000);
});
