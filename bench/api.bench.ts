/**
 * HTTP API benchmark: `npm run bench:api` (embedded database), or with
 * `DATABASE_URL=postgres://…/db npm run bench:api` (a scratch database is created on that server
 * and dropped afterwards). Prints figures; asserts nothing. BENCH_DURATION (seconds per scenario,
 * default 10) and BENCH_ONLY (run the scenarios whose title contains it) narrow a run.
 *
 * The real app (same setup as main.ts; scheduler, rate limit and auth off) listens in this process
 * on an ephemeral port; autocannon runs in a forked child process (this same file, BENCH_LOADGEN=1)
 * so load generation does not share the app's event loop; the fixed-rate scenario uses a small
 * open-loop generator instead (see openLoop). Scenarios: GET one trigger at a fixed
 * 500 requests/s and flat out, list 50, deploy of new names, deploy updates across 1,000 triggers.
 */
import 'reflect-metadata';
import { fork } from 'node:child_process';
import { PerformanceObserver, monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Agent, request, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppModule } from '../src/app.module';
import { configureApp } from '../src/app.setup';
import { loadConfig } from '../src/config/load-config';
import { openEmbeddedDatabase } from '../src/database/embedded';
import { createScratchDatabase } from '../test/support/scratch-database';

const SEEDED = 1000;
const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);

interface Scenario {
  title: string;
  method: 'GET' | 'PUT';
  /** paths cycled through, one per request; `{seq}` is replaced by a per-request counter */
  paths: string[];
  body?: string;
  connections: number;
  /** seconds to run (default BENCH_DURATION) */
  durationS?: number;
  /** a steady requests/s (open loop: latency at that load); absent: autocannon flat out */
  rate?: number;
}

interface Figures {
  title: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  total: number;
  note?: string;
}

function deployBody(description: string): string {
  return JSON.stringify({
    spec: { taskVersion: 'v1', inputs: { region: 'eu' }, description },
    automationSpec: {
      type: 'SCHEDULE',
      schedule: { cron: { expression: '0 9 * * 1-5', timezone: 'Europe/Berlin' } },
    },
  });
}

const path = (i: number) => `/triggers/bench/dev/task.export/t${i}`;

// ---- load generator (child process) ----

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}
type RequestSetup = (req: { path: string }) => { path: string };
type Autocannon = (opts: {
  url: string;
  connections: number;
  duration: number;
  method: string;
  headers: Record<string, string>;
  body?: string;
  requests: { setupRequest: RequestSetup }[];
}) => Promise<AutocannonResult>;

async function loadgen(url: string, s: Scenario): Promise<Figures> {
  return s.rate === undefined ? closedLoop(url, s) : openLoop(url, s, s.rate);
}

/** autocannon, as fast as `connections` allow: throughput, and latency at saturation. */
async function closedLoop(url: string, s: Scenario): Promise<Figures> {
  const autocannon = createRequire(__filename)('autocannon') as Autocannon;
  let n = 0;
  const result = await autocannon({
    url,
    connections: s.connections,
    duration: s.durationS ?? DURATION_S,
    method: s.method,
    headers: { 'content-type': 'application/json' },
    body: s.body,
    requests: [
      {
        setupRequest: (req) => {
          const i = n++;
          return { ...req, path: s.paths[i % s.paths.length].replace('{seq}', String(i)) };
        },
      },
    ],
  });
  return {
    title: s.title,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    total: result.requests.total,
  };
}

/**
 * Open-loop load at a steady `rate` (one request every 1000/rate ms on keep-alive sockets), each
 * latency measured from the time the request was due, so a stall counts for every request it
 * delays. autocannon's overallRate is a per-second budget per connection (bursts, then idle), which
 * measures saturation latency instead.
 */
