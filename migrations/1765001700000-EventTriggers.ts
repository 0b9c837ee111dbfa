import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Event triggers (docs/events.md): the EVENT automation type, EVENT runs that name their event,
 * the events received (exactly once per `(source, id)`), and the index that finds the triggers
 * an event matches without scanning them.
 */
export class EventTriggers1765001700000 implements MigrationInterface {
  name = 'EventTriggers1765001700000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE "triggers" DROP CONSTRAINT "ck_triggers_automation_type",
        ADD CONSTRAINT "ck_triggers_automation_type"
          CHECK ("automation_type" IN ('SCHEDULE', 'NONE', 'EVENT'))`);
    // Matching (src/events/events.repository.ts): one key per filter — the type's length in
    // characters, ':', the type, then the source key: '=' and the exact source, or '^' and the
    // prefix before a trailing '*' ('^' alone: any source). An event probes its type with '=' +
    // its source and '^' + each prefix of it (src/events/event-key.ts), each an equality lookup.
    // Only live, active EVENT triggers are indexed: deactivating or deleting one takes it out.
    await q.query(`
      CREATE INDEX "ix_triggers_event_filter" ON "triggers" ((
        length("automation_spec"->'event'->>'type')::text || ':' ||
        ("automation_spec"->'event'->>'type') ||
        CASE WHEN "automation_spec"->'event'->>'source' IS NULL THEN '^'
             WHEN right("automation_spec"->'event'->>'source', 1) = '*'
               THEN '^' || left("automation_spec"->'event'->>'source', -1)
             ELSE '=' || ("automation_spec"->'event'->>'source') END))
      WHERE "automation_type" = 'EVENT' AND "active" AND "deleted_at" IS NULL`);
    await q.query(`
      ALTER TABLE "runs"
        ADD COLUMN "event_source" text,
        ADD COLUMN "event_id" text,
        DROP CONSTRAINT "ck_runs_source",
        ADD CONSTRAINT "ck_runs_source"
          CHECK ("source" IN ('SCHEDULE', 'MANUAL', 'BACKFILL', 'EVENT')),
        ADD CONSTRAINT "ck_runs_event" CHECK (("source" = 'EVENT') = ("event_id" IS NOT NULL))`);
    // The runs of an event (a re-publish answers them), by the event's key (events.key), so the
    // index stays small whatever the ids' lengths. Not unique: an event forgotten after the
    // dedup window is a new event when it comes again (docs/events.md).
    await q.query(`ALTER TABLE "runs" ADD COLUMN "event_key" bytea`);
    await q.query(`
      CREATE INDEX "ix_runs_event" ON "runs" ("event_key", "trigger_id")
      WHERE "event_key" IS NOT NULL`);
    // Exactly once per event: the first insert of an event's key wins; every other publish of it
    // (a retry, a replica, a concurrent request) conflicts and answers the runs the first made.
    // key = SHA-256 of the source's length, ':', the source and the id (src/events/event-key.ts).
    await q.query(`
      CREATE TABLE "events" (
        "key" bytea PRIMARY KEY CHECK (octet_length("key") = 32),
        "source" text NOT NULL,
        "id" text NOT NULL,
        "type" text NOT NULL,
        "received_at" timestamptz NOT NULL DEFAULT now(),
        "runs" integer NOT NULL DEFAULT 0
      )`);
    // The purge of events older than the dedup window reads the oldest first.
    await q.query(`CREATE INDEX "ix_events_received" ON "events" ("received_at")`);
  }

  /**
   * Refuses while a live EVENT trigger exists (reverting would have to drop or rewrite it: the
   * operator deletes it first); deleted EVENT triggers become NONE (their revisions keep the spec).
   * EVENT runs and the events received go.
   */
  async down(q: QueryRunner): Promise<void> {
    const [{ live }] = (await q.query(
      `SELECT count(*)::int AS live FROM "triggers"
       WHERE "automation_type" = 'EVENT' AND "deleted_at" IS NULL`,
    )) as { live: number }[];
    if (live > 0) {
      throw new Error(
        `cannot revert ${this.name}: ${live} EVENT trigger(s) exist; delete them first ` +
          `(DELETE /triggers/{key}), then revert again`,
      );
    }
    await q.query(
      `UPDATE "triggers" SET "automation_type" = 'NONE' WHERE "automation_type" = 'EVENT'`,
    );
    await q.query(`DROP TABLE "events"`);
    await q.query(`DROP INDEX "ix_runs_event"`);
    await q.query(`DELETE FROM "runs" WHERE "source" = 'EVENT'`);
    await q.query(`
      ALTER TABLE "runs" DROP CONSTRAINT "ck_runs_event", DROP CONSTRAINT "ck_runs_source",
        DROP COLUMN "event_key", DROP COLUMN "event_id", DROP COLUMN "event_source",
        ADD CONSTRAINT "ck_runs_source" CHECK ("source" IN ('SCHEDULE', 'MANUAL', 'BACKFILL'))`);
    await q.query(`DROP INDEX "ix_triggers_event_filter"`);
    await q.query(`
      ALTER TABLE "triggers" DROP CONSTRAINT "ck_triggers_automation_type",
        ADD CONSTRAINT "ck_triggers_automation_type"
          CHECK ("automation_type" IN ('SCHEDULE', 'NONE'))`);
  }
}
