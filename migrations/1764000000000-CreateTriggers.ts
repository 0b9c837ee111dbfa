import { MigrationInterface, QueryRunner } from 'typeorm';

/** Triggers (current state) and their append-only revision history. */
export class CreateTriggers1764000000000 implements MigrationInterface {
  name = 'CreateTriggers1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "triggers" (
        "id" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        "project" varchar(63) NOT NULL,
        "domain" varchar(63) NOT NULL,
        "task_name" varchar(255) NOT NULL,
        "name" varchar(255) NOT NULL,
        "latest_revision" integer NOT NULL,
        "active" boolean NOT NULL,
        "automation_type" varchar(16) NOT NULL,
        "task_version" varchar(63) NOT NULL,
        "spec" jsonb NOT NULL DEFAULT '{}',
        "automation_spec" jsonb NOT NULL DEFAULT '{}',
        "effective_at" timestamptz NOT NULL,
        "deployed_at" timestamptz NOT NULL,
        "updated_at" timestamptz NOT NULL,
        "activated_at" timestamptz,
        "triggered_at" timestamptz,
        "last_scheduled_at" timestamptz,
        "deleted_at" timestamptz,
        "deployed_by" varchar(255) NOT NULL,
        "updated_by" varchar(255) NOT NULL,
        CONSTRAINT "uq_triggers_name" UNIQUE ("project", "domain", "task_name", "name"),
        CONSTRAINT "ck_triggers_automation_type" CHECK ("automation_type" IN ('SCHEDULE', 'NONE')),
        CONSTRAINT "ck_triggers_revision" CHECK ("latest_revision" >= 1)
      )`);
    // The scheduler's reconciliation reads exactly these rows, paged by id.
    await q.query(`
      CREATE INDEX "ix_triggers_active_schedules" ON "triggers" ("id")
      WHERE "active" AND "deleted_at" IS NULL AND "automation_type" = 'SCHEDULE'`);
    await q.query(`CREATE INDEX "ix_triggers_updated_at" ON "triggers" ("updated_at")`);
    await q.query(`
      CREATE TABLE "trigger_revisions" (
        "trigger_id" bigint NOT NULL REFERENCES "triggers" ("id"),
        "revision" integer NOT NULL,
        "action" varchar(16) NOT NULL,
        "actor" varchar(255) NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "active" boolean NOT NULL,
        "task_version" varchar(63) NOT NULL,
        "spec" jsonb NOT NULL DEFAULT '{}',
        "automation_spec" jsonb NOT NULL DEFAULT '{}',
        "status" jsonb NOT NULL DEFAULT '{}',
        "deployed_by" varchar(255) NOT NULL,
        "updated_by" varchar(255) NOT NULL,
        PRIMARY KEY ("trigger_id", "revision"),
        CONSTRAINT "ck_trigger_revisions_action" CHECK ("action" IN ('DEPLOY', 'ACTIVATE', 'DEACTIVATE', 'DELETE'))
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "trigger_revisions"`);
    await q.query(`DROP TABLE "triggers"`);
  }
}
