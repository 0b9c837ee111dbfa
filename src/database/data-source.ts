import 'reflect-metadata';
import { PGlite } from '@electric-sql/pglite';
import { join, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { loadConfig } from '../config/load-config';
import { acquireDataDirLockNow } from './data-dir-lock';
import { buildDataSourceOptions } from './typeorm-options';

/**
 * The data source of the TypeORM CLI (`npm run migration:*`), built from the same configuration as
 * the app: DATABASE_URL, or the embedded database in DATA_DIR (locked while the CLI runs).
 */
const config = loadConfig();
function target(): { url: string } | { pglite: PGlite } {
  if (config.databaseUrl) return { url: config.databaseUrl };
  const release = acquireDataDirLockNow(config.dataDir);
  process.on('exit', release);
  return { pglite: new PGlite({ dataDir: join(resolve(config.dataDir), 'pgdata') }) };
}

export default new DataSource(buildDataSourceOptions(target()));
