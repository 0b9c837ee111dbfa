import { rmSync } from 'node:fs';

/** Removes this run's PGlite snapshot. */
export default async function globalTeardown(): Promise<void> {
  const path = process.env.SUNDIAL_TEST_SNAPSHOT;
  if (path) rmSync(path, { force: true });
}