async function openLoop(url: string, s: Scenario, rate: number): Promise<Figures> {
  const agent = new Agent({ keepAlive: true, maxSockets: s.connections * 10 });
  const { hostname, port } = new URL(url);
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let sent = 0;
  let maxLateness = 0;
  const send = (due: number) =>
    new Promise<void>((resolve) => {
      const i = sent++;
      maxLateness = Math.max(maxLateness, performance.now() - due);
      const req = request(
        {
          agent,
          hostname,
          port,
          method: s.method,
          path: s.paths[i % s.paths.length].replace('{seq}', String(i)),
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(performance.now() - due);
            if (res.statusCode! < 200 || res.statusCode! > 299) non2xx++;
            resolve();
          });
        },
      );
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end(s.body);
    });
  const start = performance.now();
  const total = rate * (s.durationS ?? DURATION_S);
  const pending: Promise<void>[] = [];
  while (pending.length < total) {
    const now = performance.now();
    while (pending.length < total && start + (pending.length * 1000) / rate <= now) {
      pending.push(send(start + (pending.length * 1000) / rate));
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(pending);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return {
    title: s.title,
    requestsPerSecond: latencies.length / ((performance.now() - start) / 1000),
    p50: at(0.5),
    p99: at(0.99),
    non2xx,
    errors,
    total: latencies.length,
    note: `generator late by up to ${maxLateness.toFixed(1)} ms`,
  };
}

function runInChild(url: string, scenario: Scenario): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, [], {
      env: { ...process.env, BENCH_LOADGEN: '1' },
      execArgv: ['-r', 'ts-node/register/transpile-only'],
    });
    child.once('message', (m) => resolve(m as Figures));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`load generator exited with ${code}`));
    });
    child.send({ url, scenario });
  });
}

// ---- orchestrator (this process runs the app) ----

async function seed(app: INestApplication, base: string): Promise<void> {
  for (let start = 0; start < SEEDED; start += 50) {
    await Promise.all(
      Array.from({ length: 50 }, async (_, k) => {
        const res = await fetch(`${base}${path(start + k)}`, {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: deployBody('seed'),
        });
        if (res.status !== 201) throw new Error(`seed deploy answered ${res.status}`);
      }),
    );
  }
  void app;
}

async function main(): Promise<void> {
  const serverUrl = process.env.DATABASE_URL;
  const scratch = serverUrl ? await createScratchDatabase(serverUrl, 'sundial_bench') : null;
  // the embedded database as `npm start` opens it: a fresh DATA_DIR, removed afterwards
  const dataDir = scratch ? null : mkdtempSync(join(tmpdir(), 'sundial-bench-'));
  const embedded = dataDir ? await openEmbeddedDatabase(dataDir) : null;
  const config = loadConfig({
    env: {
      TRIGGER_SCHEDULER_ENABLED: 'false',
      HTTP_RATE_LIMIT: '0',
      // a setup's bulk insert of millions of rows outlasts the default 60 s
      DATABASE_STATEMENT_TIMEOUT: '1h',
      LOG_LEVEL: 'error',
      ...(scratch ? { DATABASE_URL: scratch.url } : {}),
    },
    cwd: null,
  });
  const app = await NestFactory.create(
    AppModule.register({ config, embedded: embedded ?? undefined }),
    { bodyParser: false, logger: ['fatal', 'error'] },
  );
  configureApp(app);
  await app.listen(0, '127.0.0.1');
  const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 1000));
  const startupRss = process.memoryUsage().rss;
  try {
    await seed(app, base);
    const all = Array.from({ length: SEEDED }, (_, i) => path(i));
    const scenarios: Scenario[] = [
      {
        title: 'GET one trigger @ 500 req/s (open loop)',
        method: 'GET',
        paths: all,
        connections: 10,
        rate: 500,
      },
      { title: 'GET one trigger, max', method: 'GET', paths: all, connections: 20 },
      {
        title: 'GET /health/live @ 500 req/s (open loop)',
        method: 'GET',
        paths: ['/health/live'],
        connections: 10,
        rate: 500,
      },
      { title: 'GET one trigger, 1 connection', method: 'GET', paths: all, connections: 1 },
      {
        title: 'GET /health/live, 1 connection (baseline)',
        method: 'GET',
        paths: ['/health/live'],
        connections: 1,
      },
      {
        title: 'list 50 (default sort)',
        method: 'GET',
        paths: ['/triggers?limit=50'],
        connections: 10,
      },
      {
        title: 'list 50 (project filter, sort=name)',
        method: 'GET',
        paths: ['/triggers?limit=50&project=bench&sort=name'],
        connections: 10,
      },
      {
        title: 'deploy: create new triggers',
        method: 'PUT',
        paths: ['/triggers/bench/dev/task.new/n-{seq}'],
        body: deployBody('new'),
        connections: 20,
      },
      {
        title: 'deploy: update 1,000 triggers (unconditional)',
        method: 'PUT',
        paths: all,
        body: deployBody('update'),
        connections: 20,
      },
    ];
    const only = process.env.BENCH_ONLY;
    const results: Figures[] = [];
    for (const scenario of scenarios.filter((x) => !only || x.title.includes(only))) {
      await runInChild(base, { ...scenario, connections: 2, rate: undefined, durationS: 2 }); // warm-up
      // each scenario starts from a collected heap, not the previous one's garbage
      (globalThis as { gc?: () => void }).gc?.();
      await new Promise((r) => setTimeout(r, 100)); // let its GC entry pass before measuring
      results.push(await measured(() => runInChild(base, scenario)));
    }
    print(scratch ? 'PostgreSQL' : 'embedded (PGlite)', results);
    process.stdout.write(
      `\nRSS after start-up (this process, with ts-node): ${(startupRss / 1048576).toFixed(0)} MB\n`,
    );
  } finally {
    await app.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    await scratch?.drop();
  }
}

