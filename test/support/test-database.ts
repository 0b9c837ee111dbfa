import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { Client } from 'pg';
import { snapshotPath } from './paths';

/**
 * A fresh, migrated database for one test file: an in-memory PGlite restored from the run's
 * snapshot, or (with DATABASE_URL) a new database on that server, migrated at app start.
 * Several apps may share it (restarts, replicas).
 */
export class TestDatabase {
  private constructor(
    readonly pglite: PGlite | null,
    readonly url: string | null,
    private readonly serverUrl: string | null,
    private readonly name: string | null,
  ) {}

  static async create(): Promise<TestDatabase> {
    const serverUrl = process.env.DATABASE_URL;
    if (!serverUrl) {
      const snapshot = new Blob([readFileSync(snapshotPath())]);
      const pglite = new PGlite({ loadDataDir: snapshot });
      await pglite.waitReady;
      return new TestDatabase(pglite, null, null, null);
    }
    const name = `sundial_test_${randomBytes(6).toString('hex')}`;
    const admin = new Client({ connectionString: serverUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    return new TestDatabase(null, url.toString(), serverUrl, name);
  }

  get kind(): 'embedded' | 'postgres' {
    return this.pglite ? 'embedded' : 'postgres';
  }

  async drop(): Promise<void> {
    if (this.pglite) {
      if (!this.pglite.closed) await this.pglite.close();
      return;
    }
    const admin = new Client({ connectionString: this.serverUrl! });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  }
}
