export type RunSource = 'SCHEDULE' | 'MANUAL' | 'BACKFILL' | 'EVENT';

/** The event an EVENT run was created for (docs/events.md "Runs"). */
export interface RunEventRef {
  source: string;
  id: string;
}

/** At most this many slots per backfill request (docs/runs.md "Backfill"). */
export const MAX_BACKFILL_SLOTS = 1000;

/**
 * A backfill answers its runs with their inputs and runSpec while those together fit in this
 * many bytes (as JSON text); beyond it the runs come without them and `payloadsOmitted` is true
 * (docs/runs.md "Backfill"), so the answer stays bounded for any runSpec.
 */
export const BACKFILL_PAYLOAD_BUDGET = 1024 * 1024;
