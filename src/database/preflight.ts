import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { StartupError } from '../config/startup-error';
import type { EmbeddedDatabase } from './embedded';
import { RemotePGlite } from './pglite-remote';
import { buildDataSourceOptions } from './typeorm-options';

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);

/** host:port/database of a connection string, never its password. */
export function describeServer(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || 'localhost'}:${u.port || 5432}${u.pathname || '/'}`;
  } catch {
    return 'the configured server';
  }
}

/** One line for a database failure at start-up, naming the setting (never the password). */
export function databaseStartupError(setting: string, where: string, e: unknown): StartupError {
  const err = e as { code?: string; message?: string };
  const message = (err.message ?? String(e)).split('\n')[0];
  if (err.code && UNREACHABLE.has(err.code)) {
    return new StartupError(setting, `cannot reach the database server at ${where} (${err.code})`);
  }
  if (/timeout|terminated/i.test(message) && !err.code) {
    return new StartupError(setting, `cannot reach the database server at ${where} (${message})`);
  }
  const code = err.code ?? '';
  if (code === '3D000') return new StartupError(setting, `${message} (at ${where})`);
  if (code === '28000' || code === '28P01') {
    return new StartupError(setting, `the server refused the role: ${message} (at ${where})`);
  }
  if (code === '42501') {
    return new StartupError(
      setting,
      `the role lacks a permission the service needs: ${message} (at ${where})`,
    );
  }
  return new StartupError(setting, `${message}${err.code ? ` (SQLSTATE ${err.code})` : ''}`);
}

/** Tables of the current schema on which the role cannot read and write rows. */
const MISSING_PRIVILEGES = `
  SELECT c.relname AS name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
     AND NOT (has_table_privilege(c.oid, 'SELECT') AND has_table_privilege(c.oid, 'INSERT')
          AND has_table_privilege(c.oid, 'UPDATE') AND has_table_privilege(c.oid, 'DELETE'))
   ORDER BY 1`;

async function migrate(dataSource: DataSource): Promise<void> {
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
    const rows: unknown = await dataSource.query(MISSING_PRIVILEGES);
    const names = (rows as { name: string }[]).map((r) => r.name);
    if (names.length > 0) {
      throw Object.assign(new Error(`no SELECT/INSERT/UPDATE/DELETE on ${names.join(', ')}`), {
        code: '42501',
      });
    }
  } finally {
    await dataSource.destroy();
  }
}

/**
 * Before the app is built (serve.ts): waits for the embedded database main.ts began to open
 * (`opening`, startEmbeddedDatabase) or connects to PostgreSQL (DATABASE_URL), applies the
 * migrations and checks the role's privileges, so that every failure of the environment becomes
 * one StartupError line instead of a stack in a log line. Returns the embedded database for the
 * app to own, or null for PostgreSQL.
 */
export async function prepareDatabase(
  config: AppConfig,
  opening: Promise<EmbeddedDatabase> | null,
): Promise<EmbeddedDatabase | null> {
  if (config.databaseUrl) {
    await RemotePGlite.discardPrestarted();
    const dataSource = new DataSource(buildDataSourceOptions({ url: config.databaseUrl }));
    try {
      await migrate(dataSource);
    } catch (e) {
      throw databaseStartupError('DATABASE_URL', describeServer(config.databaseUrl), e);
    }
    return null;
  }
  if (opening === null) throw new Error('the embedded database was not started (main.ts)');
  const embedded = await opening;
  try {
    await migrate(new DataSource(buildDataSourceOptions({ pglite: embedded.pglite })));
  } catch (e) {
    await embedded.close();
    throw databaseStartupError('DATA_DIR', config.dataDir, e);
  }
  return embedded;
}
