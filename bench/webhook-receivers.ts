/**
 * The receivers of `bench:webhooks`: HTTP servers on 127.0.0.1 that answer 200 at once (or, the
 * slow one, after 5 s) and note when each call arrived. By default they run in a child process,
 * as a real receiver runs outside Sundial (`BENCH_WEBHOOK_RECEIVERS=inline` runs them in the
 * benchmark's own process instead, sharing Sundial's main thread, to compare).
 */
import { fork } from 'node:child_process';
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
  /** where the receivers run, for the benchmark's heading */
  readonly where: string;
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

interface Question {
  id: number;
  type: 'counts' | 'take' | 'exit';
  receivers?: number[];
}

/** What the receivers answer, in this process or the child: counts, or the calls taken. */
function answer(calls: string[][], q: Omit<Question, 'id'>): number[] | Arrival[] {
  return q.type === 'counts'
    ? calls.map((c) => c.length)
    : (q.receivers ?? []).flatMap((i) => calls[i].splice(0).map(parse));
}

/** The child process's side: serves, and answers the parent's questions over IPC. */
async function child(): Promise<void> {
  const { ports, calls, close } = await listen();
  // the benchmark ended (or died) without asking: nothing is left listening
  process.on('disconnect', () => process.exit(0));
  process.on('message', (q: Question) => {
    if (q.type === 'exit') {
      close();
      process.exit(0);
    }
    process.send!({ id: q.id, answer: answer(calls, q) });
  });
  process.send!({ id: 0, answer: ports });
}

/** The set over its ports and a way to ask (locally, or the child over IPC). */
function receiverSet(
  where: string,
  ports: number[],
  ask: (q: Omit<Question, 'id'>) => Promise<unknown>,
): ReceiverSet {
  return {
    where,
    url: (i) => `http://127.0.0.1:${ports[i]}/hook`,
    counts: () => ask({ type: 'counts' }) as Promise<number[]>,
    take: (receivers) => ask({ type: 'take', receivers }) as Promise<Arrival[]>,
    close: () => ask({ type: 'exit' }).then(() => undefined),
  };
}

export async function startReceivers(): Promise<ReceiverSet> {
  if (process.env.BENCH_WEBHOOK_RECEIVERS === 'inline') {
    const { ports, calls, close } = await listen();
    return receiverSet('this process', ports, (q) => {
      if (q.type === 'exit') return Promise.resolve(close());
      return Promise.resolve(answer(calls, q));
    });
  }
  const proc = fork(__filename, [], {
    env: { ...process.env, BENCH_RECEIVER_CHILD: '1' },
    // compiled (a .js file) the child needs no TypeScript loader
    execArgv: __filename.endsWith('.ts') ? ['-r', 'ts-node/register/transpile-only'] : [],
  });
  const waiting = new Map<number, (answer: unknown) => void>();
  proc.on('message', (m: { id: number; answer: unknown }) => {
    waiting.get(m.id)?.(m.answer);
    waiting.delete(m.id);
  });
  const ports = await new Promise<number[]>((resolve) => waiting.set(0, resolve as never));
  let next = 1;
  return receiverSet('a child process', ports, (q) => {
    if (q.type === 'exit') {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.send({ id: 0, ...q });
      return exited;
    }
    const id = next++;
    return new Promise((resolve) => {
      waiting.set(id, resolve);
      proc.send({ id, ...q });
    });
  });
}

if (process.env.BENCH_RECEIVER_CHILD === '1') void child();
