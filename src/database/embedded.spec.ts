import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireDataDirLock, EmbeddedDatabaseError } from './data-dir-lock';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'sundial-lock-'));
}

const FAST = { staleMs: 2_000, updateMs: 1_000 };

describe('acquireDataDirLock', () => {
  it('records its owner and removes the lock on release', async () => {
    const dir = tempDir();
    const release = await acquireDataDirLock(dir, FAST);
    expect(existsSync(join(dir, 'sundial.lock'))).toBe(true);
    const owner = JSON.parse(readFileSync(join(dir, 'sundial.lock.owner'), 'utf8')) as unknown;
    expect(owner).toMatchObject({ pid: process.pid, host: hostname() });
    await release();
    expect(existsSync(join(dir, 'sundial.lock'))).toBe(false);
    expect(existsSync(join(dir, 'sundial.lock.owner'))).toBe(false);
  });

  it('refuses a live owner, whose refreshes it sees, naming it well before the lock could go stale', async () => {
    const dir = tempDir();
    const release = await acquireDataDirLock(dir, FAST);
    try {
      const startedAt = Date.now();
      const second = acquireDataDirLock(dir, { staleMs: 2_000, updateMs: 1_000, waitMs: 20_000 });
      await expect(second).rejects.toThrow(EmbeddedDatabaseError);
      await expect(second).rejects.toThrow(
        `is in use by process ${process.pid} on host ${hostname()}`,
      );
      await expect(second).rejects.toThrow(/^start-up failed: DATA_DIR: /);
      expect(Date.now() - startedAt).toBeLessThan(5_000);
    } finally {
      await release();
    }
  });

  it('takes over at once a lock whose owner stopped refreshing it long ago', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'sundial.lock'));
    writeFileSync(join(dir, 'sundial.lock.owner'), JSON.stringify({ pid: 1, host: 'gone' }));
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(dir, 'sundial.lock'), old, old);
    const startedAt = Date.now();
    const release = await acquireDataDirLock(dir, FAST);
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    expect(readFileSync(join(dir, 'sundial.lock.owner'), 'utf8')).toContain(`"pid":${process.pid}`);
    await release();
  });

  it('waits for a fresh lock left by a killed owner to go stale, then takes it', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'sundial.lock')); // just written, never refreshed again
    const startedAt = Date.now();
    const release = await acquireDataDirLock(dir, FAST);
    const waited = Date.now() - startedAt;
    expect(waited).toBeGreaterThanOrEqual(1_500);
    expect(waited).toBeLessThan(5_000);
    await release();
  });

  it('names DATA_DIR when the directory cannot be created', async () => {
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, '');
    await expect(acquireDataDirLock(join(file, 'data'), FAST)).rejects.toThrow(
      /^start-up failed: DATA_DIR: data directory .* is not a writable directory \(ENOTDIR\)$/,
    );
  });
});
