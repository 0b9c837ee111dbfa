/**
 * Webhook delivery benchmark: `npm run bench:webhooks` (embedded database), or with
 * `DATABASE_URL=postgres://…/db npm run bench:webhooks` (a scratch database on that server,
 * dropped afterwards). Prints figures; asserts nothing. Receivers are HTTP servers on 127.0.0.1
 * in a child process, as a real receiver is outside Sundial (`BENCH_WEBHOOK_RECEIVERS=inline`:
 * in this process, sharing Sundial's main thread); see docs/webhooks.md.
 *
 * 1. Lateness: N webhook triggers (default 1,000) due in the same second, spread over 4 instant
 *    receivers: receiver gets the call − scheduledAt, p50 / p99 / max.
 * 2. The same with one receiver that takes 5 s per call among them (a tenth of the triggers):
 *    the fast receivers' p50 / p99, to compare with 1.
 * 3. Sustained deliveries per second: M every-second triggers (default 3,000) to instant
 *    receivers for a few seconds.
 *
 * WEBHOOK_CONCURRENCY and WEBHOOK_CONCURRENCY_PER_ORIGIN, when set, are passed to the app.
 */
import 'reflect-metadata';
import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { line, openTarget, percentile, sleep, startApp } from './scheduler-support';
import { FAST, SLOW, startReceivers, type Arrival, type ReceiverSet } from './webhook-receivers';

const DUE = Number(process.env.BENCH_WEBHOOK_TRIGGERS ?? 1_000);
const SUSTAINED = Number(process.env.BENCH_WEBHOOK_SUSTAINED ?? 3_000);
const SUSTAINED_SECONDS = Number(process.env.BENCH_WEBHOOK_SECONDS ?? 8);
/**
 * `BENCH_WEBHOOK_ROUNDS=3` repeats part 1 in the same process: round 1 is the first burst after
 * start (code not yet optimised, connections not yet open), the later ones are warm.
 */
const ROUNDS = Number(process.env.BENCH_WEBHOOK_ROUNDS ?? 1);
/** `BENCH_WEBHOOK_ONLY=1,3` runs only those parts. */
const ONLY = (process.env.BENCH_WEBHOOK_ONLY ?? '1,2,3').split(',').map(Number);
const KEY = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

/** Deploys webhook triggers with `cron`, 16 at a time; `url(i)` picks each one's receiver. */
async function deploy(
  app: INestApplication,
  project: string,
  n: number,
  cron: string,
  url: (i: number) => string,
  active = true,
): Promise<void> {
  const server = app.getHttpServer() as Server;
  for (let i = 0; i < n; i += 16) {
    await Promise.all(
      Array.from({ length: Math.min(16, n - i) }, async (_, j) => {
        const res = await request(server)
          .put(`/triggers/${project}/bench/hooks/t${i + j}`)
          .send({
            spec: {
              taskVersion: 'v1',
              delivery: { type: 'WEBHOOK', url: url(i + j) },
              retryConfig: { minBackoffDuration: '1s' },
              active,
            },
            automationSpec: { type: 'SCHEDULE', schedule: { cron: { expression: cron } } },
          });
        if (res.status !== 201) throw new Error(`deploy: ${res.status} ${res.text}`);
      }),
    );
  }
}

async function setActive(
  app: INestApplication,
  project: string,
  n: number,
  active: boolean,
): Promise<void> {
  const server = app.getHttpServer() as Server;
  for (let i = 0; i < n; i += 100) {
    const names = Array.from({ length: Math.min(100, n - i) }, (_, j) => ({
      project,
      domain: 'bench',
      taskName: 'hooks',
      name: `t${i + j}`,
    }));
    const path = active ? '/triggers/activate' : '/triggers/deactivate';
    const res = await request(server).post(path).send({ names });
    if (res.status !== 200) throw new Error(`${path}: ${res.status} ${res.text}`);
  }
}

/** A cron (6 fields) firing once, at the next second ≥ `leadMs` from now (in UTC). */
function onceAt(leadMs: number): { cron: string; at: number } {
  const at = Math.ceil((Date.now() + leadMs) / 1000) * 1000;
  const d = new Date(at);
  return {
    cron: `${d.getUTCSeconds()} ${d.getUTCMinutes()} ${d.getUTCHours()} ${d.getUTCDate()} ${d.getUTCMonth() + 1} *`,
    at,
  };
}

function lateness(calls: Arrival[]): number[] {
  return calls.map((c) => c.receivedAt - c.scheduledAt).sort((a, b) => a - b);
}

/** createdAt − scheduledAt of the runs called (the scheduler's share of the lateness). */
function fireLateness(calls: Arrival[]): number[] {
  return calls.map((c) => c.createdAt - c.scheduledAt).sort((a, b) => a - b);
}

async function total(receivers: ReceiverSet, which: number[]): Promise<number> {
  const counts = await receivers.counts();
  return which.reduce((s, i) => s + counts[i], 0);
}

