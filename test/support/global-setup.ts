import { mkdirSync, writeFileSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions } from '../../src/database/typeorm-options';
import { snapshotPath, SNAPSHOT_DIR } from './paths';

/**
 * Once per jest run: migrate a fresh embedded database and keep its data directory as a tarball,
 * so each test file restores it (~0.3 s) instead of running initdb and the migrations (~2–3 s).
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) return; // each file makes its own database on the server
  const pglite = new PGlite();
  const dataSource = new DataSource(buildDataSourceOptions({ pglite }));
  await dataSource.initialize();
  await dataSource.runMigrations();
  await dataSource.destroy();
  const dump = await pglite.dumpDataDir('none');
  await pglite.close();
  mkdirSync(SNAPSHOT_DIR, { recursive: true });
  writeFileSync(snapshotPath(), Buffer.from(await dump.arrayBuffer()));
}
