import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Runs (one per scheduled slot, or manual) and the scheduler's per-trigger catch-up cursor.
 * A slot is unique per trigger for SCHEDULE and BACKFILL runs; MANUAL runs live outside slots.
 */
export class CreateRuns1764000200000 implements MigrationInterface {
  name = 'CreateRuns1764000200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "runs" (
        "id" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        "trigger_id" bigint NOT NULL REFERENCES "triggers" ("id"),
        "trigger_revision" integer NOT NULL,
        "name" varchar(64) NOT NULL,
        "source" varchar(16) NOT NULL,
        "scheduled_at" timestamptz NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "task_version" varchar(63) NOT NULL,
        "inputs" jsonb NOT NULL DEFAULT '{}',
        "run_spec" jsonb NOT NULL DEFAULT '{}',
        "idempotency_key" varchar(255),
        CONSTRAINT "ck_runs_source" CHECK ("source" IN ('SCHEDULE', 'MANUAL', 'BACKFILL'))
      )`);
    // Exactly once per slot, whichever source fills it first; manual runs never occupy a slot.
    await q.query(`
      CREATE UNIQUE INDEX "uq_runs_slot" ON "runs" ("trigger_id", "scheduled_at")
      WHERE "source" IN ('SCHEDULE', 'BACKFILL')`);
    await q.query(`
      CREATE UNIQUE INDEX "uq_runs_idempotency_key" ON "runs" ("trigger_id", "idempotency_key")
      WHERE "idempotency_key" IS NOT NULL`);
    // Listing: newest scheduled first, keyset on (scheduled_at, id).
    await q.query(
      `CREATE INDEX "ix_runs_trigger_scheduled" ON "runs" ("trigger_id", "scheduled_at", "id")`,
    );
    // Catch-up cursor of a trigger with a hole below its last_scheduled_at (a slot that failed
    // while a later one fired, a backlog not yet drained): every slot after the effective time and
    // at or before scheduled_through has a run. Without a row, last_scheduled_at is the cursor.
    await q.query(`
      CREATE TABLE "scheduler_cursors" (
        "trigger_id" bigint PRIMARY KEY REFERENCES "triggers" ("id"),
        "scheduled_through" timestamptz NOT NULL
      )`);
    // Each fire updates its trigger's row (last_scheduled_at, triggered_at): leave room on every
    // page so those updates stay HOT (no index writes) when many triggers fire at one instant.
    await q.query(`ALTER TABLE "triggers" SET (fillfactor = 50)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "triggers" RESET (fillfactor)`);
    await q.query(`DROP TABLE "scheduler_cursors"`);
    await q.query(`DROP TABLE "runs"`);
  }
}
