import { Module } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { PageTokenCodec } from './page-token';

const SECRET_NAME = 'page-token';

/**
 * The deployment's page-token secret: the one in `service_secrets`, which the first replica to
 * start creates at random (race-free: INSERT … ON CONFLICT DO NOTHING, then SELECT), so every
 * replica on one database accepts every other's tokens, and nobody can derive it from the
 * configuration (docs/deployment.md, "Page-token secret").
 */
export async function loadPageTokenSecret(dataSource: DataSource): Promise<Buffer> {
  await dataSource.query(
    `INSERT INTO service_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`,
    [SECRET_NAME, randomBytes(32)],
  );
  const rows: unknown = await dataSource.query(
    `SELECT value FROM service_secrets WHERE name = $1`,
    [SECRET_NAME],
  );
  const value = Array.isArray(rows) ? (rows[0] as { value?: unknown } | undefined)?.value : null;
  if (!Buffer.isBuffer(value)) throw new Error('service_secrets has no page-token secret');
  return value;
}

/** The one PageTokenCodec of the app: PAGE_TOKEN_SECRET when configured, else the database's. */
@Module({
  providers: [
    {
      provide: PageTokenCodec,
      inject: [AppConfig, DataSource],
      useFactory: async (config: AppConfig, dataSource: DataSource) =>
        new PageTokenCodec(config.pageTokenSecret ?? (await loadPageTokenSecret(dataSource))),
    },
  ],
  exports: [PageTokenCodec],
})
export class PageTokenModule {}
