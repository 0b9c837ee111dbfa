import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acquireDataDirLock, EmbeddedDatabaseError } from './embedded';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'sundial-lock-'));
}

describe('acquireDataDirLock', () => {
  it('writes this process id and removes the lock on release', () => {
    const dir = tempDir();
    const release = acquireDataDirLock(dir);
    expect(readFileSync(join(dir, 'sundial.lock'), 'utf8')).toBe(String(process.pid));
    release();
    expect(existsSync(join(dir, 'sundial.lock'))).toBe(false);
  });

  it('fails clearly while another live process holds the directory', async () => {
    const dir = tempDir();
    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)']);
    try {
      writeFileSync(join(dir, 'sundial.lock'), String(holder.pid));
      expect(() => acquireDataDirLock(dir)).toThrow(EmbeddedDatabaseError);
      expect(() => acquireDataDirLock(dir)).toThrow(`is in use by process ${holder.pid}`);
    } finally {
      holder.kill();
    }
  });

  it('takes over a lock left by a process that is gone', async () => {
    const dir = tempDir();
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => dead.on('exit', resolve));
    writeFileSync(join(dir, 'sundial.lock'), String(dead.pid));
    const release = acquireDataDirLock(dir);
    expect(readFileSync(join(dir, 'sundial.lock'), 'utf8')).toBe(String(process.pid));
    release();
  });
});
