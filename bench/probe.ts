/**
 * Responsiveness probe for the benchmarks: GET requests at a fixed rate from a worker thread (its
 * own event loop, so a blocked app thread cannot delay the sending; without ts-node), each
 * latency measured from its sending to the end of the answer, plus the app thread's event-loop
 * delay over the same window. `lateSends` counts requests the probe itself sent > 20 ms after
 * they were due (a starved CPU, not the app).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { base, paths, intervalMs } = workerData;
const agent = new http.Agent({ keepAlive: true });
const latencies = Object.fromEntries(paths.map((p) => [p, []]));
const errors = Object.fromEntries(paths.map((p) => [p, 0]));
let stopped = false;
let pending = 0;
const t0 = performance.now();
let n = 0;
let lateSends = 0;
function send(path, due) {
  pending++;
  const sent = performance.now();
  if (sent - due > 20) lateSends++;
  const req = http.get(base + path, { agent }, (res) => {
    res.resume();
    res.on('end', () => {
      pending--;
      if (res.statusCode === 200) latencies[path].push(performance.now() - sent);
      else errors[path]++;
    });
  });
  req.on('error', () => { pending--; errors[path]++; });
}
function tick() {
  if (stopped) return;
  const due = t0 + n * intervalMs;
  for (const p of paths) send(p, due);
  n++;
  setTimeout(tick, Math.max(0, t0 + n * intervalMs - performance.now()));
}
tick();
parentPort.on('message', () => {
  stopped = true;
  const finish = () => pending === 0
    ? parentPort.postMessage({ latencies, errors, lateSends })
    : setTimeout(finish, 10);
  finish();
});
`;

export interface ProbeFigures {
  /** per path: requests answered 200, p50/p99/max latency (ms), other answers and errors */
  paths: { path: string; count: number; p50: number; p99: number; max: number; errors: number }[];
  lateSends: number;
  loopDelayP99: number;
  loopDelayMax: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Starts probing `paths` on `base` every `intervalMs`; stop() returns the figures. */
export function startProbe(
  base: string,
  paths: string[],
  intervalMs = 10,
): { stop(): Promise<ProbeFigures> } {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const worker = new Worker(WORKER, {
    eval: true,
    execArgv: [],
    workerData: { base, paths, intervalMs },
  });
  return {
    stop: async () => {
      loop.disable();
      const result = new Promise<{
        latencies: Record<string, number[]>;
        errors: Record<string, number>;
        lateSends: number;
      }>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      worker.postMessage('stop');
      const { latencies, errors, lateSends } = await result;
      await worker.terminate();
      return {
        paths: paths.map((path) => {
          const sorted = latencies[path].sort((a, b) => a - b);
          return {
            path,
            count: sorted.length,
            p50: percentile(sorted, 50),
            p99: percentile(sorted, 99),
            max: sorted[sorted.length - 1] ?? NaN,
            errors: errors[path],
          };
        }),
        lateSends,
        loopDelayP99: loop.percentile(99) / 1e6,
        loopDelayMax: loop.max / 1e6,
      };
    },
  };
}
