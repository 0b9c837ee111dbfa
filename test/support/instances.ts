import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** A real Sundial process (src/main.ts through ts-node) on a PostgreSQL database. */
export interface Instance {
  id: string;
  port: number;
  child: ChildProcess;
  exited: Promise<number | null>;
  /** what it printed (the last 200 kB) */
  output(): string;
  url(path: string): string;
}

/**
 * Starts one instance with SUNDIAL_INSTANCE_ID = id and waits until it listens (deadline:
 * generous, ts-node start-up under load is slow).
 */
export async function startInstance(
  id: string,
  databaseUrl: string,
  env: Record<string, string> = {},
  deadlineMs = 240_000,
): Promise<Instance> {
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      DATABASE_URL: databaseUrl,
      SUNDIAL_INSTANCE_ID: id,
      LOG_LEVEL: 'info',
      AUTH_DISABLED: 'true',
      HTTP_RATE_LIMIT: '0',
      WEBHOOK_DISPATCHER_ENABLED: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer): void => {
    out = (out + d.toString()).slice(-200_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + deadlineMs;
  let port: number | null = null;
  while (port === null) {
    const m = /listening on port (\d+)/.exec(out);
    if (m) port = Number(m[1]);
    else if (child.exitCode !== null) throw new Error(`${id} exited: ${out.slice(-4000)}`);
    else if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${id} did not start: ${out.slice(-4000)}`);
    } else await new Promise((r) => setTimeout(r, 50));
  }
  const p = port;
  return {
    id,
    port: p,
    child,
    exited,
    output: () => out,
    url: (path) => `http://127.0.0.1:${p}${path}`,
  };
}

/** Ends an instance that may still run (SIGKILL), waiting for its exit. */
export async function killInstance(instance: Instance | undefined): Promise<void> {
  if (!instance) return;
  if (instance.child.exitCode === null && instance.child.signalCode === null) {
    instance.child.kill('SIGKILL');
  }
  await instance.exited;
}
