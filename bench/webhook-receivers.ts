/**
 * The receivers of `bench:webhooks`: HTTP servers on 127.0.0.1 that answer 200 at once (or, the
 * slow one, after 5 s) and note when each call arrived. By default they run in a child process,
 * as a real receiver runs outside Sundial (`BENCH_WEBHOOK_RECEIVERS=inline` runs them in the
 * benchmark's own process instead, sharing Sundial's main thread, to compare).
 */
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the benchmark needs of one call. */
export interface Arrival {
  /** Date.now() when the call's body had arrived */
  receivedAt: number;
  /** the sundial-scheduled-at header */
  scheduledAt: number;
  /** the run's createdAt, from the body */
  createdAt: number;
}

export interface ReceiverSet {
  /** the URL of receiver `i` (0–3 fast, 4 slow) */
  url(i: number): string;
  /** calls received by each receiver so far */
  counts(): Promise<number[]>;
  /** the calls of these receivers since the last take (and forgets them) */
  take(receivers: number[]): Promise<Arrival[]>;
  close(): Promise<void>;
}

export const FAST = [0, 1, 2, 3];
export const SLOW = 4;

/** Servers in this process: 4 fast, 1 slow. */
async function listen(): Promise<{ ports: number[]; calls: string[][]; close: () => void }> {
  const calls: string[][] = [];
  const servers: http.Server[] = [];
  const ports: number[] = [];
  for (let i = 0; i <= SLOW; i++) {
    const received: string[] = [];
    calls.push(received);
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        // kept raw (parsed only when asked for) so the receiver does as little as a bare one
        const at = Date.now();
        const scheduled = String(req.headers['sundial-scheduled-at']);
        received.push(`${at} ${scheduled} ${Buffer.concat(chunks).toString('utf8')}`);
        const send = () => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{}');
        };
        if (i === SLOW) setTimeout(send, 5_000).unref();
        else send();
      });
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    servers.push(server);
    ports.push((server.address() as AddressInfo).port);
  }
  return {
    ports,
    calls,
    close: () => {
      for (const s of servers) s.closeAllConnections();
      for (const s of servers) s.close();
    },
  };
}

function parse(raw: string): Arrival {
  const [receivedAt, scheduledAt] = raw.split(' ', 2);
  const body = raw.slice(receivedAt.length + scheduledAt.length + 2);
  const { run } = (JSON.parse(body) as { data: { run: { createdAt: string } } }).data;
  return {
    receivedAt: Number(receivedAt),
    scheduledAt: Date.parse(scheduledAt),
    createdAt: Date.parse(run.createdAt),
  };
}

function takeFrom(calls: string[][], receivers: number[]): Arrival[] {
  return receivers.flatMap((i) => calls[i].splice(0).map(parse));
}

interface Request {
  id: number;
  type: 'counts' | 'take' | 'exit';
  receivers?: number[];
}

/** The child process's side: serves, and answers the parent's questions over IPC. */
async function child(): Promise<void> {
  const { ports, calls, close } = await listen();
  // the benchmark ended (or died) without asking: nothing is left listening
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m: Request) => {
    if (m.type === 'exit') {
      close();
      process.exit(0);
    }
    const answer =
      m.type === 'counts' ? calls.map((c) => c.length) : takeFrom(calls, m.receivers ?? []);
    process.send!({ id: m.id, answer });
  });
  process.send!({ id: 0, answer: ports });
}

class ChildReceivers implements ReceiverSet {
  private next = 1;
  private readonly waiting = new Map<number, (answer: unknown) => void>();

  constructor(
    private readonly proc: ChildProcess,
    private readonly ports: number[],
  ) {
    proc.on('message', (m: { id: number; answer: unknown }) => {
      this.waiting.get(m.id)?.(m.answer);
      this.waiting.delete(m.id);
    });
  }

  url(i: number): string {
    return `http://127.0.0.1:${this.ports[i]}/hook`;
  }

  private ask<T>(type: Request['type'], receivers?: number[]): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve) => {
      this.waiting.set(id, resolve as (answer: unknown) => void);
      this.proc.send({ id, type, receivers });
    });
  }

  counts(): Promise<number[]> {
    return this.ask('counts');
  }

  take(receivers: number[]): Promise<Arrival[]> {
    return this.ask('take', receivers);
  }

  async close(): Promise<void> {
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.send({ id: 0, type: 'exit' });
    await exited;
  }
}

export async function startReceivers(): Promise<ReceiverSet> {
  if (process.env.BENCH_WEBHOOK_RECEIVERS === 'inline') {
    const { ports, calls, close } = await listen();
    return {
      url: (i) => `http://127.0.0.1:${ports[i]}/hook`,
      counts: () => Promise.resolve(calls.map((c) => c.length)),
      take: (receivers) => Promise.resolve(takeFrom(calls, receivers)),
      close: () => Promise.resolve(close()),
    };
  }
  const proc = fork(__filename, [], {
    env: { ...process.env, BENCH_RECEIVER_CHILD: '1' },
    // compiled (a .js file) the child needs no TypeScript loader
    execArgv: __filename.endsWith('.ts') ? ['-r', 'ts-node/register/transpile-only'] : [],
  });
  const ports = await new Promise<number[]>((resolve) =>
    proc.once('message', (m: { answer: number[] }) => resolve(m.answer)),
  );
  return new ChildReceivers(proc, ports);
}

if (process.env.BENCH_RECEIVER_CHILD === '1') void child();
