/**
 * Schedule maths benchmark: `npm run bench:schedule`
 * (ts-node --transpile-only bench/schedule.bench.ts). Prints figures; asserts nothing.
 *
 * 1,000 distinct schedules over 20 zones (5-field, 6-field, descriptors, @every, rates): parses/s
 * cold (no cache) and cached, next-fire computations/s, and next() for 100,000 triggers that share
 * the parsed schedules.
 */
import { performance } from 'node:perf_hooks';
import {
  type AutomationSpecLike,
  type Schedule,
  clearScheduleCache,
  parseSchedule,
  parseScheduleCached,
} from '../src/schedule';

const ZONES = [
  'UTC',
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Los_Angeles',
  'America/Sao_Paulo',
  'America/Santiago',
  'Europe/London',
  'Europe/Berlin',
  'Europe/Paris',
  'Europe/Moscow',
  'Africa/Cairo',
  'Asia/Kolkata',
  'Asia/Tehran',
  'Asia/Shanghai',
  'Asia/Tokyo',
  'Australia/Sydney',
  'Australia/Lord_Howe',
  'Pacific/Auckland',
  'Pacific/Chatham',
];

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = rng(42);
const int = (n: number): number => Math.floor(rand() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];

type Kind = '5-field' | '6-field' | 'descriptor' | '@every' | 'rate';

function makeSpec(): { kind: Kind; spec: AutomationSpecLike } {
  const r = rand();
  const zone = pick(ZONES);
  const cron = (expression: string): AutomationSpecLike => ({
    type: 'SCHEDULE',
    schedule: { cron: { expression, timezone: zone } },
  });
  if (r < 0.55) {
    const m = int(60);
    const h = int(24);
    const templates = [
      `${m} ${h} * * *`,
      `*/${1 + int(30)} * * * *`,
      `${m} ${h} * * 1-5`,
      `${m} ${h},${(h + 1 + int(22)) % 24} * * *`,
      `${m} */${1 + int(12)} * * *`,
      `${m} ${h} ${1 + int(28)} * *`,
      `${m} ${h} 1 */3 *`,
      `${m} ${h} * * MON,WED,FRI`,
      `${m} ${int(9)}-${9 + int(14)} * * *`,
      `${m} ${h} 13 * 5`,
    ];
    return { kind: '5-field', spec: cron(pick(templates)) };
  }
  if (r < 0.7) {
    const templates = [
      `${int(60)} ${int(60)} ${int(24)} * * *`,
      `*/${1 + int(59)} * * * * *`,
      `0 */${1 + int(30)} * * * *`,
      `${int(60)} ${int(60)} ${int(24)} * * MON-FRI`,
    ];
    return { kind: '6-field', spec: cron(pick(templates)) };
  }
  if (r < 0.8) {
    const d = pick([
      '@yearly',
      '@annually',
      '@monthly',
      '@weekly',
      '@daily',
      '@midnight',
      '@hourly',
    ]);
    return { kind: 'descriptor', spec: cron(d) };
  }
  if (r < 0.9) {
    const every = pick([`${1 + int(3600)}s`, `${1 + int(600)}m`, `${1 + int(48)}h${int(60)}m`]);
    return { kind: '@every', spec: cron(`@every ${every}`) };
  }
  const startTime =
    rand() < 0.5 ? null : new Date(Date.UTC(2026, int(12), 1 + int(28), int(24))).toISOString();
  return {
    kind: 'rate',
    spec: {
      type: 'SCHEDULE',
      schedule: { rate: { value: 1 + int(500), unit: pick(['MINUTE', 'HOUR', 'DAY']), startTime } },
    },
  };
}

