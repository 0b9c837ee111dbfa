import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../src/database/typeorm-options';
import { PARTITION_COUNT, partitionSql } from '../../src/scheduler/partitions';
import { createScratchDatabase, type ScratchDatabase } from '../support/scratch-database';
import { killInstance, startInstance, type Instance } from '../support/instances';

/**
 * PostgreSQL only, real processes (docs/scale-out.md): three instances share 60 every-second
 * triggers through partition leases; one is SIGKILLed, a fourth joins, one stops gracefully.
 * Throughout: every slot has exactly one run, none is missing, and in steady state each
 * trigger's runs come from its partition's owner.
 */
const describeOnServer = process.env.DATABASE_URL ? describe : describe.skip;

const LEASE_MS = 3_000;
const TRIGGERS = 60;
const ENV = {
  TRIGGER_SCHEDULER_ENABLED: 'true',
  TRIGGER_SCHEDULER_PARTITION_LEASE: '3s',
  TRIGGER_SCHEDULER_RESYNC_INTERVAL: '2s',
  TRIGGER_SCHEDULER_EXECUTION_QPS: '1000',
  TRIGGER_SCHEDULER_EXECUTION_BURST: '1000',
  LOG_LEVEL: 'info',
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describeOnServer('scale-out: partitions across processes (e2e, PostgreSQL)', () => {
  let scratch: ScratchDatabase;
  let sql: Client;
  const instances = new Map<string, Instance>();

  async function until<T>(what: string, probe: () => Promise<T | null>, ms = 30_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await probe();
      if (value !== null) return value;
      if (Date.now() > deadline) throw new Error(`timed out (${ms} ms) waiting for ${what}`);
      await sleep(100);
    }
  }

  async function dbNow(): Promise<number> {
    const { rows } = await sql.query<{ now: Date }>('SELECT now()');
    return rows[0].now.getTime();
  }

  /** live owners and their partition counts (unowned and expired ones under null) */
  async function ownership(): Promise<Map<string | null, number>> {
    const { rows } = await sql.query<{ owner: string | null; n: number }>(
      `SELECT CASE WHEN lease_expires_at > now() THEN owner END AS owner, count(*)::int AS n
       FROM scheduler_partitions GROUP BY 1`,
    );
    return new Map(rows.map((r) => [r.owner, r.n]));
  }

  /** waits until exactly `ids` own every partition, each its fair share */
  async function balanced(ids: string[], ms = 30_000): Promise<void> {
    const low = Math.floor(PARTITION_COUNT / ids.length);
    await until(
      `partitions balanced over ${ids.join(', ')}`,
      async () => {
        const owned = await ownership();
        const fair =
          owned.size === ids.length &&
          ids.every((id) => (owned.get(id) ?? 0) >= low && (owned.get(id) ?? 0) <= low + 1);
        return fair ? true : null;
      },
      ms,
    );
  }

  /** per trigger: slots (epoch seconds) in order; and rows that share a slot */
  async function slots(): Promise<{ byTrigger: Map<string, number[]>; duplicates: number }> {
    const { rows } = await sql.query<{ id: string; s: string[] }>(
      `SELECT trigger_id::text AS id,
              array_agg(extract(epoch FROM scheduled_at)::bigint::text ORDER BY scheduled_at) AS s
       FROM runs WHERE source = 'SCHEDULE' GROUP BY trigger_id`,
    );
    const dup = await sql.query<{ n: number }>(
      `SELECT (count(*) - count(DISTINCT (trigger_id, scheduled_at)))::int AS n FROM runs`,
    );
    return {
      byTrigger: new Map(rows.map((r) => [r.id, r.s.map(Number)])),
      duplicates: dup.rows[0].n,
    };
  }

  /** every trigger: no slot missing from its first to its last, and the last one recent */
  async function expectEverySlotOnce(): Promise<void> {
    const nowS = Math.floor((await dbNow()) / 1000);
    await until('every trigger caught up to the last seconds', async () => {
      const { byTrigger } = await slots();
      const behind = [...byTrigger.values()].filter((s) => s[s.length - 1] < nowS - 1);
      return byTrigger.size === TRIGGERS && behind.length === 0 ? true : null;
    });
    const { byTrigger, duplicates } = await slots();
    const missing: string[] = [];
    for (const [id, s] of byTrigger) {
      for (let i = 1; i < s.length; i++) {
        if (s[i] !== s[i - 1] + 1) missing.push(`${id}: ${s[i - 1] + 1}..${s[i] - 1}`);
      }
    }
    expect({ duplicates, missing }).toEqual({ duplicates: 0, missing: [] });
  }

  /** runs created in [from, to] (database time) by an instance other than the owner */
  async function foreignRuns(from: number, to: number): Promise<number> {
    const { rows } = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM runs r
       JOIN scheduler_partitions p ON p.partition = ${partitionSql('r.trigger_id')}
       WHERE r.created_at BETWEEN $1 AND $2 AND r.fired_by IS DISTINCT FROM p.owner`,
      [new Date(from), new Date(to)],
    );
    return rows[0].n;
  }

  async function start(id: string): Promise<Instance> {
    const instance = await startInstance(id, scratch.url, ENV);
    instances.set(id, instance);
    return instance;
  }

  beforeAll(async () => {
    scratch = await createScratchDatabase(process.env.DATABASE_URL!, 'sundial_scaleout');
    // migrated here, so the three processes can start at once
    const migrator = new DataSource(buildDataSourceOptions({ url: scratch.url }));
    await migrator.initialize();
    await migrator.runMigrations();
    await migrator.destroy();
    await Promise.all([start('i1'), start('i2'), start('i3')]);
    sql = new Client({ connectionString: scratch.url });
    await sql.connect();
  }, 600_000);

  afterAll(async () => {
    await Promise.all([...instances.values()].map((i) => killInstance(i)));
    await sql?.end();
    await scratch?.drop();
  });

  it('shares, fails over, rebalances and hands over without losing or doubling a slot', async () => {
    const i1 = instances.get('i1')!;
    for (let n = 0; n < TRIGGERS; n++) {
      const res = await fetch(i1.url(`/triggers/p/d/task/every-second-${n}`), {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          spec: { taskVersion: 'v1' },
          automationSpec: { type: 'SCHEDULE', schedule: { cron: { expression: '* * * * * *' } } },
        }),
      });
      expect(res.status).toBe(201);
    }

    // three instances: each its share; in steady state each trigger fires from its owner only
    await balanced(['i1', 'i2', 'i3']);
    await sleep(1_500);
    const from = await dbNow();
    await sleep(3_000);
    expect(await foreignRuns(from, await dbNow())).toBe(0);
    const { rows: firers } = await sql.query<{ n: number }>(
      `SELECT count(DISTINCT fired_by)::int AS n FROM runs WHERE created_at >= $1`,
      [new Date(from)],
    );
    expect(firers[0].n).toBe(3);
    await expectEverySlotOnce();

    // SIGKILL one: the others own its partitions within the lease + 2 s, and fill the gap
    const { rows: lost } = await sql.query<{ partition: number }>(
      `SELECT partition FROM scheduler_partitions WHERE owner = 'i3'`,
    );
    const killedAt = await dbNow();
    instances.get('i3')!.child.kill('SIGKILL');
    await balanced(['i1', 'i2']);
    const { rows: taken } = await sql.query<{ last: Date }>(
      `SELECT max(acquired_at) AS last FROM scheduler_partitions WHERE partition = ANY($1::int[])`,
      [lost.map((r) => r.partition)],
    );
    expect(taken[0].last.getTime() - killedAt).toBeLessThanOrEqual(LEASE_MS + 2_000);
    await expectEverySlotOnce();

    // a fourth joins: the partitions rebalance over three again
    await start('i4');
    await balanced(['i1', 'i2', 'i4']);
    await expectEverySlotOnce();

    // a graceful stop hands over before its leases would have run out
    const { rows: leases } = await sql.query<{ until: Date }>(
      `SELECT min(lease_expires_at) AS until FROM scheduler_partitions WHERE owner = 'i1'`,
    );
    i1.child.kill('SIGTERM');
    expect(await i1.exited).toBe(0);
    await balanced(['i2', 'i4']);
    const { rows: handed } = await sql.query<{ first: Date }>(
      `SELECT min(acquired_at) AS first FROM scheduler_partitions`,
    );
    expect(handed[0].first.getTime()).toBeLessThan(leases[0].until.getTime());
    await expectEverySlotOnce();

    // the metrics and readiness of a survivor
    const i2 = instances.get('i2')!;
    expect((await fetch(i2.url('/health/ready'))).status).toBe(200);
    const inDb = (await ownership()).get('i2');
    const metrics = await until(
      'the owned-partitions gauge',
      async () => {
        const text = await (await fetch(i2.url('/metrics'))).text();
        const owned = Number(/^sundial_scheduler_partitions_owned (\d+)$/m.exec(text)?.[1]);
        return owned === inDb ? text : null;
      },
      5_000,
    );
    expect(metrics).toMatch(/^sundial_fire_conflicts_total \d+$/m);
  }, 300_000);
});