/** Runs `fn` noting this process's (the app's) event-loop delay and GC pauses meanwhile. */
async function measured(fn: () => Promise<Figures>): Promise<Figures> {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  let gcTotal = 0;
  let gcMax = 0;
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcTotal += e.duration;
      gcMax = Math.max(gcMax, e.duration);
    }
  });
  gc.observe({ entryTypes: ['gc'] });
  loop.enable();
  try {
    const figures = await fn();
    const app =
      `app: event-loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms, ` +
      `max ${(loop.max / 1e6).toFixed(1)} ms; GC ${gcTotal.toFixed(0)} ms in total, ` +
      `longest pause ${gcMax.toFixed(1)} ms`;
    return { ...figures, note: figures.note ? `${app}; ${figures.note}` : app };
  } finally {
    loop.disable();
    gc.disconnect();
  }
}

function print(database: string, results: Figures[]): void {
  const pad = (s: string | number, n: number) => String(s).padStart(n);
  process.stdout.write(
    `\nSundial API benchmark — ${database}, node ${process.version}, ${DURATION_S} s per scenario, ${SEEDED} triggers seeded\n\n`,
  );
  process.stdout.write(
    `${'scenario'.padEnd(46)}${pad('req/s', 9)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}${pad('requests', 10)}${pad('non-2xx', 9)}${pad('errors', 8)}\n`,
  );
  for (const r of results) {
    process.stdout.write(
      `${r.title.padEnd(46)}${pad(r.requestsPerSecond.toFixed(0), 9)}${pad(r.p50.toFixed(1), 9)}${pad(r.p99.toFixed(1), 9)}${pad(r.total, 10)}${pad(r.non2xx, 9)}${pad(r.errors, 8)}\n`,
    );
    if (r.note) process.stdout.write(`    ${r.note}\n`);
  }
}

if (process.env.BENCH_LOADGEN === '1') {
  process.once('message', (m: { url: string; scenario: Scenario }) => {
    loadgen(m.url, m.scenario)
      .then((figures) => process.send!(figures, () => process.exit(0)))
      .catch((e: unknown) => {
        process.stderr.write(`${String(e)}\n`);
        process.exit(1);
      });
  });
} else {
  main().catch((e: unknown) => {
    process.stderr.write(`benchmark failed: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
}
