import { MigrationInterface, QueryRunner } from 'typeorm';

/** Serves `GET /triggers` in its default order (active first, newest update, then name parts). */
export class TriggerListIndexes1764000100000 implements MigrationInterface {
  name = 'TriggerListIndexes1764000100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX "ix_triggers_list_default" ON "triggers"
        ("active" DESC, "updated_at" DESC, "project", "domain", "task_name", "name")
      WHERE "deleted_at" IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "ix_triggers_list_default"`);
  }
}
