import { join } from 'node:path';

const SNAPSHOT_DIR = join(__dirname, '..', '..', '.test-cache');

/** Where this jest run keeps its migrated PGlite snapshot (set by the global setup, read by workers). */
export function snapshotPath(): string {
  const fromEnv = process.env.SUNDIAL_TEST_SNAPSHOT;
  if (fromEnv) return fromEnv;
  const path = join(SNAPSHOT_DIR, `pglite-migrated-${process.pid}.tar`);
  process.env.SUNDIAL_TEST_SNAPSHOT = path;
  return path;
}

export { SNAPSHOT_DIR };
