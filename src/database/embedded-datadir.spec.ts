import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { openEmbeddedDatabase } from './embedded';
import {
  EMBEDDED_SETTINGS,
  initdbInChild,
  pgliteVersion,
  prepareDataDir,
} from './embedded-datadir';
import { buildEmbeddedTemplate } from './embedded-template';
import { RemotePGlite } from './pglite-remote';
import { buildDataSourceOptions } from './typeorm-options';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'sundial-datadir-'));
}

/**
 * Every mode under a directory: PostgreSQL wants 0700 directories and 0600 files. `skip`: files
 * PostgreSQL wrote itself once open (its relation cache, pg_internal.init).
 */
function modesUnder(path: string, skip: string[] = []): Set<string> {
  const modes = new Set<string>();
  const walk = (p: string): void => {
    const st = statSync(p);
    if (skip.some((name) => p.endsWith(`/${name}`))) return;
    modes.add(`${st.isDirectory() ? 'd' : 'f'}${(st.mode & 0o777).toString(8)}`);
    if (st.isDirectory()) for (const name of readdirSync(p)) walk(join(p, name));
  };
  walk(path);
  return modes;
}

async function query<T>(pgdata: string, sql: string): Promise<T[]> {
  const pglite = new PGlite({
    dataDir: pgdata,
    startParams: [...PGlite.defaultStartParams, ...EMBEDDED_SETTINGS],
  });
  try {
    return (await pglite.query<T>(sql)).rows;
  } finally {
    await pglite.close();
  }
}

describe('embedded data directory', () => {
  let templateDir: string;

  beforeAll(async () => {
    templateDir = join(tempDir(), 'embedded-template');
    await buildEmbeddedTemplate(templateDir);
  }, 120_000);

  it('the build template: every migration applied, no rows, PGlite version, readable by all', () => {
    const manifest = JSON.parse(readFileSync(join(templateDir, 'template.json'), 'utf8')) as {
      pglite: string;
      migrations: string[];
    };
    expect(manifest).toEqual({
      pglite: pgliteVersion(),
      migrations: MIGRATIONS.map((m) => m.name),
    });
    expect(modesUnder(join(templateDir, 'pgdata'))).toEqual(new Set(['d755', 'f644']));
  });

  it('a first start copies the template in the opening worker (0700/0600, migrated, no secrets); a restart keeps it', async () => {
    const pgdata = join(tempDir(), 'pgdata');
    mkdirSync(`${pgdata}.staging`); // left by a start that crashed midway
    writeFileSync(join(`${pgdata}.staging`, 'junk'), 'x');
    const plan = await prepareDataDir(pgdata, templateDir);
    expect(plan).toEqual({ origin: 'template', template: join(templateDir, 'pgdata') });
    expect(existsSync(pgdata)).toBe(false); // nothing copied on this thread
    const worker = await RemotePGlite.open({
      dataDir: pgdata,
      settings: [...EMBEDDED_SETTINGS],
      fromTemplate: plan.origin === 'template' ? plan.template : undefined,
    });
    await worker.close();
    expect(existsSync(`${pgdata}.staging`)).toBe(false);
    expect(modesUnder(pgdata, ['pg_internal.init'])).toEqual(new Set(['d700', 'f600']));
    const rows = await query<{ name: string }>(pgdata, 'SELECT name FROM migrations ORDER BY id');
    expect(rows).toHaveLength(MIGRATIONS.length);
    expect(await query(pgdata, 'SELECT name FROM service_secrets')).toEqual([]);
    // the scheduler's partitions come with the schema, owned by nobody
    expect(
      await query(
        pgdata,
        'SELECT count(*)::int AS n, count(owner)::int AS owned FROM scheduler_partitions',
      ),
    ).toEqual([{ n: 64, owned: 0 }]);
    expect(await prepareDataDir(pgdata, templateDir)).toEqual({ origin: 'existing' });
  });

  it('without a usable template (another PGlite version) runs initdb in a child process, not in this one', async () => {
    const stale = tempDir();
    mkdirSync(join(stale, 'pgdata'));
    writeFileSync(join(stale, 'pgdata', 'PG_VERSION'), '17\n');
    writeFileSync(
      join(stale, 'template.json'),
      JSON.stringify({ pglite: '0.0.1', migrations: [] }),
    );
    const pgdata = join(tempDir(), 'pgdata');
    mkdirSync(pgdata); // an empty pgdata counts as none
    const before = process.memoryUsage().rss;
    expect(await prepareDataDir(pgdata, stale)).toEqual({ origin: 'initdb' });
    // initdb in this process grows it by ~500 MB that it never gives back
    expect(process.memoryUsage().rss - before).toBeLessThan(150 * 1024 * 1024);
    expect(readFileSync(join(pgdata, 'PG_VERSION'), 'utf8').trim()).toMatch(/^\d+$/);
    expect(await query(pgdata, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
  }, 120_000);

  it('an initdb that fails names the reason', async () => {
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, '');
    await expect(initdbInChild(join(file, 'pgdata'))).rejects.toThrow(
      /^initdb failed \(exit code 1\): \S/,
    );
  }, 60_000);

  it('openEmbeddedDatabase: PGlite in a worker thread, the small settings, the lock held until close', async () => {
    const dataDir = tempDir();
    const db = await openEmbeddedDatabase(dataDir, { templateDir });
    try {
      expect(db.origin).toBe('template');
      expect(db.pglite).toBeInstanceOf(RemotePGlite);
      const dataSource = new DataSource(buildDataSourceOptions({ pglite: db.pglite }));
      await dataSource.initialize();
      const rows: unknown = await dataSource.query('SHOW shared_buffers');
      await dataSource.destroy();
      expect(rows).toEqual([{ shared_buffers: '16MB' }]);
      expect(existsSync(join(dataDir, 'sundial.lock'))).toBe(true);
    } finally {
      await db.close();
    }
    expect(existsSync(join(dataDir, 'sundial.lock'))).toBe(false);
  });
});
