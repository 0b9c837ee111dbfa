import { mkdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import * as lockfile from 'proper-lockfile';
import { StartupError } from '../config/startup-error';

/** The embedded database cannot be opened: its directory is in use, or not writable. */
export class EmbeddedDatabaseError extends StartupError {
  constructor(reason: string) {
    super('DATA_DIR', reason);
  }
}

/** A lock whose mtime is older than this is stale: its owner is gone (docs/deployment.md). */
export const LOCK_STALE_MS = 20_000;
/** How often the owner refreshes the lock's mtime. */
export const LOCK_UPDATE_MS = 4_000;

export interface DataDirLockOptions {
  staleMs?: number;
  updateMs?: number;
  /** how long to wait for a lock that is neither refreshed nor stale yet (default stale + update) */
  waitMs?: number;
  /** the lock was lost (not refreshed in time, or taken by another process) */
  onCompromised?: (error: Error) => void;
}

interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function describe(owner: LockOwner | null): string {
  return owner
    ? `process ${owner.pid} on host ${owner.host} (started ${owner.startedAt})`
    : 'another process';
}

function readOwner(path: string): LockOwner | null {
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    const o = parsed as Partial<LockOwner>;
    if (
      typeof o.pid === 'number' &&
      typeof o.host === 'string' &&
      typeof o.startedAt === 'string'
    ) {
      return { pid: o.pid, host: o.host, startedAt: o.startedAt };
    }
  } catch {
    // absent or half-written: the owner is unknown
  }
  return null;
}

function mtimeOf(path: string): number | null {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return null;
  }
}

function unwritable(dir: string, e: unknown): EmbeddedDatabaseError {
  const code = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  return new EmbeddedDatabaseError(`data directory ${dir} is not a writable directory (${code})`);
}

/**
 * Takes the data directory for this process. Two processes on one PGlite directory corrupt it, so
 * the lock must hold across pid namespaces (containers) and hosts, where a pid means nothing:
 * `<dir>/sundial.lock` is a directory made atomically by proper-lockfile, whose mtime the owner
 * refreshes every `updateMs`. A contender that sees the mtime move knows the owner is alive and
 * refuses at once, naming it (from `<dir>/sundial.lock.owner`); a lock not refreshed for
 * `staleMs` was left by a dead owner (kill -9, power loss) and is taken over.
 */
export async function acquireDataDirLock(
  dataDir: string,
  options: DataDirLockOptions = {},
): Promise<() => Promise<void>> {
  const dir = resolve(dataDir);
  const staleMs = options.staleMs ?? LOCK_STALE_MS;
  const updateMs = options.updateMs ?? LOCK_UPDATE_MS;
  const deadline = Date.now() + (options.waitMs ?? staleMs + updateMs);
  const lockPath = join(dir, 'sundial.lock');
  const ownerPath = `${lockPath}.owner`;
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw unwritable(dir, e);
  }
  let seenMtime: number | null = null;
  for (;;) {
    let release: () => Promise<void>;
    try {
      release = await lockfile.lock(dir, {
        lockfilePath: lockPath,
        realpath: false,
        stale: staleMs,
        update: updateMs,
        onCompromised:
          options.onCompromised ??
          ((e) => {
            throw e;
          }),
      });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ELOCKED') throw unwritable(dir, e);
      const mtime = mtimeOf(lockPath);
      const inUse = () =>
        new EmbeddedDatabaseError(
          `data directory ${dir} is in use by ${describe(readOwner(ownerPath))} ` +
            `(lock file ${lockPath}); stop that process or set DATA_DIR to another directory`,
        );
      if (mtime !== null && seenMtime !== null && mtime !== seenMtime) throw inUse();
      if (Date.now() >= deadline) throw inUse();
      seenMtime = mtime ?? seenMtime;
      await sleep(Math.min(500, updateMs / 4));
      continue;
    }
    try {
      const owner: LockOwner = {
        pid: process.pid,
        host: hostname(),
        startedAt: new Date().toISOString(),
      };
      writeFileSync(`${ownerPath}.tmp`, JSON.stringify(owner));
      renameSync(`${ownerPath}.tmp`, ownerPath);
    } catch (e) {
      await release();
      throw unwritable(dir, e);
    }
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      try {
        unlinkSync(ownerPath);
      } catch {
        // already gone
      }
      try {
        await release();
      } catch {
        // already released or compromised
      }
    };
  }
}

/** One attempt, no waiting (the TypeORM CLI): throws while the directory is locked. */
export function acquireDataDirLockNow(dataDir: string): () => void {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const lockPath = join(dir, 'sundial.lock');
  try {
    return lockfile.lockSync(dir, {
      lockfilePath: lockPath,
      realpath: false,
      stale: LOCK_STALE_MS,
      update: LOCK_UPDATE_MS,
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ELOCKED') throw unwritable(dir, e);
    throw new EmbeddedDatabaseError(
      `data directory ${dir} is in use by ${describe(readOwner(`${lockPath}.owner`))} ` +
        `(lock file ${lockPath})`,
    );
  }
}
