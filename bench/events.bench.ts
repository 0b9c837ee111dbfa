/**
 * Event benchmark: `npm run bench:events` (embedded database, in memory), or with
 * `DATABASE_URL=postgres://…/db npm run bench:events` (a scratch database on that server,
 * dropped afterwards). Prints figures; asserts nothing.
 *
 * Among BENCH_EVENT_TRIGGERS (100,000) live EVENT triggers — all of the benchmark's event type,
 * each with another source (exact, or a prefix for one in ten), so only the source index narrows
 * the search — one trigger matches the events published:
 * 1. Publish → run committed: one structured event per `POST /events` over HTTP, sequentially
 *    (the 202 comes after the commit of the event and its run), first with only the matching
 *    trigger, then among the 100,000; and the same in process (EventsService.publish); p50/p99.
 * 2. Throughput: batches of 100 events (each creating one run), BENCH_EVENT_CLIENTS (4) clients
 *    in parallel over HTTP; events/s.
 * 3. The plan of the matching lookup (it must use ix_triggers_event_filter, not scan).
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { CloudEvent } from '../src/events/cloud-event';
import { matchProbes } from '../src/events/event-key';
import { matchLookup } from '../src/events/events.repository';
import { EventsService } from '../src/events/events.service';
import { baseUrl, line, openTarget, percentile, startApp } from './scheduler-support';

const TRIGGERS = Number(process.env.BENCH_EVENT_TRIGGERS ?? 100_000);
const LATENCY_EVENTS = Number(process.env.BENCH_EVENT_LATENCY ?? 1_000);
const BATCHES = Number(process.env.BENCH_EVENT_BATCHES ?? 200);
const CLIENTS = Number(process.env.BENCH_EVENT_CLIENTS ?? 4);
const TYPE = 'com.example.bench.object.created';
const SOURCE = 'https://storage.example.com/buckets/bench';

/** TRIGGERS live EVENT triggers of TYPE that the benchmark's events do not match. */
async function insertTriggers(ds: DataSource): Promise<void> {
  await ds.query(
    `INSERT INTO triggers (project, domain, task_name, name, latest_revision, active,
       automation_type, task_version, spec, automation_spec, effective_at, deployed_at,
       updated_at, activated_at, deployed_by, updated_by)
     SELECT 'bench', 'd', 'task', 't' || g, 1, true, 'EVENT', 'v1',
       '{"taskVersion":"v1","active":true,"inputs":{},"runSpec":{},"description":""}'::jsonb,
       jsonb_build_object('type', 'EVENT', 'event', jsonb_build_object(
         'type', $1::text,
         'source', CASE WHEN g % 10 = 0 THEN 'https://storage.example.com/other/' || g || '/*'
                        ELSE 'https://storage.example.com/buckets/bench-' || g END)),
       now(), now(), now(), now(), 'bench', 'bench'
     FROM generate_series(1, $2::int) g`,
    [TYPE, TRIGGERS],
  );
  await ds.query('ANALYZE triggers');
}

function anEvent(): Record<string, unknown> {
  return {
    specversion: '1.0',
    id: randomUUID(),
    source: SOURCE,
    type: TYPE,
    subject: 'reports/2026-12-01.csv',
    data: { bucket: 'bench', size: 5120 },
  };
}

async function publish(base: string, body: unknown, batch: boolean): Promise<number> {
  const send = () =>
    fetch(`${base}/events`, {
      method: 'POST',
      headers: {
        'Content-Type': batch
          ? 'application/cloudevents-batch+json'
          : 'application/cloudevents+json',
      },
      body: JSON.stringify(body),
    });
  // a kept-alive connection the server closed while idle (the 100,000-row insert) fails once
  const res = await send().catch(send);
  if (res.status !== 202) throw new Error(`POST /events: ${res.status} ${await res.text()}`);
  const answer = (await res.json()) as { accepted: { runs: string[] }[] };
  return answer.accepted.reduce((n, a) => n + a.runs.length, 0);
}

async function latency(base: string, events: number, label: string): Promise<void> {
  for (let i = 0; i < 50; i++) await publish(base, anEvent(), false); // warm-up
  const times: number[] = [];
  for (let i = 0; i < events; i++) {
    const start = performance.now();
    const runs = await publish(base, anEvent(), false);
    times.push(performance.now() - start);
    if (runs !== 1) throw new Error(`expected 1 run, got ${runs}`);
  }
  report(times, `${label}: ${events} events one by one over HTTP`);
}