async function waitForCalls(
  receivers: ReceiverSet,
  which: number[],
  n: number,
  timeoutMs: number,
): Promise<number> {
  const until = Date.now() + timeoutMs;
  let got = await total(receivers, which);
  while (got < n && Date.now() < until) {
    await sleep(20);
    got = await total(receivers, which);
  }
  return got;
}

async function main(): Promise<void> {
  const target = await openTarget();
  const receivers = await startReceivers();
  const fastUrl = (i: number) => receivers.url(FAST[i % FAST.length]);
  const app = await startApp(target, {
    WEBHOOK_SIGNING_KEYS: `*=${KEY}`,
    WEBHOOK_ALLOWED_CIDRS: '127.0.0.0/8',
    // the dispatcher's settings, to compare (unset: their defaults)
    ...Object.fromEntries(
      ['WEBHOOK_CONCURRENCY', 'WEBHOOK_CONCURRENCY_PER_ORIGIN']
        .filter((k) => process.env[k])
        .map((k) => [k, process.env[k]!]),
    ),
  });
  process.stdout.write(
    `webhook delivery on ${target.kind} (${DUE} triggers due at once, receivers in ${receivers.where})\n`,
  );
  try {
    // 1. all fast (ROUNDS times: the first round is with cold connections and code)
    for (let round = 1; ONLY.includes(1) && round <= ROUNDS; round++) {
      const project = `fast${round}`;
      const lead = 5_000 + DUE * 25;
      const { cron, at } = onceAt(lead);
      await deploy(app, project, DUE, cron, fastUrl);
      if (Date.now() > at - 500) throw new Error('deploy took longer than the lead time');
      const got = await waitForCalls(receivers, FAST, DUE, at - Date.now() + 30_000);
      const calls = await receivers.take(FAST);
      const late = lateness(calls);
      line(`1. all fast, round ${round}: calls received`, `${got}/${DUE}`);
      line('   lateness p50', `${percentile(late, 50)} ms`, '≤ 50 ms');
      line('   lateness p99', `${percentile(late, 99)} ms`, '≤ 200 ms');
      line('   lateness min / p10', `${late[0]} / ${percentile(late, 10)} ms`);
      line('   lateness max', `${late[late.length - 1]} ms`);
      const fired = fireLateness(calls);
      line(
        '   of which run created (createdAt) p50 / p99',
        `${percentile(fired, 50)} / ${percentile(fired, 99)} ms`,
      );
    }
    // 2. one slow receiver among them (a tenth of the triggers)
    if (ONLY.includes(2)) {
      const lead = 5_000 + DUE * 25;
      const { cron, at } = onceAt(lead);
      await deploy(app, 'mixed', DUE, cron, (i) =>
        i % 10 === 0 ? receivers.url(SLOW) : fastUrl(i),
      );
      const fastDue = DUE - Math.ceil(DUE / 10);
      const got = await waitForCalls(receivers, FAST, fastDue, at - Date.now() + 30_000);
      const late = lateness(await receivers.take(FAST));
      line('2. with a 5 s receiver: fast calls received', `${got}/${fastDue}`);
      line('   fast lateness p50', `${percentile(late, 50)} ms`);
      line('   fast lateness p99', `${percentile(late, 99)} ms`, '≤ 2× the p99 of 1');
      const slowCalls = await waitForCalls(receivers, [SLOW], Math.ceil(DUE / 10), 60_000);
      const slowLate = lateness(await receivers.take([SLOW]));
      line('   slow calls received (25 at a time)', `${slowCalls}/${Math.ceil(DUE / 10)}`);
      line('   slow lateness p99', `${percentile(slowLate, 99)} ms`);
    }
    // 3. sustained
    if (ONLY.includes(3)) {
      // deployed inactive, then all activated within a second or so: the load starts at once,
      // not while the triggers are being deployed (which would leave a backlog of their runs)
      await deploy(app, 'sustained', SUSTAINED, '* * * * * *', fastUrl, false);
      await setActive(app, 'sustained', SUSTAINED, true);
      await sleep(3_000); // warm up
      await receivers.take(FAST); // the warm-up's calls are not counted
      const started = Date.now();
      await sleep(SUSTAINED_SECONDS * 1000);
      const measured = await receivers.take(FAST);
      const seconds = (Date.now() - started) / 1000;
      await setActive(app, 'sustained', SUSTAINED, false);
      const recent = lateness(measured.slice(-SUSTAINED));
      line(
        `3. sustained: ${SUSTAINED} every-second triggers, deliveries/s`,
        `${(measured.length / seconds).toFixed(0)}/s`,
        '≥ 2,000/s',
      );
      line('   lateness p50 (last second)', `${percentile(recent, 50)} ms`);
      line('   lateness p99 (last second)', `${percentile(recent, 99)} ms`);
    }
  } finally {
    await app.close();
    await receivers.close();
    await target.drop();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
