import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Serves each order of `GET /triggers` (api.md "Listing and paging") as an index walk: keyset
 * pages compare (sort key, project, domain, task_name, name) as one row, so every page reads about
 * `limit` index entries however deep it is. Only live rows are indexed. The wider updated_at index
 * replaces the original single-column one (each index costs every deploy a write).
 * `sort=triggeredAt` is left unindexed: triggered_at moves with every fire, and an index on it
 * would make those updates non-HOT.
 */
export class TriggerListIndexes1764000100000 implements MigrationInterface {
  name = 'TriggerListIndexes1764000100000';

  async up(q: QueryRunner): Promise<void> {
    // default order: active first, then newest update (scanned backward)
    await q.query(`
      CREATE INDEX "ix_triggers_list_default" ON "triggers"
        ("active", "updated_at", "project", "domain", "task_name", "name")
      WHERE "deleted_at" IS NULL`);
    await q.query(`
      CREATE INDEX "ix_triggers_list_updated" ON "triggers"
        ("updated_at", "project", "domain", "task_name", "name")
      WHERE "deleted_at" IS NULL`);
    await q.query(`
      CREATE INDEX "ix_triggers_list_deployed" ON "triggers"
        ("deployed_at", "project", "domain", "task_name", "name")
      WHERE "deleted_at" IS NULL`);
    await q.query(`
      CREATE INDEX "ix_triggers_list_task" ON "triggers"
        ("task_name", "project", "domain", "name")
      WHERE "deleted_at" IS NULL`);
    await q.query(`DROP INDEX "ix_triggers_updated_at"`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX "ix_triggers_updated_at" ON "triggers" ("updated_at")`);
    await q.query(`DROP INDEX "ix_triggers_list_task"`);
    await q.query(`DROP INDEX "ix_triggers_list_deployed"`);
    await q.query(`DROP INDEX "ix_triggers_list_updated"`);
    await q.query(`DROP INDEX "ix_triggers_list_default"`);
  }
}
