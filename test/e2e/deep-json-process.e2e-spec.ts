import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

function send(
  port: number,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * The real process (src/main.ts through ts-node, as in ops-process.e2e-spec.ts) under the deep
 * JSON that used to overflow the stack and kill it (docs/api-limits.md): it stays up, and
 * /health/ready answers after each attack.
 */
describe('the process under deep JSON (e2e)', () => {
  it('answers 4xx to 4,000-level bodies on any route and stays ready', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.DATABASE_URL;
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'src/main.ts'],
      {
        cwd: ROOT,
        env: {
          ...env,
          PORT: '0',
          DATA_DIR: mkdtempSync(join(tmpdir(), 'sundial-deep-')),
          LOG_LEVEL: 'info',
          TRIGGER_SCHEDULER_ENABLED: 'false',
          AUTH_DISABLED: 'true',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    try {
      const deadline = Date.now() + 120_000;
      while (!/listening on port (\d+)/.test(out)) {
        if (Date.now() > deadline) throw new Error(`no start-up: ${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const port = Number(/listening on port (\d+)/.exec(out)![1]);
      const deep = '['.repeat(4000) + ']'.repeat(4000);
      const deepInputs = `{"spec":{"taskVersion":"v1","inputs":{"a":${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}}},"automationSpec":{"type":"NONE"}}`;
      const attacks: [string, string, string][] = [
        ['GET', '/health/live', deep],
        ['POST', '/schedules/preview', deep],
        ['PUT', '/triggers/p/d/t/deep', deepInputs],
        ['POST', '/no/such/route', deep],
      ];
      for (const [method, path, body] of attacks) {
        const res = await send(port, method, path, body);
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(child.exitCode).toBeNull();
        expect((await send(port, 'GET', '/health/ready')).status).toBe(200);
      }
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    }
  }, 180_000);
});
