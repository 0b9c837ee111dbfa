import { chmodSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { pgliteVersion, type TemplateManifest } from './embedded-datadir';
import { buildDataSourceOptions } from './typeorm-options';

/** Readable by every user (the image runs as another user than the build); copies get 0600. */
function openModes(path: string): void {
  if (statSync(path).isDirectory()) {
    chmodSync(path, 0o755);
    for (const name of readdirSync(path)) openModes(join(path, name));
  } else {
    chmodSync(path, 0o644);
  }
}

/**
 * Rows a migration writes as part of the schema, and what would make such a row data: the
 * partitions of the scheduler (docs/scale-out.md) exist from the start, owned by nobody.
 */
const SCHEMA_ROWS: Record<string, string> = {
  scheduler_partitions: 'owner IS NOT NULL OR lease_expires_at IS NOT NULL',
};

/** Every install copies the template: it must hold no data (secrets are made at first start). */
async function refuseRows(dataSource: DataSource): Promise<void> {
  const tables: { name: string }[] = await dataSource.query(
    `SELECT tablename AS name FROM pg_tables
      WHERE schemaname = current_schema() AND tablename <> 'migrations'`,
  );
  for (const { name } of tables) {
    const data = SCHEMA_ROWS[name] ?? 'true';
    const [row]: { found: boolean }[] = await dataSource.query(
      `SELECT EXISTS (SELECT 1 FROM "${name}" WHERE ${data}) AS found`,
    );
    if (row.found) throw new Error(`the embedded template would ship rows of ${name}`);
  }
}

/**
 * `npm run build` (scripts/prepare-embedded.js): a data directory with initdb run and every
 * migration applied, in `<dir>/pgdata`, with `<dir>/template.json` naming the PGlite version that
 * made it. A first start on an empty DATA_DIR copies it instead of running initdb
 * (docs/embedded.md).
 */
export async function buildEmbeddedTemplate(dir: string): Promise<TemplateManifest> {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const pgdata = join(dir, 'pgdata');
  const pglite = new PGlite({ dataDir: pgdata });
  try {
    const dataSource = new DataSource(buildDataSourceOptions({ pglite }));
    await dataSource.initialize();
    try {
      await dataSource.runMigrations({ transaction: 'each' });
      await refuseRows(dataSource);
      await dataSource.query('VACUUM ANALYZE');
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await pglite.close();
  }
  openModes(dir);
  const manifest: TemplateManifest = {
    pglite: pgliteVersion(),
    migrations: MIGRATIONS.map((m) => m.name),
  };
  writeFileSync(join(dir, 'template.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
