import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which projects an event has fired (docs/events.md "Exactly once per event"), so that a
 * publisher key scoped to some projects cannot use up an event for the others:
 * - `reached`: the projects whose triggers the event has fired (NULL: every project, as a publish
 *   by an unscoped key does; so every event recorded before this migration counts as having
 *   reached every project, as it did);
 * - `reached_before`: `reached` as it was before the latest publish that widened it ('{}' when
 *   that publish recorded the event): that publish's statement reads it back (RETURNING shows
 *   only the new row) to fire only the projects it newly reached.
 */
export class EventReach1765001900000 implements MigrationInterface {
  name = 'EventReach1765001900000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE "events" ADD COLUMN "reached" text[],
        ADD COLUMN "reached_before" text[] NOT NULL DEFAULT '{}'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "events" DROP COLUMN "reached_before", DROP COLUMN "reached"`);
  }
}
