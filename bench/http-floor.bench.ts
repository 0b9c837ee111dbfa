/**
 * The floor under the webhook lateness target (docs/webhooks.md, "Lateness and throughput"):
 * N calls (default 1,000, as `bench:webhooks`) sent at once with Node's http client over one
 * kept-alive Agent (maxSockets 100, WEBHOOK_CONCURRENCY's default), each signed like a Standard
 * Webhooks call, to a bare receiver in a child process that answers 200 at once. No database, no
 * scheduler, no lease: what the webhook path would cost if everything Sundial does were free.
 * Prints when the receiver got each call after the moment all were sent (p50 / p99 / max) for
 * each round, after a warm-up round; asserts nothing.
 *
 *   npm run bench:http-floor [-- --calls 1000 --concurrency 100 --rounds 5]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { percentile } from './percentile';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Milliseconds since the epoch with sub-millisecond precision, comparable across processes. */
const clock = () => performance.timeOrigin + performance.now();

function receiver(): void {
  let arrivals: number[] = [];
  const server = http.createServer((req, res) => {
    arrivals.push(clock());
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send!({ port: typeof address === 'object' && address ? address.port : 0 });
  });
  process.on('message', (m: { type: string }) => {
    if (m.type === 'arrivals') {
      process.send!({ arrivals });
      arrivals = [];
    } else if (m.type === 'exit') {
      server.close();
      process.exit(0);
    }
  });
}

function ask<T>(child: ChildProcess, message: unknown): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as T));
    child.send(message as object);
  });
}

const SECRET = Buffer.alloc(32, 7);

function call(agent: http.Agent, port: number, i: number): Promise<void> {
  const id = randomUUID();
  const timestamp = Math.floor(Date.now() / 1000);
  const body = JSON.stringify({
    type: 'sundial.run.due',
    timestamp: new Date().toISOString(),
    data: {
      run: { id, name: `r${i.toString(16)}`, scheduledAt: new Date().toISOString(), attempt: 1 },
      trigger: { project: 'bench', domain: 'bench', taskName: 'task', name: `t${i}` },
      inputs: { at: new Date().toISOString() },
    },
  });
  const signature = createHmac('sha256', SECRET)
    .update(`${id}.${timestamp}.${body}`)
    .digest('base64');
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/hook',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'webhook-id': id,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': `v1,${signature}`,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve());
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function main(): Promise<void> {
  const calls = arg('calls', 1_000);
  const concurrency = arg('concurrency', 100);
  const rounds = arg('rounds', 5);
  const child = fork(__filename, [], {
    env: { ...process.env, HTTP_FLOOR_RECEIVER: '1' },
    execArgv: ['-r', 'ts-node/register/transpile-only'],
  });
  const { port } = await new Promise<{ port: number }>((r) =>
    child.once('message', (m) => r(m as { port: number })),
  );
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  process.stdout.write(
    `HTTP floor: ${calls.toLocaleString('en')} signed calls at once, ${concurrency} kept-alive ` +
      `connections, bare receiver in a child process (Node ${process.version})\n` +
      'receiver got the call − all sent: p50 / p99 / max, and all answered\n',
  );
  for (let round = 0; round <= rounds; round++) {
    const sent = clock();
    await Promise.all(Array.from({ length: calls }, (_, i) => call(agent, port, i)));
    const answered = clock() - sent;
    const { arrivals } = await ask<{ arrivals: number[] }>(child, { type: 'arrivals' });
    const ms = arrivals.map((t) => t - sent).sort((a, b) => a - b);
    const label = round === 0 ? 'warm-up' : `round ${round}`;
    process.stdout.write(
      `  ${label.padEnd(8)} ${percentile(ms, 50).toFixed(1)} / ${percentile(ms, 99).toFixed(1)} / ` +
        `${ms[ms.length - 1].toFixed(1)} ms, all answered after ${answered.toFixed(1)} ms\n`,
    );
  }
  agent.destroy();
  child.send({ type: 'exit' });
}

if (process.env.HTTP_FLOOR_RECEIVER === '1') {
  receiver();
} else {
  main().catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
}
