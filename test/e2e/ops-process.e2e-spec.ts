import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const KEY = 'sdl_process-admin';

/**
 * The real process (src/main.ts through ts-node, as in the start-up test): JSON logs on stdout,
 * and SIGTERM answering a request in flight before exiting 0 within 10 s.
 */
describe('the process on SIGTERM (e2e)', () => {
  it('finishes a request in flight, logs in JSON, and exits 0 within 10 s', async () => {
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
          DATA_DIR: mkdtempSync(join(tmpdir(), 'sundial-sigterm-')),
          LOG_LEVEL: 'info',
          TRIGGER_SCHEDULER_ENABLED: 'true',
          API_KEYS: `ops:admin:${createHash('sha256').update(KEY).digest('hex')}`,
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
      const deadline = Date.now() + 40_000;
      while (!/listening on port (\d+)/.test(out)) {
        if (Date.now() > deadline) throw new Error(`no start-up: ${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const port = Number(/listening on port (\d+)/.exec(out)![1]);

      // a deploy whose body is still arriving when SIGTERM comes
      const body = JSON.stringify({
        spec: { taskVersion: 'v1' },
        automationSpec: { type: 'SCHEDULE', schedule: { cron: { expression: '* * * * *' } } },
      });
      let reply = '';
      const socket = connect(port, '127.0.0.1');
      await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
      socket.on('data', (d: Buffer) => (reply += d.toString()));
      const answered = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      socket.write(
        `PUT /triggers/ops/prod/etl/sigterm HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 8)}`,
      );
      await new Promise((r) => setTimeout(r, 200));

      const stoppedAt = Date.now();
      child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
      socket.write(body.slice(8));
      await answered;
      expect(reply).toMatch(/^HTTP\/1\.1 201 /);
      expect(await exited).toBe(0);
      expect(Date.now() - stoppedAt).toBeLessThan(10_000);

      const lines = out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.some((l) => l.context === 'Sundial' && l.level === 'info')).toBe(true);
      expect(
        lines.find((l) => l.route === '/triggers/:project/:domain/:taskName/:name'),
      ).toMatchObject({
        method: 'PUT',
        statusCode: 201,
        requestId: expect.any(String),
      });
      expect(lines.some((l) => l.context === 'Shutdown' && /stopped in/.test(String(l.msg)))).toBe(
        true,
      );
      expect(out).not.toContain(KEY);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    }
  });
});
