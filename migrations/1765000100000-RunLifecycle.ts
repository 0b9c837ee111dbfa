import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The run lifecycle (docs/delivery.md): state, queue, attempts and leases on `runs`, one row per
 * attempt in `run_attempts`. Runs that exist when this is installed become SKIPPED
 * (BEFORE_DELIVERY) at once, so an upgrade never hands a new worker the whole history: the state
 * and skip_reason columns are added with those values as their defaults (no table rewrite), then
 * the defaults are switched to what new runs get.
 */
export class RunLifecycle1765000100000 implements MigrationInterface {
  name = 'RunLifecycle1765000100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE "runs"
        ADD COLUMN "public_id" uuid NOT NULL DEFAULT gen_random_uuid(),
        ADD COLUMN "project" varchar(63),
        ADD COLUMN "state" varchar(16) NOT NULL DEFAULT 'SKIPPED',
        ADD COLUMN "skip_reason" varchar(32) DEFAULT 'BEFORE_DELIVERY',
        ADD COLUMN "queue" varchar(63) NOT NULL DEFAULT 'default',
        ADD COLUMN "attempt" integer NOT NULL DEFAULT 0,
        ADD COLUMN "failures" integer NOT NULL DEFAULT 0,
        ADD COLUMN "not_before" timestamptz,
        ADD COLUMN "expire_after" interval,
        ADD COLUMN "expires_at" timestamptz,
        ADD COLUMN "retry_config" jsonb NOT NULL DEFAULT '{}',
        ADD COLUMN "started_at" timestamptz,
        ADD COLUMN "finished_at" timestamptz,
        ADD COLUMN "worker_id" varchar(255),
        ADD COLUMN "lease_token_hash" varchar(64),
        ADD COLUMN "lease_expires_at" timestamptz,
        ADD COLUMN "lease_duration_ms" integer,
        ADD COLUMN "cancel_requested" boolean NOT NULL DEFAULT false,
        ADD COLUMN "result" jsonb,
        ADD COLUMN "error" jsonb`);
    await q.query(`
      UPDATE "runs" r SET "project" = t."project", "not_before" = r."scheduled_at",
             "finished_at" = r."created_at"
      FROM "triggers" t WHERE t."id" = r."trigger_id"`);
    await q.query(`
      ALTER TABLE "runs"
        ALTER COLUMN "project" SET NOT NULL,
        ALTER COLUMN "not_before" SET NOT NULL,
        ALTER COLUMN "state" SET DEFAULT 'PENDING',
        ALTER COLUMN "skip_reason" DROP DEFAULT,
        ADD CONSTRAINT "ck_runs_state" CHECK ("state" IN
          ('PENDING', 'BUFFERED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'SKIPPED')),
        ADD CONSTRAINT "ck_runs_attempt" CHECK ("attempt" >= 0)`);
    await q.query(`CREATE UNIQUE INDEX "uq_runs_public_id" ON "runs" ("public_id")`);
    // The lease: oldest due run of a queue. Only PENDING rows are indexed, so its cost does not
    // grow with the history (final runs) or with other queues.
    await q.query(`
      CREATE INDEX "ix_runs_pending" ON "runs" ("queue", "not_before") WHERE "state" = 'PENDING'`);
    // The sweeper: leases that ran out, and pending runs past their expiry.
    await q.query(`
      CREATE INDEX "ix_runs_running_lease" ON "runs" ("lease_expires_at")
      WHERE "state" = 'RUNNING'`);
    await q.query(`
      CREATE INDEX "ix_runs_pending_expiry" ON "runs" ("expires_at")
      WHERE "state" = 'PENDING' AND "expires_at" IS NOT NULL`);
    // GET /runs across triggers: newest scheduled first, keyset on (scheduled_at, id).
    await q.query(`CREATE INDEX "ix_runs_scheduled" ON "runs" ("scheduled_at", "id")`);
    await q.query(`
      CREATE TABLE "run_attempts" (
        "run_id" bigint NOT NULL REFERENCES "runs" ("id") ON DELETE CASCADE,
        "number" integer NOT NULL,
        "worker_id" varchar(255) NOT NULL,
        "started_at" timestamptz NOT NULL,
        "ended_at" timestamptz,
        "outcome" varchar(16),
        "error" jsonb,
        PRIMARY KEY ("run_id", "number"),
        CONSTRAINT "ck_run_attempts_outcome" CHECK ("outcome" IN
          ('SUCCEEDED', 'FAILED', 'LEASE_EXPIRED', 'RELEASED', 'CANCELLED'))
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "run_attempts"`);
    await q.query(`DROP INDEX "ix_runs_scheduled"`);
    await q.query(`DROP INDEX "ix_runs_pending_expiry"`);
    await q.query(`DROP INDEX "ix_runs_running_lease"`);
    await q.query(`DROP INDEX "ix_runs_pending"`);
    await q.query(`DROP INDEX "uq_runs_public_id"`);
    await q.query(`
      ALTER TABLE "runs"
        DROP CONSTRAINT "ck_runs_attempt", DROP CONSTRAINT "ck_runs_state",
        DROP COLUMN "error", DROP COLUMN "result", DROP COLUMN "cancel_requested",
        DROP COLUMN "lease_duration_ms", DROP COLUMN "lease_expires_at", DROP COLUMN "lease_token_hash", DROP COLUMN "worker_id",
        DROP COLUMN "finished_at", DROP COLUMN "started_at", DROP COLUMN "retry_config",
        DROP COLUMN "expires_at", DROP COLUMN "expire_after", DROP COLUMN "not_before",
        DROP COLUMN "failures", DROP COLUMN "attempt",
        DROP COLUMN "queue", DROP COLUMN "skip_reason", DROP COLUMN "state",
        DROP COLUMN "project", DROP COLUMN "public_id"`);
  }
}
