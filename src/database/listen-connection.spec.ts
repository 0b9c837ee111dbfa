import type { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { TcpProxy } from '../../test/support/tcp-proxy';
import { ListenConnection } from './listen-connection';

/** PostgreSQL only: a real server's LISTEN connection, cut and restored. */
const url = process.env.DATABASE_URL;
const describeOnServer = url ? describe : describe.skip;

describeOnServer('ListenConnection (PostgreSQL)', () => {
  const channel = `sundial_test_${randomBytes(4).toString('hex')}`;
  let admin: Client;

  beforeAll(async () => {
    admin = new Client({ connectionString: url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.end();
  });

  async function until(what: string, probe: () => boolean | Promise<boolean>): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!(await probe())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('hears its channels, reconnects after its session is killed, and says so once', async () => {
    const heard: string[] = [];
    const logs: string[] = [];
    let restored = 0;
    const logger = {
      log: (m: string) => logs.push(`log ${m}`),
      warn: (m: string) => logs.push(`warn ${m}`),
    } as unknown as Logger;
    const listener = new ListenConnection({
      url: url!,
      channels: [channel],
      logger,
      deadlines: null,
      onNotification: (c, payload) => {
        if (c === channel && payload) heard.push(payload);
      },
      onRestored: () => restored++,
    });
    listener.start();
    const heardAfterNotify = async (payload: string): Promise<boolean> => {
      await admin.query('SELECT pg_notify($1, $2)', [channel, payload]);
      return heard.includes(payload);
    };
    await until('the first notification', () => heardAfterNotify('one'));
    expect(restored).toBe(0);

    const killed = await admin.query<{ n: number }>(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
       WHERE query LIKE $1 AND pid <> pg_backend_pid()`,
      [`LISTEN ${channel}%`],
    );
    expect(killed.rows[0].n).toBe(1);
    await until('the reconnection', () => restored === 1);
    await until('a notification after it', () => heardAfterNotify('two'));
    expect(logs.filter((l) => l.startsWith('warn LISTEN connection lost'))).toHaveLength(1);
    expect(logs).toContain('log LISTEN connection restored');

    await listener.stop();
    await admin.query('SELECT pg_notify($1, $2)', [channel, 'three']);
    await new Promise((r) => setTimeout(r, 300));
    expect(heard).not.toContain('three');
    expect(restored).toBe(1);
  });

  it('replaces a connection that a silent network lost, and hears its channels again', async () => {
    const proxy = await TcpProxy.start(url!);
    const heard: string[] = [];
    const warnings: string[] = [];
    let restored = 0;
    const logger = {
      log: () => undefined,
      warn: (m: string) => warnings.push(m),
    } as unknown as Logger;
    const listener = new ListenConnection({
      url: proxy.urlFor(url!),
      channels: [channel],
      logger,
      // checked every second, replaced after a second without an answer
      deadlines: { statementTimeoutMs: 1_000 },
      onNotification: (c, payload) => {
        if (c === channel && payload) heard.push(payload);
      },
      onRestored: () => restored++,
    });
    try {
      listener.start();
      const heardAfterNotify = async (payload: string): Promise<boolean> => {
        await admin.query('SELECT pg_notify($1, $2)', [channel, payload]);
        return heard.includes(payload);
      };
      await until('the first notification', () => heardAfterNotify('before'));
      expect(proxy.freezeExisting()).toBe(1);
      const frozenAt = Date.now();
      await admin.query('SELECT pg_notify($1, $2)', [channel, 'lost']);
      await until('the replacement', () => restored === 1);
      // one check interval and one answer deadline, plus the first reconnect's 250 ms
      expect(Date.now() - frozenAt).toBeLessThan(4_000);
      expect(warnings).toEqual([
        expect.stringMatching(/^LISTEN connection lost \(PostgreSQL did not answer within 1000 ms/),
      ]);
      await until('a notification on the new connection', () => heardAfterNotify('after'));
      expect(heard).not.toContain('lost');
    } finally {
      await listener.stop();
      await proxy.close();
    }
  });
});