function distinctSpecs(n: number): { kind: Kind; spec: AutomationSpecLike }[] {
  const seen = new Set<string>();
  const out: { kind: Kind; spec: AutomationSpecLike }[] = [];
  while (out.length < n) {
    const s = makeSpec();
    const key = JSON.stringify(s.spec);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(s);
  }
  return out;
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function time(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

const NOW = new Date('2026-11-25T12:00:00Z');
const specs = distinctSpecs(1000);
const counts = specs.reduce<Record<string, number>>((acc, s) => {
  acc[s.kind] = (acc[s.kind] ?? 0) + 1;
  return acc;
}, {});
console.log(`schedules: ${specs.length} distinct over ${ZONES.length} zones`, counts);

// 1. Cold parses (no cache). The first round also loads each zone's transitions.
const firstRound = time(() => {
  for (const s of specs) parseSchedule(s.spec, { now: NOW });
});
const rounds = 20;
const cold = time(() => {
  for (let r = 0; r < rounds; r++) for (const s of specs) parseSchedule(s.spec, { now: NOW });
});
console.log(
  `parse, cold (no cache):   ${fmt((specs.length * rounds * 1000) / cold)} parses/s ` +
    `(${((cold * 1000) / (specs.length * rounds)).toFixed(2)} µs each; first round incl. zone warm-up ${firstRound.toFixed(1)} ms)`,
);

// 2. Cached parses.
clearScheduleCache();
for (const s of specs) parseScheduleCached(s.spec, { now: NOW });
const cachedRounds = 500;
const cached = time(() => {
  for (let r = 0; r < cachedRounds; r++)
    for (const s of specs) parseScheduleCached(s.spec, { now: NOW });
});
console.log(
  `parse, cached:            ${fmt((specs.length * cachedRounds * 1000) / cached)} parses/s ` +
    `(${((cached * 1000) / (specs.length * cachedRounds)).toFixed(3)} µs each)`,
);

// 3. next() throughput over random instants in 2026–2027.
const schedules: Schedule[] = specs.map((s) => parseScheduleCached(s.spec, { now: NOW }));
const instants = Array.from(
  { length: 1000 },
  () => new Date(Date.UTC(2026, 0, 1) + Math.floor(rand() * 2 * 365 * 86_400_000)),
);
const nextCalls = 1_000_000;
let sink = 0;
for (let i = 0; i < 20_000; i++)
  sink += schedules[i % 1000].next(instants[i % 997], NOW)?.getTime() ?? 0; // warm-up
const nextMs = time(() => {
  for (let i = 0; i < nextCalls; i++) {
    sink += schedules[i % 1000].next(instants[i % 997], NOW)?.getTime() ?? 0;
  }
});
console.log(
  `next():                   ${fmt((nextCalls * 1000) / nextMs)} computations/s ` +
    `(${((nextMs * 1000) / nextCalls).toFixed(2)} µs each)`,
);
const byKind = new Map<Kind, number>();
for (const kind of ['5-field', '6-field', 'descriptor', '@every', 'rate'] as const) {
  const idx = specs.map((s, i) => (s.kind === kind ? i : -1)).filter((i) => i >= 0);
  const n = 200_000;
  const ms = time(() => {
    for (let i = 0; i < n; i++)
      sink += schedules[idx[i % idx.length]].next(instants[i % 997], NOW)?.getTime() ?? 0;
  });
  byKind.set(kind, (ms * 1000) / n);
}
console.log(
  '  µs per next() by kind:  ' + [...byKind].map(([k, us]) => `${k} ${us.toFixed(2)}`).join(', '),
);

// 4. 100,000 triggers sharing the 1,000 parsed schedules (100 triggers per schedule), each with
// its own effective time (anchor) and last slot, as the scheduler would hold them.
const triggers = Array.from({ length: 100_000 }, (_, i) => ({
  specIndex: i % specs.length,
  anchor: new Date(NOW.getTime() - Math.floor(rand() * 30 * 86_400_000)),
  lastSlot: new Date(NOW.getTime() - Math.floor(rand() * 3_600_000)),
}));
const resolveMs = time(() => {
  for (const t of triggers)
    sink += parseScheduleCached(specs[t.specIndex].spec, { now: NOW }).key.length;
});
const fireMs = time(() => {
  for (const t of triggers) {
    sink += schedules[t.specIndex].next(t.lastSlot, t.anchor)?.getTime() ?? 0;
  }
});
console.log(
  `100,000 triggers:         next() for all in ${fireMs.toFixed(1)} ms ` +
    `(+ ${resolveMs.toFixed(1)} ms to look up their schedules in the parse cache)`,
);
const catchUpMs = time(() => {
  for (const t of triggers)
    sink += schedules[t.specIndex].slotsAfter(t.lastSlot, NOW, t.anchor, 100).length;
});
console.log(
  `                          slotsAfter(lastSlot, now, limit 100) for all in ${catchUpMs.toFixed(1)} ms`,
);
if (sink === 42) console.log('');
