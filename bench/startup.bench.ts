/**
 * Start-up benchmark of the embedded mode (docs/embedded.md): starts the built server
 * (`node dist/main.js` with `npm start`'s Node.js options; run `npm run build` first) on an
 * empty DATA_DIR, then restarts it on the same directory, and reports for each start the time
 * until `GET /health/ready` answers 200 and the process's RSS once the API has been idle for a
 * few seconds (plus its peak RSS).
 *
 *   npm run build && npm run bench:startup [-- --rounds 3 --idle-ms 3000]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const ENTRY = join(ROOT, 'dist', 'main.js');

/**
 * The Node.js options `npm start` runs the server with (its script: `node <options>
 * scripts/start.js`), so the figures are those of `npm start`; BENCH_NODE_FLAGS replaces them
 * (e.g. `BENCH_NODE_FLAGS=` for Node's defaults).
 */
function nodeFlags(): string[] {
  const override = process.env.BENCH_NODE_FLAGS;
  if (override !== undefined) return override.split(' ').filter(Boolean);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const match = /^node((?:\s+--\S+)*)\s+scripts\/start\.js$/.exec(pkg.scripts.start);
  if (!match) throw new Error(`unexpected start script: ${pkg.scripts.start}`);
  return match[1].split(' ').filter(Boolean);
}

const NODE_FLAGS = nodeFlags();

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise((r) => server.close(r));
  return port;
}

/** VmRSS and VmHWM (peak) of a process, in MB (Linux /proc). */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)![1]) / 1024;
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

async function ready(port: number, child: ChildProcess, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health/ready`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(20);
  }
  throw new Error('server not ready in time');
}

interface StartFigures {
  readyMs: number;
  rss: number;
  peak: number;
}

async function start(dataDir: string, idleMs: number): Promise<StartFigures> {
  const port = await freePort();
  const startedAt = performance.now();
  const child = spawn(process.execPath, [...NODE_FLAGS, ENTRY], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await ready(port, child, 120_000);
    const readyMs = performance.now() - startedAt;
    await sleep(idleMs);
    return { readyMs, ...memoryOf(child.pid!) };
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function line(label: string, runs: StartFigures[]): string {
  const f = (pick: (s: StartFigures) => number, digits = 0) =>
    `${median(runs.map(pick)).toFixed(digits)} (${runs.map((s) => pick(s).toFixed(digits)).join(', ')})`;
  return (
    `${label.padEnd(12)} ready ${f((s) => s.readyMs / 1000, 2)} s · ` +
    `RSS idle ${f((s) => s.rss)} MB · peak ${f((s) => s.peak)} MB`
  );
}

async function main(): Promise<void> {
  if (!existsSync(ENTRY)) throw new Error('dist/main.js is missing: run `npm run build` first');
  const rounds = arg('rounds', 3);
  const idleMs = arg('idle-ms', 3_000);
  const first: StartFigures[] = [];
  const restart: StartFigures[] = [];
  for (let i = 0; i < rounds; i++) {
    const dataDir = mkdtempSync(join(tmpdir(), 'sundial-startup-'));
    try {
      first.push(await start(dataDir, idleMs));
      restart.push(await start(dataDir, idleMs));
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  process.stdout.write(
    `start-up benchmark, embedded database, node ${[...NODE_FLAGS, 'dist/main.js'].join(' ')}, ` +
      `${rounds} rounds, RSS after ${idleMs} ms idle ` +
      `(median, then each round)\n${line('first start', first)}\n${line('restart', restart)}\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