/** The same, in process (EventsService.publish: the statement and the wake-up, no HTTP). */
async function latencyInProcess(app: INestApplication, events: number): Promise<void> {
  const service = app.get(EventsService);
  const times: number[] = [];
  for (let i = 0; i < events; i++) {
    const event = anEvent() as unknown as CloudEvent;
    const start = performance.now();
    const [accepted] = await service.publish([{ event, timeMs: null }], null);
    times.push(performance.now() - start);
    if (accepted.runs.length !== 1) throw new Error(`expected 1 run, got ${accepted.runs.length}`);
  }
  report(times, `in process (EventsService.publish, no HTTP): ${events} events`);
}

function report(times: number[], title: string): void {
  times.sort((a, b) => a - b);
  process.stdout.write(`${title}\n`);
  line('p50', `${percentile(times, 50).toFixed(2)} ms`);
  line('p99', `${percentile(times, 99).toFixed(2)} ms`, '≤ 20 ms');
  line('max', `${times[times.length - 1].toFixed(2)} ms`);
}

async function throughput(base: string): Promise<void> {
  let next = 0;
  let runs = 0;
  const start = performance.now();
  const client = async (): Promise<void> => {
    while (next < BATCHES) {
      next++;
      const made = await publish(base, Array.from({ length: 100 }, anEvent), true);
      runs += made;
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  const seconds = (performance.now() - start) / 1000;
  const events = BATCHES * 100;
  if (runs !== events) throw new Error(`expected ${events} runs, got ${runs}`);
  process.stdout.write(
    `2. throughput: ${events.toLocaleString('en')} events in batches of 100, ${CLIENTS} clients over HTTP (one run each)\n`,
  );
  line('events/s', (events / seconds).toFixed(0), '≥ 2,000 on PostgreSQL');
  line('total', `${seconds.toFixed(2)} s`);
}

async function plan(ds: DataSource): Promise<void> {
  const rows: { 'QUERY PLAN': string }[] = await ds.query(`EXPLAIN ${matchLookup('$1', '$2')}`, [
    matchProbes(TYPE, SOURCE)[0],
    null,
  ]);
  const text = rows.map((r) => r['QUERY PLAN']).join('\n');
  process.stdout.write('3. plan of the matching lookup\n');
  line('uses ix_triggers_event_filter', text.includes('ix_triggers_event_filter') ? 'yes' : 'NO');
  line('sequential scan of triggers', /Seq Scan on triggers/.test(text) ? 'YES' : 'no');
}

async function main(): Promise<void> {
  const target = await openTarget();
  process.stdout.write(
    `event benchmark on ${target.kind === 'embedded' ? 'the embedded database (PGlite, in memory)' : 'PostgreSQL'}` +
      ` — Node ${process.version}\n`,
  );
  const app = await startApp(target, {
    TRIGGER_SCHEDULER_ENABLED: 'false',
    WEBHOOK_DISPATCHER_ENABLED: 'false',
  });
  const base = baseUrl(app);
  const ds = app.get(DataSource);
  try {
    const res = await fetch(`${base}/triggers/bench/d/task/match`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        spec: { taskVersion: 'v1' },
        automationSpec: {
          type: 'EVENT',
          event: { type: TYPE, source: SOURCE, subject: 'reports/*', eventInputArg: 'event' },
        },
      }),
    });
    if (res.status !== 201) throw new Error(`deploy: ${res.status} ${await res.text()}`);
    process.stdout.write('1. publish → run committed (the 202 comes after the commit)\n');
    await latency(base, LATENCY_EVENTS / 2, 'only the matching EVENT trigger');
    const inserting = performance.now();
    await insertTriggers(ds);
    line(
      `(inserted ${TRIGGERS.toLocaleString('en')} other EVENT triggers)`,
      `${((performance.now() - inserting) / 1000).toFixed(1)} s`,
    );
    await latency(
      base,
      LATENCY_EVENTS,
      `1 match among ${(TRIGGERS + 1).toLocaleString('en')} EVENT triggers`,
    );
    await latencyInProcess(app, LATENCY_EVENTS);
    await throughput(base);
    await plan(ds);
  } finally {
    await app.close();
    await target.drop();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
