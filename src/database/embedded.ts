import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';

/** The embedded database cannot be opened (its directory is in use, or unreadable). */
export class EmbeddedDatabaseError extends Error {}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `<dir>/sundial.lock` for this process. Two processes on one PGlite directory would
 * corrupt it, so a lock held by a live process fails; a lock left by a dead one is taken over.
 */
export function acquireDataDirLock(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'sundial.lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          unlinkSync(path);
        } catch {
          // already gone
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && isAlive(owner)) {
        throw new EmbeddedDatabaseError(
          `data directory ${resolve(dir)} is in use by process ${owner} (lock file ${path}); ` +
            'stop that process or set DATA_DIR to another directory',
        );
      }
      unlinkSync(path); // stale: its owner is gone
    }
  }
  throw new EmbeddedDatabaseError(`cannot take the lock file ${path}`);
}

export interface EmbeddedDatabase {
  pglite: PGlite;
  close(): Promise<void>;
}

/** Opens (creating if needed) the embedded PostgreSQL under `<dataDir>/pgdata`, holding the lock. */
export async function openEmbeddedDatabase(dataDir: string): Promise<EmbeddedDatabase> {
  const release = acquireDataDirLock(dataDir);
  try {
    const pglite = new PGlite({ dataDir: join(resolve(dataDir), 'pgdata') });
    await pglite.waitReady;
    return {
      pglite,
      close: async () => {
        try {
          if (!pglite.closed) await pglite.close();
        } finally {
          release();
        }
      },
    };
  } catch (e) {
    release();
    throw e;
  }
}
