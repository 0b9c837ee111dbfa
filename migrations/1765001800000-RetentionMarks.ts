import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What retention deleted (docs/runs.md "Retention"): per trigger, the latest slot whose SCHEDULE
 * or BACKFILL run retention deleted. A backfill creates nothing at or before it, so a slot whose
 * run went is never run a second time (the scheduler has the trigger's cursor for that; a
 * backfill reaches before the cursor, so it needs this). Its own table, so a retention batch
 * never writes (or waits for) a trigger row that a fire holds.
 */
export class RetentionMarks1765001800000 implements MigrationInterface {
  name = 'RetentionMarks1765001800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "run_retention_marks" (
        "trigger_id" bigint PRIMARY KEY REFERENCES "triggers" ("id") ON DELETE CASCADE,
        "pruned_through" timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "run_retention_marks"`);
  }
}
