import { join, resolve } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { acquireDataDirLock, DataDirLockOptions, EmbeddedDatabaseError } from './data-dir-lock';
import {
  DataDirOrigin,
  DataDirPlan,
  EMBEDDED_SETTINGS,
  EMBEDDED_TEMPLATE_DIR,
  prepareDataDir,
} from './embedded-datadir';
import { RemotePGlite } from './pglite-remote';

export { EmbeddedDatabaseError } from './data-dir-lock';

export interface EmbeddedDatabase {
  /** PGlite in its worker thread (or, lent by a test, possibly in this one) */
  pglite: RemotePGlite | PGlite;
  /** how the data directory was made at this start (null: a PGlite lent by a test) */
  origin: DataDirOrigin | null;
  close(): Promise<void>;
}

export interface EmbeddedDatabaseOptions extends DataDirLockOptions {
  /** the prepared data directory to copy on a first start (default: the build's) */
  templateDir?: string;
}

/**
 * Opens (creating if needed) the embedded PostgreSQL under `<dataDir>/pgdata`, holding the data
 * directory's lock until close(). A new directory is copied from the build's template or made by
 * initdb in a child process, never in this one; PGlite then runs in a worker thread, off the
 * thread that serves requests (docs/embedded.md). Failures name DATA_DIR
 * (EmbeddedDatabaseError).
 */
export async function openEmbeddedDatabase(
  dataDir: string,
  options: EmbeddedDatabaseOptions = {},
): Promise<EmbeddedDatabase> {
  return (await startEmbeddedDatabase(dataDir, options)).opened;
}

/**
 * openEmbeddedDatabase in two steps (main.ts): resolves once the lock is held and the worker has
 * been asked to open the directory (copying the template first on a first start), so the caller
 * can load the app's modules while the worker works; `opened` then settles as
 * openEmbeddedDatabase would (it is never left unhandled: await it).
 */
export async function startEmbeddedDatabase(
  dataDir: string,
  options: EmbeddedDatabaseOptions = {},
): Promise<{ opened: Promise<EmbeddedDatabase> }> {
  const path = join(resolve(dataDir), 'pgdata');
  const failure = (e: unknown) => {
    const reason = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return new EmbeddedDatabaseError(`cannot open the embedded database in ${path}: ${reason}`);
  };
  const release = await acquireDataDirLock(dataDir, options);
  let plan: DataDirPlan;
  try {
    plan = await prepareDataDir(path, options.templateDir ?? EMBEDDED_TEMPLATE_DIR);
  } catch (e) {
    await release();
    throw failure(e);
  }
  const opened = (async (): Promise<EmbeddedDatabase> => {
    try {
      const pglite = await RemotePGlite.open({
        dataDir: path,
        settings: [...EMBEDDED_SETTINGS],
        fromTemplate: plan.origin === 'template' ? plan.template : undefined,
      });
      return {
        pglite,
        origin: plan.origin,
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
      throw failure(e);
    }
  })();
  opened.catch(() => undefined); // awaited by the caller, possibly after other work
  return { opened };
}
