import { RemotePGlite } from '../../src/database/pglite-remote';
import { snapshotPath } from './paths';
import { createScratchDatabase, type ScratchDatabase } from './scratch-database';

/**
 * A fresh, migrated database for one test file: an in-memory PGlite restored from the run's
 * snapshot, in its worker thread as the app runs it, or (with DATABASE_URL) a new database on that
 * server, migrated at app start. Several apps may share it (restarts, replicas).
 */
export class TestDatabase {
  private constructor(
    readonly pglite: RemotePGlite | null,
    private readonly scratch: ScratchDatabase | null,
  ) {}

  static async create(): Promise<TestDatabase> {
    const serverUrl = process.env.DATABASE_URL;
    if (serverUrl) {
      return new TestDatabase(null, await createScratchDatabase(serverUrl, 'sundial_test'));
    }
    const pglite = await RemotePGlite.open({ loadDataDir: snapshotPath() });
    return new TestDatabase(pglite, null);
  }

  /** the server database's connection string (null on the embedded database) */
  get url(): string | null {
    return this.scratch?.url ?? null;
  }

  get kind(): 'embedded' | 'postgres' {
    return this.pglite ? 'embedded' : 'postgres';
  }

  async drop(): Promise<void> {
    if (this.pglite) {
      if (!this.pglite.closed) await this.pglite.close();
      return;
    }
    await this.scratch!.drop();
  }
}
