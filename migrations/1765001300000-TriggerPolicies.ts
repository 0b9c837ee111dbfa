import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Trigger policies (docs/policies.md): the note of the last activate / deactivate on the trigger
 * and on each revision, the run limit's countdown, and an index of each trigger's active runs
 * (the overlap decision counts them in the statement that creates a run, and promotion finds
 * the oldest BUFFERED one), kept small: final runs are not in it.
 */
export class TriggerPolicies1765001300000 implements MigrationInterface {
  name = 'TriggerPolicies1765001300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE "triggers"
        ADD COLUMN "note" varchar(1000),
        ADD COLUMN "remaining_runs" integer,
        ADD CONSTRAINT "ck_triggers_remaining_runs" CHECK ("remaining_runs" >= 0)`);
    await q.query(`ALTER TABLE "trigger_revisions" ADD COLUMN "note" varchar(1000)`);
    await q.query(`
      CREATE INDEX "ix_runs_trigger_active" ON "runs" ("trigger_id", "scheduled_at")
      WHERE "state" IN ('PENDING', 'BUFFERED', 'RUNNING')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "ix_runs_trigger_active"`);
    await q.query(`ALTER TABLE "trigger_revisions" DROP COLUMN "note"`);
    await q.query(`
      ALTER TABLE "triggers"
        DROP CONSTRAINT "ck_triggers_remaining_runs",
        DROP COLUMN "remaining_runs", DROP COLUMN "note"`);
  }
}
