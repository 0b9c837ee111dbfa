import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Secrets the service makes for itself, one row each, shared by every replica of a deployment:
 * `page-token` keys the HMAC of paging tokens (docs/deployment.md, "Page-token secret"). The
 * first replica to start inserts a random value (INSERT … ON CONFLICT DO NOTHING, then SELECT), so
 * concurrent start-ups agree on one. Never exposed through the API.
 */
export class CreateServiceSecrets1765000000000 implements MigrationInterface {
  name = 'CreateServiceSecrets1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "service_secrets" (
        "name" text PRIMARY KEY,
        "value" bytea NOT NULL CHECK (octet_length("value") >= 32),
        "created_at" timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "service_secrets"`);
  }
}
