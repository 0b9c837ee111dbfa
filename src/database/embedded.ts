import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { acquireDataDirLock, DataDirLockOptions, EmbeddedDatabaseError } from './data-dir-lock';

export { EmbeddedDatabaseError } from './data-dir-lock';

export interface EmbeddedDatabase {
  pglite: PGlite;
  close(): Promise<void>;
}

/**
 * Opens (creating if needed) the embedded PostgreSQL under `<dataDir>/pgdata`, holding the data
 * directory's lock until close(). Failures name DATA_DIR (EmbeddedDatabaseError).
 */
export async function openEmbeddedDatabase(
  dataDir: string,
  lockOptions: DataDirLockOptions = {},
): Promise<EmbeddedDatabase> {
  const release = await acquireDataDirLock(dataDir, lockOptions);
  const path = join(resolve(dataDir), 'pgdata');
  try {
    const pglite = new PGlite({ dataDir: path });
    await pglite.waitReady;
    return {
      pglite,
      close: async () => {
        try {
          if (!pglite.closed) await pglite.close();
        } finally {
          await release();
        }
      },
    };
  } catch (e) {
    await release();
    const reason = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new EmbeddedDatabaseError(`cannot open the embedded database in ${path}: ${reason}`);
  }
}
