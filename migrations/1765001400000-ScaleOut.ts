import { MigrationInterface, QueryRunner } from 'typeorm';
import { PARTITION_COUNT, partitionSql } from '../src/scheduler/partitions';

/**
 * Scale-out and bounded history (docs/scale-out.md):
 * - `scheduler_instances`: the live scheduler processes (a heartbeat moves `expires_at`);
 * - `scheduler_partitions`: one row per partition of the triggers, with its owner's lease;
 * - an index serving "the active schedule triggers of partition p, by id" with their revisions
 *   (a pass's listing can be an index-only scan; fires never write latest_revision, so they stay
 *   HOT updates);
 * - `runs.fired_by`: the instance whose scheduler created a SCHEDULE run (null otherwise);
 * - an index of final runs by `finished_at` for retention (final rows only: the lease and the
 *   fires never write it).
 */
export class ScaleOut1765001400000 implements MigrationInterface {
  name = 'ScaleOut1765001400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "scheduler_instances" (
        "instance_id" varchar(64) PRIMARY KEY,
        "started_at" timestamptz NOT NULL DEFAULT now(),
        "heartbeat_at" timestamptz NOT NULL DEFAULT now(),
        "expires_at" timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE "scheduler_partitions" (
        "partition" integer PRIMARY KEY,
        "owner" varchar(64),
        "lease_expires_at" timestamptz,
        "acquired_at" timestamptz,
        CONSTRAINT "ck_scheduler_partitions_range" CHECK ("partition" >= 0)
      )`);
    await q.query(
      `INSERT INTO "scheduler_partitions" ("partition")
       SELECT g FROM generate_series(0, ${PARTITION_COUNT - 1}) g`,
    );
    await q.query(`
      CREATE INDEX "ix_triggers_schedule_partition" ON "triggers" ((${partitionSql('"id"')}), "id")
      INCLUDE ("latest_revision")
      WHERE "active" AND "deleted_at" IS NULL AND "automation_type" = 'SCHEDULE'`);
    await q.query(`ALTER TABLE "runs" ADD COLUMN "fired_by" varchar(64)`);
    await q.query(`
      CREATE INDEX "ix_runs_final_finished" ON "runs" ("finished_at")
      WHERE "state" IN ('SUCCEEDED', 'FAILED', 'CANCELLED', 'SKIPPED')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "ix_runs_final_finished"`);
    await q.query(`ALTER TABLE "runs" DROP COLUMN "fired_by"`);
    await q.query(`DROP INDEX "ix_triggers_schedule_partition"`);
    await q.query(`DROP TABLE "scheduler_partitions"`);
    await q.query(`DROP TABLE "scheduler_instances"`);
  }
}
